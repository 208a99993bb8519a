// NaCl crypto_box (curve25519xsalsa20poly1305, "Cryptography in NaCl" §10):
// k = HSalsa20(X25519(sk, pk), 0), then secretbox with k. Unlike tweetnacl, a
// peer key of low order (shared secret all zero) is refused with E_AUTH, as
// libsodium does: such a k would be known to anyone.
import { E_AUTH, OK } from "../abi/errors";
import { wipe } from "./ct";
import { hsalsa20 } from "./salsa20";
import { secretbox, secretboxOpen } from "./secretbox";
import { x25519 } from "./x25519";

const ZERO16 = memory.data(16);
const SHARED = memory.data(32);
const K = memory.data(32);

/** k32 = the box key for (pk32, sk32); E_AUTH for a low-order pk32. */
export function boxBeforenm(k32: usize, pk32: usize, sk32: usize): i32 {
  const rc = x25519(SHARED, sk32, pk32);
  if (rc == OK) hsalsa20(k32, ZERO16, SHARED);
  wipe(SHARED, 32);
  return rc;
}

/** out (n + 16) = tag ‖ ciphertext, as secretbox under boxBeforenm's key. */
export function box(out: usize, msg: usize, n: i32, nonce24: usize, pk32: usize, sk32: usize): i32 {
  const rc = boxBeforenm(K, pk32, sk32);
  if (rc == OK) secretbox(out, msg, n, nonce24, K);
  wipe(K, 32);
  return rc;
}

/** out (n - 16) = plaintext, or E_AUTH (bad tag, short box, low-order pk32). */
export function boxOpen(out: usize, box: usize, n: i32, nonce24: usize, pk32: usize, sk32: usize): i32 {
  let rc = boxBeforenm(K, pk32, sk32);
  if (rc == OK) rc = secretboxOpen(out, box, n, nonce24, K);
  wipe(K, 32);
  return rc == OK ? OK : E_AUTH;
}
