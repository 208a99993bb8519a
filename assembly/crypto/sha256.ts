// SHA-256, FIPS 180-4 §6.2. Streaming (reset/update/final) so large objects hash
// in bounded memory, plus a one-shot helper.

// FIPS 180-4 §4.2.2: first 32 bits of the fractional parts of the cube roots of
// the first 64 primes.
const K = memory.data<u32>([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

// §5.3.3: first 32 bits of the fractional parts of the square roots of the first 8 primes.
const IV = memory.data<u32>([0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19]);

// Message schedule W[0..63] (§6.2.2 step 1). Shared by every instance: compress
// never re-enters.
const W = memory.data(64 * 4);

// §6.2.2: one 64-byte block into the eight-word state at h.
function compress(h: usize, block: usize): void {
  for (let t: usize = 0; t < 16; t++) store<u32>(W + (t << 2), bswap<u32>(load<u32>(block + (t << 2))));
  for (let t: usize = 16; t < 64; t++) {
    const w15 = load<u32>(W + ((t - 15) << 2));
    const w2 = load<u32>(W + ((t - 2) << 2));
    const s0 = rotr<u32>(w15, 7) ^ rotr<u32>(w15, 18) ^ (w15 >>> 3);
    const s1 = rotr<u32>(w2, 17) ^ rotr<u32>(w2, 19) ^ (w2 >>> 10);
    store<u32>(W + (t << 2), load<u32>(W + ((t - 16) << 2)) + s0 + load<u32>(W + ((t - 7) << 2)) + s1);
  }
  let a = load<u32>(h, 0);
  let b = load<u32>(h, 4);
  let c = load<u32>(h, 8);
  let d = load<u32>(h, 12);
  let e = load<u32>(h, 16);
  let f = load<u32>(h, 20);
  let g = load<u32>(h, 24);
  let hh = load<u32>(h, 28);
  for (let t: usize = 0; t < 64; t++) {
    const t1 =
      hh + (rotr<u32>(e, 6) ^ rotr<u32>(e, 11) ^ rotr<u32>(e, 25)) + ((e & f) ^ (~e & g)) + load<u32>(K + (t << 2)) + load<u32>(W + (t << 2));
    const t2 = (rotr<u32>(a, 2) ^ rotr<u32>(a, 13) ^ rotr<u32>(a, 22)) + ((a & b) ^ (a & c) ^ (b & c));
    hh = g;
    g = f;
    f = e;
    e = d + t1;
    d = c;
    c = b;
    b = a;
    a = t1 + t2;
  }
  store<u32>(h, load<u32>(h, 0) + a, 0);
  store<u32>(h, load<u32>(h, 4) + b, 4);
  store<u32>(h, load<u32>(h, 8) + c, 8);
  store<u32>(h, load<u32>(h, 12) + d, 12);
  store<u32>(h, load<u32>(h, 16) + e, 16);
  store<u32>(h, load<u32>(h, 20) + f, 20);
  store<u32>(h, load<u32>(h, 24) + g, 24);
  store<u32>(h, load<u32>(h, 28) + hh, 28);
}

export class Sha256 {
  private state: StaticArray<u32> = new StaticArray<u32>(8);
  private block: StaticArray<u8> = new StaticArray<u8>(64);
  private fill: i32 = 0;
  // Message length in bytes; §5.1.1 bounds it below 2^64 bits.
  private total: u64 = 0;

  constructor() {
    this.reset();
  }

  reset(): void {
    memory.copy(changetype<usize>(this.state), IV, 32);
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
      const take = min(64 - this.fill, n);
      memory.copy(buf + <usize>this.fill, p, <usize>take);
      this.fill += take;
      i = take;
      if (this.fill < 64) return;
      compress(h, buf);
      this.fill = 0;
    }
    for (; i + 64 <= n; i += 64) compress(h, p + <usize>i);
    if (i < n) {
      memory.copy(buf, p + <usize>i, <usize>(n - i));
      this.fill = n - i;
    }
  }

  /** Writes the 32-byte digest and resets, so the instance can be reused. */
  final(out32: usize): void {
    const h = changetype<usize>(this.state);
    const buf = changetype<usize>(this.block);
    // §5.1.1: 0x80, zeros to 56 mod 64, then the bit length big-endian.
    let fill = this.fill;
    store<u8>(buf + <usize>fill, 0x80);
    fill++;
    if (fill > 56) {
      memory.fill(buf + <usize>fill, 0, <usize>(64 - fill));
      compress(h, buf);
      fill = 0;
    }
    memory.fill(buf + <usize>fill, 0, <usize>(56 - fill));
    store<u64>(buf, bswap<u64>(this.total << 3), 56);
    compress(h, buf);
    for (let i: usize = 0; i < 8; i++) store<u32>(out32 + (i << 2), bswap<u32>(load<u32>(h + (i << 2))));
    memory.fill(buf, 0, 64);
    this.reset();
  }
}

let shared: Sha256 | null = null;

/** The instance one-shot helpers (sha256, HMAC) use within a single call. Made
 *  on first use, like every crypto context, so a module that never hashes holds
 *  no memory for it. */
export function sha256Shared(): Sha256 {
  let s = shared;
  if (s === null) shared = s = new Sha256();
  return s;
}

export function sha256(out32: usize, p: usize, n: i32): void {
  const s = sha256Shared();
  s.update(p, n);
  s.final(out32);
}
