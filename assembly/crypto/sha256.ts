// SHA-256, FIPS 180-4 §6.2: the 32-bit-word instance of sha2.ts (streaming
// reset/update/final, so large objects hash in bounded memory), plus a one-shot
// helper.
import { Sha2 } from "./sha2";

export class Sha256 extends Sha2<u32> {}

let shared: Sha256 | null = null;

/** The instance one-shot helpers (sha256, HMAC) use within a single call. Made
 *  on first use, like every crypto context, so a module that never hashes holds
 *  no memory for it. */
export function sha256Shared(): Sha256 {
  let s = shared;
  if (s === null) shared = s = new Sha256();
  return s;
}

/** out32 = SHA-256(p[0..n)). */
export function sha256(out32: usize, p: usize, n: i32): void {
  const s = sha256Shared();
  s.update(p, n);
  s.final(out32);
}
