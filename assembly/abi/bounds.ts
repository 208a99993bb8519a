// The one check every export runs on a pointer the host passed in: [p, p+n) lies
// inside linear memory. u64 arithmetic, so p + n cannot wrap.
@inline
export function inMemory(p: usize, n: i64): bool {
  return n >= 0 && <u64>p + <u64>n <= (<u64>memory.size() << 16);
}
