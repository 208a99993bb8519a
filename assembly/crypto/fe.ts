// Arithmetic in GF(p), p = 2^255 - 19 (RFC 7748 §4.1, RFC 8032 §5.1), for
// Ed25519 and X25519.
//
// An element is ten signed 32-bit limbs at a pointer (40 bytes), radix 2^25.5:
// value = sum h[i] * 2^ceil(25.5 i), even limbs nominally 26 bits, odd limbs 25.
// Wasm has no 64x64->128 multiply, so products are i64 of 32-bit limbs.
//
// Bounds. "Reduced" (the output of feMul, feSq, feMulSmall, feFromBytes): |even
// limb| <= 2^26, |odd limb| <= 2^25 (carries are rounded, so limbs are centred).
// feAdd/feSub/feNeg do not carry: a sum or difference of k reduced elements has
// limbs at most k times as large. feMul's largest column is ten products with a
// factor of at most 38, so operands of up to 4x reduced each (16x in the product)
// stay below 2^63; every caller feeds it at most a sum of three reduced values on
// one side and two on the other.
//
// Constant time: no branch or memory index depends on a limb. feCmov/feCswap use
// masks. feToBytes always does the same work.

export const FE: usize = 40;

// Rounded carry chain (each carry moves the excess above half a limb up one limb,
// limb 9 wraps to limb 0 times 19 since 2^255 = 19 mod p), then stores.
// Interleaved as two chains (0..4 and 4..9) for instruction-level parallelism.
// Inlined into feMul and feSq for speed; size-optimized builds share one copy
// (carry) instead, about 0.7 KB less code.
@inline
function carryStore(h: usize, a0: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64, a6: i64, a7: i64, a8: i64, a9: i64): void {
  let h0 = a0, h1 = a1, h2 = a2, h3 = a3, h4 = a4, h5 = a5, h6 = a6, h7 = a7, h8 = a8, h9 = a9;
  let c: i64;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h1 + (1 << 24)) >> 25; h2 += c; h1 -= c << 25;
  c = (h5 + (1 << 24)) >> 25; h6 += c; h5 -= c << 25;
  c = (h2 + (1 << 25)) >> 26; h3 += c; h2 -= c << 26;
  c = (h6 + (1 << 25)) >> 26; h7 += c; h6 -= c << 26;
  c = (h3 + (1 << 24)) >> 25; h4 += c; h3 -= c << 25;
  c = (h7 + (1 << 24)) >> 25; h8 += c; h7 -= c << 25;
  c = (h4 + (1 << 25)) >> 26; h5 += c; h4 -= c << 26;
  c = (h8 + (1 << 25)) >> 26; h9 += c; h8 -= c << 26;
  c = (h9 + (1 << 24)) >> 25; h0 += c * 19; h9 -= c << 25;
  c = (h0 + (1 << 25)) >> 26; h1 += c; h0 -= c << 26;
  store<i32>(h, <i32>h0, 0);
  store<i32>(h, <i32>h1, 4);
  store<i32>(h, <i32>h2, 8);
  store<i32>(h, <i32>h3, 12);
  store<i32>(h, <i32>h4, 16);
  store<i32>(h, <i32>h5, 20);
  store<i32>(h, <i32>h6, 24);
  store<i32>(h, <i32>h7, 28);
  store<i32>(h, <i32>h8, 32);
  store<i32>(h, <i32>h9, 36);
}

function carry(h: usize, a0: i64, a1: i64, a2: i64, a3: i64, a4: i64, a5: i64, a6: i64, a7: i64, a8: i64, a9: i64): void {
  carryStore(h, a0, a1, a2, a3, a4, a5, a6, a7, a8, a9);
}

/** h = f * g. h may alias f or g. Schoolbook: limb products whose index sum
 *  reaches 10 wrap with factor 19; odd x odd products carry an extra 2 (the
 *  half bits of the two 25-bit offsets). */
