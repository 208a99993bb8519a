// SHA-256 and SHA-512, FIPS 180-4 §6.2 and §6.4: one implementation over the
// word type W (u32 for SHA-256, u64 for SHA-512), monomorphized at compile time,
// so each instance is the plain code of its own function (no indirect calls,
// no run-time branching on the word size). The two differ in the word size, the
// round count (64 / 80), the constants and the rotation amounts of §4.1.2 /
// §4.1.3; the block is 16 words, the length field 2 words (§5.1.1, §5.1.2), the
// state and digest 8 words. sha256.ts and sha512.ts give the instances names.

// §4.2.2: first 32 bits of the fractional parts of the cube roots of the first 64 primes.
const K256 = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// §4.2.3: first 64 bits of the fractional parts of the cube roots of the first 80 primes.
const K512 = memory.data<u64>([
  0x428a2f98d728ae22, 0x7137449123ef65cd, 0xb5c0fbcfec4d3b2f, 0xe9b5dba58189dbbc,
  0x3956c25bf348b538, 0x59f111f1b605d019, 0x923f82a4af194f9b, 0xab1c5ed5da6d8118,
  0xd807aa98a3030242, 0x12835b0145706fbe, 0x243185be4ee4b28c, 0x550c7dc3d5ffb4e2,
  0x72be5d74f27b896f, 0x80deb1fe3b1696b1, 0x9bdc06a725c71235, 0xc19bf174cf692694,
  0xe49b69c19ef14ad2, 0xefbe4786384f25e3, 0x0fc19dc68b8cd5b5, 0x240ca1cc77ac9c65,
  0x2de92c6f592b0275, 0x4a7484aa6ea6e483, 0x5cb0a9dcbd41fbd4, 0x76f988da831153b5,
  0x983e5152ee66dfab, 0xa831c66d2db43210, 0xb00327c898fb213f, 0xbf597fc7beef0ee4,
  0xc6e00bf33da88fc2, 0xd5a79147930aa725, 0x06ca6351e003826f, 0x142929670a0e6e70,
  0x27b70a8546d22ffc, 0x2e1b21385c26c926, 0x4d2c6dfc5ac42aed, 0x53380d139d95b3df,
  0x650a73548baf63de, 0x766a0abb3c77b2a8, 0x81c2c92e47edaee6, 0x92722c851482353b,
  0xa2bfe8a14cf10364, 0xa81a664bbc423001, 0xc24b8b70d0f89791, 0xc76c51a30654be30,
  0xd192e819d6ef5218, 0xd69906245565a910, 0xf40e35855771202a, 0x106aa07032bbd1b8,
  0x19a4c116b8d2d0c8, 0x1e376c085141ab53, 0x2748774cdf8eeb99, 0x34b0bcb5e19b48a8,
  0x391c0cb3c5c95a63, 0x4ed8aa4ae3418acb, 0x5b9cca4f7763e373, 0x682e6ff3d6b2b8a3,
  0x748f82ee5defb2fc, 0x78a5636f43172f60, 0x84c87814a1f0ab72, 0x8cc702081a6439ec,
  0x90befffa23631e28, 0xa4506cebde82bde9, 0xbef9a3f7b2c67915, 0xc67178f2e372532b,
  0xca273eceea26619c, 0xd186b8c721c0c207, 0xeada7dd6cde0eb1e, 0xf57d4f7fee6ed178,
  0x06f067aa72176fba, 0x0a637dc5a2c898a6, 0x113f9804bef90dae, 0x1b710b35131c471b,
  0x28db77f523047d84, 0x32caab7b40c72493, 0x3c9ebe0a15c9bebc, 0x431d67c49c100d4c,
  0x4cc5d4becb3e42b6, 0x597f299cfc657e2a, 0x5fcb6fab3ad6faec, 0x6c44198c4a475817,
]);

