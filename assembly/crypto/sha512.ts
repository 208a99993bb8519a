// SHA-512, FIPS 180-4 §6.4 (same structure as sha256.ts with 64-bit words, 80
// rounds and a 128-byte block). Used by Ed25519 and HMAC-SHA-512(-256).

// §4.2.3: first 64 bits of the fractional parts of the cube roots of the first 80 primes.
const K = memory.data<u64>([
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

// §5.3.5: first 64 bits of the fractional parts of the square roots of the first 8 primes.
const IV = memory.data<u64>([
  0x6a09e667f3bcc908, 0xbb67ae8584caa73b, 0x3c6ef372fe94f82b, 0xa54ff53a5f1d36f1, 0x510e527fade682d1,
  0x9b05688c2b3e6c1f, 0x1f83d9abfb41bd6b, 0x5be0cd19137e2179,
]);

// Message schedule W[0..79]; shared, compress never re-enters.
const W = memory.data(80 * 8);

// §6.4.2: one 128-byte block into the eight-word state at h.
function compress(h: usize, block: usize): void {
  for (let t: usize = 0; t < 16; t++) store<u64>(W + (t << 3), bswap<u64>(load<u64>(block + (t << 3))));
  for (let t: usize = 16; t < 80; t++) {
    const w15 = load<u64>(W + ((t - 15) << 3));
    const w2 = load<u64>(W + ((t - 2) << 3));
    const s0 = rotr<u64>(w15, 1) ^ rotr<u64>(w15, 8) ^ (w15 >>> 7);
    const s1 = rotr<u64>(w2, 19) ^ rotr<u64>(w2, 61) ^ (w2 >>> 6);
    store<u64>(W + (t << 3), load<u64>(W + ((t - 16) << 3)) + s0 + load<u64>(W + ((t - 7) << 3)) + s1);
  }
  let a = load<u64>(h, 0);
  let b = load<u64>(h, 8);
  let c = load<u64>(h, 16);
  let d = load<u64>(h, 24);
  let e = load<u64>(h, 32);
  let f = load<u64>(h, 40);
  let g = load<u64>(h, 48);
  let hh = load<u64>(h, 56);
  for (let t: usize = 0; t < 80; t++) {
    const t1 =
      hh + (rotr<u64>(e, 14) ^ rotr<u64>(e, 18) ^ rotr<u64>(e, 41)) + ((e & f) ^ (~e & g)) + load<u64>(K + (t << 3)) + load<u64>(W + (t << 3));
    const t2 = (rotr<u64>(a, 28) ^ rotr<u64>(a, 34) ^ rotr<u64>(a, 39)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u64>(h, load<u64>(h, 0) + a, 0);
  store<u64>(h, load<u64>(h, 8) + b, 8);
  store<u64>(h, load<u64>(h, 16) + c, 16);
  store<u64>(h, load<u64>(h, 24) + d, 24);
  store<u64>(h, load<u64>(h, 32) + e, 32);
  store<u64>(h, load<u64>(h, 40) + f, 40);
  store<u64>(h, load<u64>(h, 48) + g, 48);
  store<u64>(h, load<u64>(h, 56) + hh, 56);
}

export class Sha512 {
  private state: StaticArray<u64> = new StaticArray<u64>(8);
  private block: StaticArray<u8> = new StaticArray<u8>(128);
  private fill: i32 = 0;
  // Message length in bytes. §5.1.2 allows 2^128 bits; a u64 byte count (2^67
  // bits) is more than any Wasm32 caller can feed.
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    memory.copy(changetype<usize>(this.state), IV, 64);
    this.fill = 0;
    this.total = 0;
  }

  update(p: usize, n: i32): void {
    if (n <= 0) return;
    const h = changetype<usize>(this.state);
    const buf = changetype<usize>(this.block);
    this.total += <u64>n;
    let i = 0;
    if (this.fill > 0) {
      const take = min(128 - this.fill, n);
      memory.copy(buf + <usize>this.fill, p, <usize>take);
      this.fill += take;
      i = take;
      if (this.fill < 128) return;
      compress(h, buf);
      this.fill = 0;
    }
    for (; i + 128 <= n; i += 128) compress(h, p + <usize>i);
    if (i < n) {
      memory.copy(buf, p + <usize>i, <usize>(n - i));
      this.fill = n - i;
    }
  }

  /** Writes the 64-byte digest and resets, so the instance can be reused. */
  final(out64: usize): void {
    const h = changetype<usize>(this.state);
    const buf = changetype<usize>(this.block);
    // §5.1.2: 0x80, zeros to 112 mod 128, then the 128-bit bit length big-endian.
    let fill = this.fill;
    store<u8>(buf + <usize>fill, 0x80);
    fill++;
    if (fill > 112) {
      memory.fill(buf + <usize>fill, 0, <usize>(128 - fill));
      compress(h, buf);
      fill = 0;
    }
    memory.fill(buf + <usize>fill, 0, <usize>(112 - fill));
    store<u64>(buf, bswap<u64>(this.total >>> 61), 112);
    store<u64>(buf, bswap<u64>(this.total << 3), 120);
    compress(h, buf);
    for (let i: usize = 0; i < 8; i++) store<u64>(out64 + (i << 3), bswap<u64>(load<u64>(h + (i << 3))));
    memory.fill(buf, 0, 128);
    this.reset();
  }
}

let shared: Sha512 | null = null;

/** The instance one-shot helpers (sha512, HMAC) use within a single call, made
 *  on first use. */
export function sha512Shared(): Sha512 {
  let s = shared;
  if (s === null) shared = s = new Sha512();
  return s;
}

export function sha512(out64: usize, p: usize, n: i32): void {
  const s = sha512Shared();
  s.update(p, n);
  s.final(out64);
}
