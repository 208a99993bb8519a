// Salsa20/20, HSalsa20 and XSalsa20 (D. J. Bernstein, "Salsa20 specification",
// 2005; "Extending the Salsa20 nonce", 2011; "Cryptography in NaCl", 2009).
// Words are little-endian; the state is the constants "expand 32-byte k" on
// the diagonal (words 0, 5, 10, 15), the key in words 1-4 and 11-14, and 16
// input bytes (nonce and block counter, or HSalsa20's input) in words 6-9.

const SIGMA0: u32 = 0x61707865;
const SIGMA1: u32 = 0x3320646e;
const SIGMA2: u32 = 0x79622d32;
const SIGMA3: u32 = 0x6b206574;

// The Salsa20 core on (key32, in16): 20 rounds as ten double rounds. With
// feedForward the input words are added back (Salsa20, 64 bytes out); without,
// HSalsa20 writes words 0, 5, 10, 15, 6, 7, 8, 9 (32 bytes).
function core(out: usize, key: usize, inp: usize, feedForward: bool): void {
  const j0 = SIGMA0;
  const j1 = load<u32>(key, 0);
  const j2 = load<u32>(key, 4);
  const j3 = load<u32>(key, 8);
  const j4 = load<u32>(key, 12);
  const j5 = SIGMA1;
  const j6 = load<u32>(inp, 0);
  const j7 = load<u32>(inp, 4);
  const j8 = load<u32>(inp, 8);
  const j9 = load<u32>(inp, 12);
  const j10 = SIGMA2;
  const j11 = load<u32>(key, 16);
  const j12 = load<u32>(key, 20);
  const j13 = load<u32>(key, 24);
  const j14 = load<u32>(key, 28);
  const j15 = SIGMA3;
  let x0 = j0, x1 = j1, x2 = j2, x3 = j3, x4 = j4, x5 = j5, x6 = j6, x7 = j7;
  let x8 = j8, x9 = j9, x10 = j10, x11 = j11, x12 = j12, x13 = j13, x14 = j14, x15 = j15;
  for (let i = 0; i < 10; i++) {
    // Column round: quarterrounds on (0,4,8,12), (5,9,13,1), (10,14,2,6), (15,3,7,11).
    x4 ^= rotl<u32>(x0 + x12, 7);
    x8 ^= rotl<u32>(x4 + x0, 9);
    x12 ^= rotl<u32>(x8 + x4, 13);
    x0 ^= rotl<u32>(x12 + x8, 18);
    x9 ^= rotl<u32>(x5 + x1, 7);
    x13 ^= rotl<u32>(x9 + x5, 9);
    x1 ^= rotl<u32>(x13 + x9, 13);
    x5 ^= rotl<u32>(x1 + x13, 18);
    x14 ^= rotl<u32>(x10 + x6, 7);
    x2 ^= rotl<u32>(x14 + x10, 9);
    x6 ^= rotl<u32>(x2 + x14, 13);
    x10 ^= rotl<u32>(x6 + x2, 18);
    x3 ^= rotl<u32>(x15 + x11, 7);
    x7 ^= rotl<u32>(x3 + x15, 9);
    x11 ^= rotl<u32>(x7 + x3, 13);
    x15 ^= rotl<u32>(x11 + x7, 18);
    // Row round: quarterrounds on (0,1,2,3), (5,6,7,4), (10,11,8,9), (15,12,13,14).
    x1 ^= rotl<u32>(x0 + x3, 7);
    x2 ^= rotl<u32>(x1 + x0, 9);
    x3 ^= rotl<u32>(x2 + x1, 13);
    x0 ^= rotl<u32>(x3 + x2, 18);
    x6 ^= rotl<u32>(x5 + x4, 7);
    x7 ^= rotl<u32>(x6 + x5, 9);
    x4 ^= rotl<u32>(x7 + x6, 13);
    x5 ^= rotl<u32>(x4 + x7, 18);
    x11 ^= rotl<u32>(x10 + x9, 7);
    x8 ^= rotl<u32>(x11 + x10, 9);
    x9 ^= rotl<u32>(x8 + x11, 13);
    x10 ^= rotl<u32>(x9 + x8, 18);
    x12 ^= rotl<u32>(x15 + x14, 7);
    x13 ^= rotl<u32>(x12 + x15, 9);
    x14 ^= rotl<u32>(x13 + x12, 13);
    x15 ^= rotl<u32>(x14 + x13, 18);
  }
  if (feedForward) {
    store<u32>(out, x0 + j0, 0);
    store<u32>(out, x1 + j1, 4);
    store<u32>(out, x2 + j2, 8);
    store<u32>(out, x3 + j3, 12);
    store<u32>(out, x4 + j4, 16);
    store<u32>(out, x5 + j5, 20);
    store<u32>(out, x6 + j6, 24);
    store<u32>(out, x7 + j7, 28);
    store<u32>(out, x8 + j8, 32);
    store<u32>(out, x9 + j9, 36);
    store<u32>(out, x10 + j10, 40);
    store<u32>(out, x11 + j11, 44);
    store<u32>(out, x12 + j12, 48);
    store<u32>(out, x13 + j13, 52);
    store<u32>(out, x14 + j14, 56);
    store<u32>(out, x15 + j15, 60);
  } else {
    store<u32>(out, x0, 0);
    store<u32>(out, x5, 4);
    store<u32>(out, x10, 8);
    store<u32>(out, x15, 12);
    store<u32>(out, x6, 16);
    store<u32>(out, x7, 20);
    store<u32>(out, x8, 24);
    store<u32>(out, x9, 28);
  }
}

