// HMAC, RFC 2104 (FIPS 198-1), over SHA-256 and SHA-512, and NaCl's crypto_auth
// (HMAC-SHA-512 truncated to 32 bytes, 32-byte key), one-shot and streaming.
import { E_AUTH, OK } from "../abi/errors";
import { ctEqual, wipe } from "./ct";
import { Sha256, sha256Shared } from "./sha256";
import { Sha512, sha512Shared } from "./sha512";

// RFC 2104 §2: HMAC = H(K0 ^ opad, H(K0 ^ ipad, text)). start() leaves K0 ^ ipad
// in the block-sized key buffer k0 (secret until finish() wipes it) and feeds it.
function start<H>(ctx: H, blockLen: i32, k0: usize, key: usize, keyLen: i32): void {
  memory.fill(k0, 0, <usize>blockLen);
  // Keys longer than the block are hashed first; shorter ones are zero-padded.
  if (keyLen > blockLen) {
    ctx.update(key, keyLen);
    ctx.final(k0);
  } else if (keyLen > 0) {
    memory.copy(k0, key, <usize>keyLen);
  }
  for (let i: usize = 0; i < <usize>blockLen; i++) store<u8>(k0 + i, load<u8>(k0 + i) ^ 0x36);
  ctx.update(k0, blockLen);
}

// Writes the full digest (digestLen bytes) to out and wipes k0.
function finish<H>(ctx: H, blockLen: i32, digestLen: i32, k0: usize, out: usize): void {
  ctx.final(out);
  // 0x36 ^ 0x5c turns the inner pad into the outer one.
  for (let i: usize = 0; i < <usize>blockLen; i++) store<u8>(k0 + i, load<u8>(k0 + i) ^ (0x36 ^ 0x5c));
  ctx.update(k0, blockLen);
  ctx.update(out, digestLen);
  ctx.final(out);
  wipe(k0, blockLen);
}

const k0 = memory.data(128);
const full = memory.data(64);

export function hmacSha256(out32: usize, key: usize, keyLen: i32, msg: usize, n: i32): void {
  const h = sha256Shared();
  start<Sha256>(h, 64, k0, key, keyLen);
  h.update(msg, n);
  finish<Sha256>(h, 64, 32, k0, out32);
}

export function hmacSha512(out64: usize, key: usize, keyLen: i32, msg: usize, n: i32): void {
  const h = sha512Shared();
  start<Sha512>(h, 128, k0, key, keyLen);
  h.update(msg, n);
  finish<Sha512>(h, 128, 64, k0, out64);
}

/** NaCl crypto_auth (HMAC-SHA-512-256): the first 32 bytes of HMAC-SHA-512. */
export function hmacSha512_256(out32: usize, key32: usize, msg: usize, n: i32): void {
  hmacSha512(full, key32, 32, msg, n);
  memory.copy(out32, full, 32);
}

/** NaCl crypto_auth_verify: OK or E_AUTH, comparing in constant time. */
export function hmacSha512_256Verify(mac32: usize, key32: usize, msg: usize, n: i32): i32 {
  hmacSha512(full, key32, 32, msg, n);
  return ctEqual(full, mac32, 32) ? OK : E_AUTH;
}

/** Streaming crypto_auth for messages that do not fit in memory at once. One
 *  context; init wipes any unfinished one. */
export class AuthStream {
  private ctx: Sha512 = new Sha512();
  private k0: StaticArray<u8> = new StaticArray<u8>(128);

  init(key32: usize): void {
    this.ctx.reset();
    start<Sha512>(this.ctx, 128, changetype<usize>(this.k0), key32, 32);
  }

  update(p: usize, n: i32): void {
    this.ctx.update(p, n);
  }

  /** The 32-byte tag; the context must be init'ed again before reuse. */
  final(out32: usize): void {
    finish<Sha512>(this.ctx, 128, 64, changetype<usize>(this.k0), full);
    memory.copy(out32, full, 32);
  }

  verify(mac32: usize): i32 {
    finish<Sha512>(this.ctx, 128, 64, changetype<usize>(this.k0), full);
    return ctEqual(full, mac32, 32) ? OK : E_AUTH;
  }
}
