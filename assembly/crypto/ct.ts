// Constant-time helpers. Nothing here branches on or indexes by the bytes it reads.

/** True when the n bytes at a and b are equal; time depends only on n. */
export function ctEqual(a: usize, b: usize, n: i32): bool {
  let diff: u32 = 0;
  for (let i = 0; i < n; i++) diff |= <u32>(load<u8>(a + <usize>i) ^ load<u8>(b + <usize>i));
  // diff is in [0, 255]: diff - 1 borrows into bit 8 exactly when diff == 0.
  return (((diff - 1) >>> 8) & 1) != 0;
}

/** Zeroes n bytes of secret scratch. A store to linear memory is observable, so
 *  the optimizer cannot drop it. */
export function wipe(p: usize, n: i32): void {
  if (n > 0) memory.fill(p, 0, <usize>n);
}