export function feMul(h: usize, f: usize, g: usize): void {
  const f0 = <i64>load<i32>(f, 0);
  const f1 = <i64>load<i32>(f, 4);
  const f2 = <i64>load<i32>(f, 8);
  const f3 = <i64>load<i32>(f, 12);
  const f4 = <i64>load<i32>(f, 16);
  const f5 = <i64>load<i32>(f, 20);
  const f6 = <i64>load<i32>(f, 24);
  const f7 = <i64>load<i32>(f, 28);
  const f8 = <i64>load<i32>(f, 32);
  const f9 = <i64>load<i32>(f, 36);
  const g0 = <i64>load<i32>(g, 0);
  const g1 = <i64>load<i32>(g, 4);
  const g2 = <i64>load<i32>(g, 8);
  const g3 = <i64>load<i32>(g, 12);
  const g4 = <i64>load<i32>(g, 16);
  const g5 = <i64>load<i32>(g, 20);
  const g6 = <i64>load<i32>(g, 24);
  const g7 = <i64>load<i32>(g, 28);
  const g8 = <i64>load<i32>(g, 32);
  const g9 = <i64>load<i32>(g, 36);
  const g1x19 = g1 * 19;
  const g2x19 = g2 * 19;
  const g3x19 = g3 * 19;
  const g4x19 = g4 * 19;
  const g5x19 = g5 * 19;
  const g6x19 = g6 * 19;
  const g7x19 = g7 * 19;
  const g8x19 = g8 * 19;
  const g9x19 = g9 * 19;
  const f1x2 = f1 + f1;
  const f3x2 = f3 + f3;
  const f5x2 = f5 + f5;
  const f7x2 = f7 + f7;
  const f9x2 = f9 + f9;
  const h0 = f0 * g0 + f1x2 * g9x19 + f2 * g8x19 + f3x2 * g7x19 + f4 * g6x19 + f5x2 * g5x19 + f6 * g4x19 + f7x2 * g3x19 + f8 * g2x19 + f9x2 * g1x19;
  const h1 = f0 * g1 + f1 * g0 + f2 * g9x19 + f3 * g8x19 + f4 * g7x19 + f5 * g6x19 + f6 * g5x19 + f7 * g4x19 + f8 * g3x19 + f9 * g2x19;
  const h2 = f0 * g2 + f1x2 * g1 + f2 * g0 + f3x2 * g9x19 + f4 * g8x19 + f5x2 * g7x19 + f6 * g6x19 + f7x2 * g5x19 + f8 * g4x19 + f9x2 * g3x19;
  const h3 = f0 * g3 + f1 * g2 + f2 * g1 + f3 * g0 + f4 * g9x19 + f5 * g8x19 + f6 * g7x19 + f7 * g6x19 + f8 * g5x19 + f9 * g4x19;
  const h4 = f0 * g4 + f1x2 * g3 + f2 * g2 + f3x2 * g1 + f4 * g0 + f5x2 * g9x19 + f6 * g8x19 + f7x2 * g7x19 + f8 * g6x19 + f9x2 * g5x19;
  const h5 = f0 * g5 + f1 * g4 + f2 * g3 + f3 * g2 + f4 * g1 + f5 * g0 + f6 * g9x19 + f7 * g8x19 + f8 * g7x19 + f9 * g6x19;
  const h6 = f0 * g6 + f1x2 * g5 + f2 * g4 + f3x2 * g3 + f4 * g2 + f5x2 * g1 + f6 * g0 + f7x2 * g9x19 + f8 * g8x19 + f9x2 * g7x19;
  const h7 = f0 * g7 + f1 * g6 + f2 * g5 + f3 * g4 + f4 * g3 + f5 * g2 + f6 * g1 + f7 * g0 + f8 * g9x19 + f9 * g8x19;
  const h8 = f0 * g8 + f1x2 * g7 + f2 * g6 + f3x2 * g5 + f4 * g4 + f5x2 * g3 + f6 * g2 + f7x2 * g1 + f8 * g0 + f9x2 * g9x19;
  const h9 = f0 * g9 + f1 * g8 + f2 * g7 + f3 * g6 + f4 * g5 + f5 * g4 + f6 * g3 + f7 * g2 + f8 * g1 + f9 * g0;
  if (ASC_SHRINK_LEVEL > 0) carry(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
  else carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f^2 (feMul with the symmetric products merged). h may alias f. Builds
 *  that optimize for size (the -Oz device build) use feMul instead: about 1.2 KB
 *  less code for some 10% slower scalar multiplications. */
export function feSq(h: usize, f: usize): void {
  if (ASC_SHRINK_LEVEL > 0) {
    feMul(h, f, f);
    return;
  }
  const f0 = <i64>load<i32>(f, 0);
  const f1 = <i64>load<i32>(f, 4);
  const f2 = <i64>load<i32>(f, 8);
  const f3 = <i64>load<i32>(f, 12);
  const f4 = <i64>load<i32>(f, 16);
  const f5 = <i64>load<i32>(f, 20);
  const f6 = <i64>load<i32>(f, 24);
  const f7 = <i64>load<i32>(f, 28);
  const f8 = <i64>load<i32>(f, 32);
  const f9 = <i64>load<i32>(f, 36);
  const f0x2 = f0 * 2;
  const f1x2 = f1 * 2;
  const f1x4 = f1 * 4;
  const f2x2 = f2 * 2;
  const f3x2 = f3 * 2;
  const f3x4 = f3 * 4;
  const f4x2 = f4 * 2;
  const f5x19 = f5 * 19;
  const f5x2 = f5 * 2;
  const f5x4 = f5 * 4;
  const f6x19 = f6 * 19;
  const f6x2 = f6 * 2;
  const f7x19 = f7 * 19;
  const f7x2 = f7 * 2;
  const f7x4 = f7 * 4;
  const f8x19 = f8 * 19;
  const f8x2 = f8 * 2;
  const f9x19 = f9 * 19;
  const f9x2 = f9 * 2;
  const h0 = f0 * f0 + f1x4 * f9x19 + f2x2 * f8x19 + f3x4 * f7x19 + f4x2 * f6x19 + f5x2 * f5x19;
  const h1 = f0x2 * f1 + f2x2 * f9x19 + f3x2 * f8x19 + f4x2 * f7x19 + f5x2 * f6x19;
  const h2 = f0x2 * f2 + f1x2 * f1 + f3x4 * f9x19 + f4x2 * f8x19 + f5x4 * f7x19 + f6 * f6x19;
  const h3 = f0x2 * f3 + f1x2 * f2 + f4x2 * f9x19 + f5x2 * f8x19 + f6x2 * f7x19;
  const h4 = f0x2 * f4 + f1x4 * f3 + f2 * f2 + f5x4 * f9x19 + f6x2 * f8x19 + f7x2 * f7x19;
  const h5 = f0x2 * f5 + f1x2 * f4 + f2x2 * f3 + f6x2 * f9x19 + f7x2 * f8x19;
  const h6 = f0x2 * f6 + f1x4 * f5 + f2x2 * f4 + f3x2 * f3 + f7x4 * f9x19 + f8 * f8x19;
  const h7 = f0x2 * f7 + f1x2 * f6 + f2x2 * f5 + f3x2 * f4 + f8x2 * f9x19;
  const h8 = f0x2 * f8 + f1x4 * f7 + f2x2 * f6 + f3x4 * f5 + f4 * f4 + f9x2 * f9x19;
  const h9 = f0x2 * f9 + f1x2 * f8 + f2x2 * f7 + f3x2 * f6 + f4x2 * f5;
  if (ASC_SHRINK_LEVEL > 0) carry(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
  else carryStore(h, h0, h1, h2, h3, h4, h5, h6, h7, h8, h9);
}

/** h = f * c for a small constant 0 <= c < 2^20 (121665 for X25519). */
export function feMulSmall(h: usize, f: usize, c: i64): void {
  carry(
    h,
    <i64>load<i32>(f, 0) * c,
    <i64>load<i32>(f, 4) * c,
    <i64>load<i32>(f, 8) * c,
    <i64>load<i32>(f, 12) * c,
    <i64>load<i32>(f, 16) * c,
    <i64>load<i32>(f, 20) * c,
    <i64>load<i32>(f, 24) * c,
    <i64>load<i32>(f, 28) * c,
    <i64>load<i32>(f, 32) * c,
    <i64>load<i32>(f, 36) * c,
  );
}

/** h = f^(2^n): n squarings. */
export function feSqN(h: usize, f: usize, n: i32): void {
  feSq(h, f);
  for (let i = 1; i < n; i++) feSq(h, h);
}

export function feAdd(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < 40; i += 4) store<i32>(h + i, load<i32>(f + i) + load<i32>(g + i));
}

export function feSub(h: usize, f: usize, g: usize): void {
  for (let i: usize = 0; i < 40; i += 4) store<i32>(h + i, load<i32>(f + i) - load<i32>(g + i));
}

export function feNeg(h: usize, f: usize): void {
  for (let i: usize = 0; i < 40; i += 4) store<i32>(h + i, -load<i32>(f + i));
}

export function feCopy(h: usize, f: usize): void {
  memory.copy(h, f, FE);
}

export function feSet(h: usize, v: i32): void {
  memory.fill(h, 0, FE);
  store<i32>(h, v);
}

/** f = g when b == 1, unchanged when b == 0; b must be 0 or 1. */
export function feCmov(f: usize, g: usize, b: u32): void {
  const mask = -(<i32>b);
  for (let i: usize = 0; i < 40; i += 4) {
    const x = load<i32>(f + i);
    store<i32>(f + i, x ^ ((x ^ load<i32>(g + i)) & mask));
  }
}

/** Swaps f and g when b == 1; b must be 0 or 1. */
export function feCswap(f: usize, g: usize, b: u32): void {
  const mask = -(<i32>b);
  for (let i: usize = 0; i < 40; i += 4) {
    const x = load<i32>(f + i);
    const y = load<i32>(g + i);
    const t = (x ^ y) & mask;
    store<i32>(f + i, x ^ t);
    store<i32>(g + i, y ^ t);
  }
}

// Bit offset of limb i: ceil(25.5 i).
const OFFSET = memory.data<u8>([0, 26, 51, 77, 102, 128, 153, 179, 204, 230]);

/** Loads 32 little-endian bytes, ignoring bit 255 (RFC 7748 §5; RFC 8032
 *  §5.1.3 checks that bit separately). Values in [p, 2^255) are accepted
 *  unreduced; arithmetic treats them mod p. */
export function feFromBytes(h: usize, s: usize): void {
  // A 32-bit load at byte off/8 holds 32 - (off % 8) >= 26 bits of each limb
  // (the worst offsets, 102 and 230, start at bit 6), and the last load ends at
  // byte 31.
  for (let i: usize = 0; i < 10; i++) {
    const off = <u32>load<u8>(OFFSET + i);
    const width: u32 = (i & 1) == 0 ? 26 : 25;
    store<i32>(h + (i << 2), <i32>((load<u32>(s + <usize>(off >> 3)) >>> (off & 7)) & ((1 << width) - 1)));
  }
}

const T0 = memory.data(40);

/** Writes the canonical encoding (value mod p, 32 bytes little-endian). */
export function feToBytes(s: usize, f: usize): void {
  // Reduce first: limbs are centred and the value v is in (-p, 2p).
  feMulSmall(T0, f, 1);
  let h0 = <i64>load<i32>(T0, 0), h1 = <i64>load<i32>(T0, 4), h2 = <i64>load<i32>(T0, 8), h3 = <i64>load<i32>(T0, 12);
  let h4 = <i64>load<i32>(T0, 16), h5 = <i64>load<i32>(T0, 20), h6 = <i64>load<i32>(T0, 24), h7 = <i64>load<i32>(T0, 28);
  let h8 = <i64>load<i32>(T0, 32), h9 = <i64>load<i32>(T0, 36);
  // q = floor((v + 19) / 2^255), by propagating floor carries of v + 19 through
  // every limb; q is -1, 0 or 1 and v - q p is in [0, p).
  let q = (h0 + 19) >> 26;
  q = (h1 + q) >> 25;
  q = (h2 + q) >> 26;
  q = (h3 + q) >> 25;
  q = (h4 + q) >> 26;
  q = (h5 + q) >> 25;
  q = (h6 + q) >> 26;
  q = (h7 + q) >> 25;
  q = (h8 + q) >> 26;
  q = (h9 + q) >> 25;
  // v - q p = v + 19 q - q 2^255: add 19q, floor-carry (limbs become
  // non-negative), and keep limb 9 mod 2^25 (drops the q 2^255 term).
  h0 += 19 * q;
  let c: i64;
  c = h0 >> 26; h1 += c; h0 -= c << 26;
  c = h1 >> 25; h2 += c; h1 -= c << 25;
  c = h2 >> 26; h3 += c; h2 -= c << 26;
  c = h3 >> 25; h4 += c; h3 -= c << 25;
  c = h4 >> 26; h5 += c; h4 -= c << 26;
  c = h5 >> 25; h6 += c; h5 -= c << 25;
  c = h6 >> 26; h7 += c; h6 -= c << 26;
  c = h7 >> 25; h8 += c; h7 -= c << 25;
  c = h8 >> 26; h9 += c; h8 -= c << 26;
  h9 &= (1 << 25) - 1;
  // Pack the limbs at their bit offsets.
  memory.fill(s, 0, 32);
  const limbs = T0;
  store<i32>(limbs, <i32>h0, 0);
  store<i32>(limbs, <i32>h1, 4);
  store<i32>(limbs, <i32>h2, 8);
  store<i32>(limbs, <i32>h3, 12);
  store<i32>(limbs, <i32>h4, 16);
  store<i32>(limbs, <i32>h5, 20);
  store<i32>(limbs, <i32>h6, 24);
  store<i32>(limbs, <i32>h7, 28);
  store<i32>(limbs, <i32>h8, 32);
  store<i32>(limbs, <i32>h9, 36);
  let acc: u64 = 0;
  let bits: u32 = 0;
  let out: usize = 0;
  for (let i: usize = 0; i < 10; i++) {
    acc |= <u64>load<u32>(limbs + (i << 2)) << bits;
    bits += (i & 1) == 0 ? 26 : 25;
    while (bits >= 8) {
      store<u8>(s + out, <u8>acc);
      out++;
      acc >>= 8;
      bits -= 8;
    }
  }
  store<u8>(s + out, <u8>acc);
}

const B0 = memory.data(32);

/** 1 when f is negative in the sense of RFC 8032 §5.1.2 (canonical value odd). */
export function feIsNegative(f: usize): u32 {
  feToBytes(B0, f);
  return load<u8>(B0) & 1;
}

/** 1 when f = 0 mod p, in constant time. */
export function feIsZero(f: usize): u32 {
  feToBytes(B0, f);
  let d: u32 = 0;
  for (let i: usize = 0; i < 32; i++) d |= load<u8>(B0 + i);
  return ((d - 1) >>> 8) & 1;
}

const P0 = memory.data(40);
const P1 = memory.data(40);
const P2 = memory.data(40);
const P3 = memory.data(40);
const P4 = memory.data(40);

// Shared head of the inversion and square-root chains: leaves z^11 in P1 and
// z^(2^250 - 1) in P0.
function pow2250(z: usize): void {
  feSq(P0, z); // z^2
  feSqN(P1, P0, 2); // z^8
  feMul(P2, P1, z); // z^9
  feMul(P1, P2, P0); // z^11
  feSq(P0, P1); // z^22
  feMul(P0, P0, P2); // z^31 = z^(2^5 - 1)
  feSqN(P2, P0, 5);
  feMul(P0, P2, P0); // 2^10 - 1
  feSqN(P2, P0, 10);
  feMul(P2, P2, P0); // 2^20 - 1
  feSqN(P3, P2, 20);
  feMul(P2, P3, P2); // 2^40 - 1
  feSqN(P2, P2, 10);
  feMul(P0, P2, P0); // 2^50 - 1
  feSqN(P2, P0, 50);
  feMul(P2, P2, P0); // 2^100 - 1
  feSqN(P3, P2, 100);
  feMul(P2, P3, P2); // 2^200 - 1
  feSqN(P2, P2, 50);
  feMul(P0, P2, P0); // 2^250 - 1
}

/** Zeroes the temporaries of feToBytes, feInvert and fePow22523, which hold
 *  values derived from their (possibly secret) inputs. */
export function feWipeScratch(): void {
  memory.fill(T0, 0, 40);
  memory.fill(B0, 0, 32);
  memory.fill(P0, 0, 40);
  memory.fill(P1, 0, 40);
  memory.fill(P2, 0, 40);
  memory.fill(P3, 0, 40);
  memory.fill(P4, 0, 40);
}

/** h = 1/z = z^(p-2) (0 maps to 0). h may alias z. */
export function feInvert(h: usize, z: usize): void {
  pow2250(z);
  feSqN(P0, P0, 5); // 2^255 - 32
  feMul(h, P0, P1); // 2^255 - 21 = p - 2
}

/** h = z^((p-5)/8) = z^(2^252 - 3), for square roots (RFC 8032 §5.1.3). */
export function fePow22523(h: usize, z: usize): void {
  feCopy(P4, z);
  pow2250(z);
  feSqN(P0, P0, 2); // 2^252 - 4
  feMul(h, P0, P4); // 2^252 - 3
}
