// Poly1305 (D. J. Bernstein, "The Poly1305-AES message-authentication code",
// 2005; the one-time form of NaCl's crypto_onetimeauth and RFC 8439 §2.5):
// tag = ((sum of blocks c_i r^(q-i+1)) mod 2^130 - 5 + s) mod 2^128.
//
// The accumulator h and r are five 26-bit limbs; each column of h * r is five
// products < 2^26 * 5 * 2^26 plus carries, far below 2^64. 2^130 = 5 mod p folds
// the high limbs with factor 5. Constant time: no branch on h, r or s.
import { ctEqual } from "./ct";

const M26: u32 = 0x3ffffff;

export class Poly1305 {
  // r (5 limbs) ‖ h (5 limbs) as u32, then s (16 bytes), then a partial block (16).
  private st: StaticArray<u32> = new StaticArray<u32>(18);
  private buf: StaticArray<u8> = new StaticArray<u8>(16);
  private fill: i32 = 0;

  /** key32 = r (clamped here, §2 of the paper) ‖ s. */
  init(key32: usize): void {
    const st = changetype<usize>(this.st);
    // r &= 0x0ffffffc0ffffffc0ffffffc0fffffff, split into 26-bit limbs.
    const t0 = load<u32>(key32, 0);
    const t1 = load<u32>(key32, 4);
    const t2 = load<u32>(key32, 8);
    const t3 = load<u32>(key32, 12);
    store<u32>(st, t0 & 0x3ffffff, 0);
    store<u32>(st, ((t0 >>> 26) | (t1 << 6)) & 0x3ffff03, 4);
    store<u32>(st, ((t1 >>> 20) | (t2 << 12)) & 0x3ffc0ff, 8);
    store<u32>(st, ((t2 >>> 14) | (t3 << 18)) & 0x3f03fff, 12);
    store<u32>(st, (t3 >>> 8) & 0x00fffff, 16);
    memory.fill(st + 20, 0, 20);
    memory.copy(st + 40, key32 + 16, 16);
    this.fill = 0;
  }

  // Absorbs one 16-byte block; hibit is 2^24 in limb 4 (the 2^128 pad bit) for
  // full blocks and 0 for the already-padded last partial block.
  private block(m: usize, hibit: u32): void {
    const st = changetype<usize>(this.st);
    const r0 = <u64>load<u32>(st, 0);
    const r1 = <u64>load<u32>(st, 4);
    const r2 = <u64>load<u32>(st, 8);
    const r3 = <u64>load<u32>(st, 12);
    const r4 = <u64>load<u32>(st, 16);
    const s1 = r1 * 5;
    const s2 = r2 * 5;
    const s3 = r3 * 5;
    const s4 = r4 * 5;
    const h0 = <u64>(load<u32>(st, 20) + (load<u32>(m, 0) & M26));
    const h1 = <u64>(load<u32>(st, 24) + ((load<u32>(m, 3) >>> 2) & M26));
    const h2 = <u64>(load<u32>(st, 28) + ((load<u32>(m, 6) >>> 4) & M26));
    const h3 = <u64>(load<u32>(st, 32) + ((load<u32>(m, 9) >>> 6) & M26));
    const h4 = <u64>(load<u32>(st, 36) + ((load<u32>(m, 12) >>> 8) | hibit));
    const d0 = h0 * r0 + h1 * s4 + h2 * s3 + h3 * s2 + h4 * s1;
    let d1 = h0 * r1 + h1 * r0 + h2 * s4 + h3 * s3 + h4 * s2;
    let d2 = h0 * r2 + h1 * r1 + h2 * r0 + h3 * s4 + h4 * s3;
    let d3 = h0 * r3 + h1 * r2 + h2 * r1 + h3 * r0 + h4 * s4;
    let d4 = h0 * r4 + h1 * r3 + h2 * r2 + h3 * r1 + h4 * r0;
    d1 += d0 >> 26;
    d2 += d1 >> 26;
    d3 += d2 >> 26;
    d4 += d3 >> 26;
    let g0 = (d0 & M26) + (d4 >> 26) * 5;
    const g1 = (d1 & M26) + (g0 >> 26);
    g0 &= M26;
    store<u32>(st, <u32>g0, 20);
    store<u32>(st, <u32>g1, 24);
    store<u32>(st, <u32>(d2 & M26), 28);
    store<u32>(st, <u32>(d3 & M26), 32);
    store<u32>(st, <u32>(d4 & M26), 36);
  }