// §5.3.3 / §5.3.5: first 32 / 64 bits of the fractional parts of the square
// roots of the first 8 primes.
const IV256 = memory.data<u32>([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);
const IV512 = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1, 0x510e527fade682d1,
  0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

// Message schedule W[0..79] (§6.2.2 / §6.4.2 step 1), big enough for either
// word size. Shared by every instance: compress never re-enters.
const SCHEDULE = memory.data(80 * 8);

// §4.1.2 / §4.1.3 functions; the rotation amounts are compile-time constants.
@inline function bigSigma0<W>(x: W): W {
  return sizeof<W>() == 4 ? rotr<W>(x, 2) ^ rotr<W>(x, 13) ^ rotr<W>(x, 22) : rotr<W>(x, 28) ^ rotr<W>(x, 34) ^ rotr<W>(x, 39);
}
@inline function bigSigma1<W>(x: W): W {
  return sizeof<W>() == 4 ? rotr<W>(x, 6) ^ rotr<W>(x, 11) ^ rotr<W>(x, 25) : rotr<W>(x, 14) ^ rotr<W>(x, 18) ^ rotr<W>(x, 41);
}
@inline function smallSigma0<W>(x: W): W {
  return sizeof<W>() == 4 ? rotr<W>(x, 7) ^ rotr<W>(x, 18) ^ (x >>> 3) : rotr<W>(x, 1) ^ rotr<W>(x, 8) ^ (x >>> 7);
}
@inline function smallSigma1<W>(x: W): W {
  return sizeof<W>() == 4 ? rotr<W>(x, 17) ^ rotr<W>(x, 19) ^ (x >>> 10) : rotr<W>(x, 19) ^ rotr<W>(x, 61) ^ (x >>> 6);
}

// §6.2.2 / §6.4.2: one block of 16 words into the eight-word state at h.
function compress<W>(h: usize, block: usize): void {
  const S = <usize>sizeof<W>();
  const rounds: usize = S == 4 ? 64 : 80;
  const k = S == 4 ? K256 : K512;
  const w = SCHEDULE;
  for (let t: usize = 0; t < 16; t++) store<W>(w + t * S, bswap<W>(load<W>(block + t * S)));
  for (let t: usize = 16; t < rounds; t++) {
    const s0 = smallSigma0<W>(load<W>(w + (t - 15) * S));
    const s1 = smallSigma1<W>(load<W>(w + (t - 2) * S));
    store<W>(w + t * S, load<W>(w + (t - 16) * S) + s0 + load<W>(w + (t - 7) * S) + s1);
  }
  let a = load<W>(h, 0);
  let b = load<W>(h, S);
  let c = load<W>(h, S * 2);
  let d = load<W>(h, S * 3);
  let e = load<W>(h, S * 4);
  let f = load<W>(h, S * 5);
  let g = load<W>(h, S * 6);
  let hh = load<W>(h, S * 7);
  for (let t: usize = 0; t < rounds; t++) {
    const t1 = hh + bigSigma1<W>(e) + ((e & f) ^ (~e & g)) + load<W>(k + t * S) + load<W>(w + t * S);
    const t2 = bigSigma0<W>(a) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<W>(h, load<W>(h, 0) + a, 0);
  store<W>(h, load<W>(h, S) + b, S);
  store<W>(h, load<W>(h, S * 2) + c, S * 2);
  store<W>(h, load<W>(h, S * 3) + d, S * 3);
  store<W>(h, load<W>(h, S * 4) + e, S * 4);
  store<W>(h, load<W>(h, S * 5) + f, S * 5);
  store<W>(h, load<W>(h, S * 6) + g, S * 6);
  store<W>(h, load<W>(h, S * 7) + hh, S * 7);
}

/** Streaming SHA-2 over words W: reset, update (any number of times), final.
 *  The block buffer is part of the instance; nothing is allocated after
 *  construction. */
export class Sha2<W> {
  private state: StaticArray<W> = new StaticArray<W>(8);
  private block: StaticArray<u8> = new StaticArray<u8>(sizeof<W>() * 16);
  private fill: i32 = 0;
  // Message length in bytes. §5.1.1 bounds SHA-256 input below 2^64 bits;
  // §5.1.2 allows SHA-512 2^128 bits, but a u64 byte count (2^67 bits) is more
  // than any Wasm32 caller can feed.
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    memory.copy(changetype<usize>(this.state), sizeof<W>() == 4 ? IV256 : IV512, sizeof<W>() * 8);
    this.fill = 0;
    this.total = 0;
  }

  update(p: usize, n: i32): void {
    if (n <= 0) return;
    const BLOCK = <i32>sizeof<W>() * 16;
    const h = changetype<usize>(this.state);
    const buf = changetype<usize>(this.block);
    this.total += <u64>n;
    let i = 0;
    if (this.fill > 0) {
      const take = min(BLOCK - this.fill, n);
      memory.copy(buf + <usize>this.fill, p, <usize>take);
      this.fill += take;
      i = take;
      if (this.fill < BLOCK) return;
      compress<W>(h, buf);
      this.fill = 0;
    }
    for (; i + BLOCK <= n; i += BLOCK) compress<W>(h, p + <usize>i);
    if (i < n) {
      memory.copy(buf, p + <usize>i, <usize>(n - i));
      this.fill = n - i;
    }
  }

  /** Writes the digest (8 words big-endian: 32 or 64 bytes) and resets, so the
   *  instance can be reused. */
  final(out: usize): void {
    const S = <usize>sizeof<W>();
    const BLOCK = S * 16;
    const h = changetype<usize>(this.state);
    const buf = changetype<usize>(this.block);
    // §5.1.1 / §5.1.2: 0x80, zeros up to the two-word length field, then the
    // bit length big-endian in it (its high 64 bits are zero for SHA-256).
    let fill = <usize>this.fill;
    store<u8>(buf + fill, 0x80);
    fill++;
    if (fill > BLOCK - S * 2) {
      memory.fill(buf + fill, 0, BLOCK - fill);
      compress<W>(h, buf);
      fill = 0;
    }
    memory.fill(buf + fill, 0, BLOCK - 8 - fill);
    if (S == 8) store<u64>(buf, bswap<u64>(this.total >>> 61), BLOCK - 16);
    store<u64>(buf, bswap<u64>(this.total << 3), BLOCK - 8);
    compress<W>(h, buf);
    for (let i: usize = 0; i < S * 8; i += S) store<W>(out + i, bswap<W>(load<W>(h + i)));
    memory.fill(buf, 0, BLOCK);
    this.reset();
  }
}
