// SHA-512, FIPS 180-4 §6.4: the 64-bit-word instance of sha2.ts, plus a one-shot
// helper. Used by Ed25519 and HMAC-SHA-512(-256).
import { Sha2 } from "./sha2";

export class Sha512 extends Sha2<u64> {}

let shared: Sha512 | null = null;

/** The instance one-shot helpers (sha512, HMAC) use within a single call, made
 *  on first use. */
export function sha512Shared(): Sha512 {
  let s = shared;
  if (s === null) shared = s = new Sha512();
  return s;
}

/** out64 = SHA-512(p[0..n)). */
export function sha512(out64: usize, p: usize, n: i32): void {
  const s = sha512Shared();
  s.update(p, n);
  s.final(out64);
}