  update(p: usize, n: i32): void {
    const buf = changetype<usize>(this.buf);
    let i = 0;
    if (this.fill > 0) {
      const take = min(16 - this.fill, n);
      memory.copy(buf + <usize>this.fill, p, <usize>take);
      this.fill += take;
      i = take;
      if (this.fill < 16) return;
      this.block(buf, 1 << 24);
      this.fill = 0;
    }
    for (; i + 16 <= n; i += 16) this.block(p + <usize>i, 1 << 24);
    if (i < n) {
      memory.copy(buf, p + <usize>i, <usize>(n - i));
      this.fill = n - i;
    }
  }

  /** Writes the 16-byte tag and wipes the state (init again before reuse). */
  final(out16: usize): void {
    const st = changetype<usize>(this.st);
    const buf = changetype<usize>(this.buf);
    if (this.fill > 0) {
      // A last partial block gets a 1 byte after the message, then zeros.
      store<u8>(buf + <usize>this.fill, 1);
      memory.fill(buf + <usize>this.fill + 1, 0, <usize>(15 - this.fill));
      this.block(buf, 0);
    }
    // Full carry: h < 2^130 + small, limbs in range.
    let h0 = load<u32>(st, 20);
    let h1 = load<u32>(st, 24);
    let h2 = load<u32>(st, 28);
    let h3 = load<u32>(st, 32);
    let h4 = load<u32>(st, 36);
    let c: u32;
    c = h1 >>> 26; h1 &= M26; h2 += c;
    c = h2 >>> 26; h2 &= M26; h3 += c;
    c = h3 >>> 26; h3 &= M26; h4 += c;
    c = h4 >>> 26; h4 &= M26; h0 += c * 5;
    c = h0 >>> 26; h0 &= M26; h1 += c;
    // g = h + 5 - 2^130; use g when it does not borrow (h >= p).
    let g0 = h0 + 5;
    c = g0 >>> 26; g0 &= M26;
    let g1 = h1 + c;
    c = g1 >>> 26; g1 &= M26;
    let g2 = h2 + c;
    c = g2 >>> 26; g2 &= M26;
    let g3 = h3 + c;
    c = g3 >>> 26; g3 &= M26;
    const g4 = h4 + c - (1 << 26);
    const useG = (g4 >>> 31) - 1; // all ones when g4 did not go negative
    h0 = (h0 & ~useG) | (g0 & useG);
    h1 = (h1 & ~useG) | (g1 & useG);
    h2 = (h2 & ~useG) | (g2 & useG);
    h3 = (h3 & ~useG) | (g3 & useG);
    h4 = (h4 & ~useG) | (g4 & useG);
    // h mod 2^128 as four words, plus s, with carries.
    const w0 = <u64>(h0 | (h1 << 26)) + <u64>load<u32>(st, 40);
    const w1 = <u64>((h1 >>> 6) | (h2 << 20)) + <u64>load<u32>(st, 44) + (w0 >> 32);
    const w2 = <u64>((h2 >>> 12) | (h3 << 14)) + <u64>load<u32>(st, 48) + (w1 >> 32);
    const w3 = <u64>((h3 >>> 18) | (h4 << 8)) + <u64>load<u32>(st, 52) + (w2 >> 32);
    store<u32>(out16, <u32>w0, 0);
    store<u32>(out16, <u32>w1, 4);
    store<u32>(out16, <u32>w2, 8);
    store<u32>(out16, <u32>w3, 12);
    memory.fill(st, 0, 72);
    memory.fill(buf, 0, 16);
    this.fill = 0;
  }

  /** final, compared with tag16 in constant time. */
  verify(tag16: usize): bool {
    this.final(TAG);
    return ctEqual(TAG, tag16, 16);
  }
}

const TAG = memory.data(16);
let oneShot: Poly1305 | null = null;

/** NaCl crypto_onetimeauth: the Poly1305 tag of msg[0..n) under a one-time key32. */
export function poly1305(out16: usize, msg: usize, n: i32, key32: usize): void {
  let s = oneShot;
  if (s === null) oneShot = s = new Poly1305();
  s.init(key32);
  s.update(msg, n);
  s.final(out16);
}
