// NaCl crypto_secretbox (XSalsa20-Poly1305, "Cryptography in NaCl" §9) in
// tweetnacl's layout: box = tag (16) ‖ ciphertext (n). The first 32 bytes of the
// XSalsa20 keystream are the Poly1305 key; the message is encrypted with the
// keystream from byte 32 on; the tag covers the ciphertext.
//
// Streaming (for messages larger than linear memory): seal is init, update over
// the message, final (the tag); open is init (with the tag), update over the
// whole ciphertext (authentication only), verify, then decrypt over the
// ciphertext again. decrypt refuses (E_STATE) until verify has succeeded, so no
// plaintext is released from an unauthenticated ciphertext.
import { E_AUTH, E_STATE, OK } from "../abi/errors";
import { wipe } from "./ct";
import { Poly1305 } from "./poly1305";
import { XSalsa20 } from "./salsa20";

const ZERO32 = memory.data(32);
const POLY_KEY = memory.data(32);

const IDLE = 0;
const SEAL = 1;
const OPEN_MAC = 2;
const OPEN_DECRYPT = 3;

export class SecretboxStream {
  private stream: XSalsa20 = new XSalsa20();
  private mac: Poly1305 = new Poly1305();
  private tag: StaticArray<u8> = new StaticArray<u8>(16);
  private phase: i32 = IDLE;

  private start(nonce24: usize, key32: usize): void {
    this.stream.init(nonce24, key32);
    this.stream.xor(POLY_KEY, ZERO32, 32);
    this.mac.init(POLY_KEY);
    wipe(POLY_KEY, 32);
  }

  sealInit(nonce24: usize, key32: usize): void {
    this.start(nonce24, key32);
    this.phase = SEAL;
  }

  /** Encrypts n bytes into out (out may equal msg) and authenticates them. */
  sealUpdate(out: usize, msg: usize, n: i32): i32 {
    if (this.phase != SEAL) return E_STATE;
    this.stream.xor(out, msg, n);
    this.mac.update(out, n);
    return OK;
  }

  sealFinal(tag16: usize): i32 {
    if (this.phase != SEAL) return E_STATE;
    this.mac.final(tag16);
    this.stream.wipe();
    this.phase = IDLE;
    return OK;
  }

  openInit(nonce24: usize, key32: usize, tag16: usize): void {
    this.start(nonce24, key32);
    memory.copy(changetype<usize>(this.tag), tag16, 16);
    this.phase = OPEN_MAC;
  }

  /** Authenticates the next n bytes of ciphertext (nothing is decrypted yet). */
  openUpdate(ct: usize, n: i32): i32 {
    if (this.phase != OPEN_MAC) return E_STATE;
    this.mac.update(ct, n);
    return OK;
  }

  /** OK when the tag matches everything fed to openUpdate; then decrypt may run. */
  openVerify(): i32 {
    if (this.phase != OPEN_MAC) return E_STATE;
    if (!this.mac.verify(changetype<usize>(this.tag))) {
      this.stream.wipe();
      this.phase = IDLE;
      return E_AUTH;
    }
    // Back to keystream byte 32, where the message starts.
    this.stream.rewind();
    this.stream.xor(POLY_KEY, ZERO32, 32);
    wipe(POLY_KEY, 32);
    this.phase = OPEN_DECRYPT;
    return OK;
  }

  /** Decrypts the next n bytes of the verified ciphertext into out (out may equal ct). */
  openDecrypt(out: usize, ct: usize, n: i32): i32 {
    if (this.phase != OPEN_DECRYPT) return E_STATE;
    this.stream.xor(out, ct, n);
    return OK;
  }

  /** Ends an open (or abandons any operation) and wipes the keystream state. */
  finish(): void {
    this.stream.wipe();
    this.phase = IDLE;
  }
}

let oneShot: SecretboxStream | null = null;

function shared(): SecretboxStream {
  let s = oneShot;
  if (s === null) oneShot = s = new SecretboxStream();
  return s;
}

/** out (n + 16 bytes) = tag ‖ ciphertext of msg[0..n). out + 16 may equal msg
 *  (encryption runs forward, byte for byte); other overlaps give wrong output. */
export function secretbox(out: usize, msg: usize, n: i32, nonce24: usize, key32: usize): void {
  const s = shared();
  s.sealInit(nonce24, key32);
  s.sealUpdate(out + 16, msg, n);
  s.sealFinal(out);
}

/** out (n - 16 bytes) = plaintext of box[0..n), or E_AUTH (out untouched) when
 *  the tag does not verify or n < 16. out may equal box + 16. */
export function secretboxOpen(out: usize, box: usize, n: i32, nonce24: usize, key32: usize): i32 {
  if (n < 16) return E_AUTH;
  const s = shared();
  s.openInit(nonce24, key32, box);
  s.openUpdate(box + 16, n - 16);
  const rc = s.openVerify();
  if (rc == OK) s.openDecrypt(out, box + 16, n - 16);
  s.finish();
  return rc;
}
