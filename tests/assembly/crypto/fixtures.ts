// Shared by the crypto specs: the group order and a deterministic byte pattern.

// L = 2^252 + 27742317777372353535851937790883648493, little-endian (RFC 8032 §5.1).
export const L = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** Fills 32 bytes at p with a pattern from seed (xorshift32): all 256 bits vary. */
export function pattern(p: usize, seed: u32): void {
  let x = seed * 2654435761 + 1;
  for (let i: usize = 0; i < 32; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    store<u8>(p + i, <u8>x);
  }
}