/** HSalsa20 ("Extending the Salsa20 nonce" §2): 32 bytes from a key and 16 input bytes. */
export function hsalsa20(out32: usize, in16: usize, key32: usize): void {
  core(out32, key32, in16, false);
}

/** An XSalsa20 keystream at any byte position: the subkey HSalsa20(key, nonce[0..16])
 *  keys Salsa20 with nonce[16..24] and a 64-bit block counter. */
export class XSalsa20 {
  // subkey (32) ‖ nonce[16..24] (8) ‖ counter (8, little-endian) ‖ keystream block (64)
  private st: StaticArray<u8> = new StaticArray<u8>(112);
  // Bytes of the current keystream block already used (64 = none left).
  private used: i32 = 64;

  init(nonce24: usize, key32: usize): void {
    const st = changetype<usize>(this.st);
    hsalsa20(st, nonce24, key32);
    memory.copy(st + 32, nonce24 + 16, 8);
    store<u64>(st + 40, 0);
    this.used = 64;
  }

  /** Back to keystream position 0, same key and nonce. */
  rewind(): void {
    store<u64>(changetype<usize>(this.st) + 40, 0);
    this.used = 64;
  }

  /** out[i] = in[i] ^ keystream, advancing the stream by n. out may equal in. */
  xor(out: usize, inp: usize, n: i32): void {
    const st = changetype<usize>(this.st);
    const ks = st + 48;
    let i = 0;
    while (i < n) {
      if (this.used == 64) {
        core(ks, st, st + 32, true);
        store<u64>(st + 40, load<u64>(st + 40) + 1);
        this.used = 0;
      }
      const take = min(64 - this.used, n - i);
      let k = 0;
      for (; k + 8 <= take; k += 8) {
        const o = <usize>(i + k);
        store<u64>(out + o, load<u64>(inp + o) ^ load<u64>(ks + <usize>(this.used + k)));
      }
      for (; k < take; k++) {
        const o = <usize>(i + k);
        store<u8>(out + o, load<u8>(inp + o) ^ load<u8>(ks + <usize>(this.used + k)));
      }
      i += take;
      this.used += take;
    }
  }

  wipe(): void {
    memory.fill(changetype<usize>(this.st), 0, 112);
    this.used = 64;
  }
}

let oneShot: XSalsa20 | null = null;

/** XSalsa20 encryption/decryption of n bytes from position 0. */
export function xsalsa20Xor(out: usize, inp: usize, n: i32, nonce24: usize, key32: usize): void {
  let s = oneShot;
  if (s === null) oneShot = s = new XSalsa20();
  s.init(nonce24, key32);
  s.xor(out, inp, n);
  s.wipe();
}
