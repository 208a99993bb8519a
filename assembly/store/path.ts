// Store paths: "sensors/kitchen/temp". Segments are Git tree entry names, so the
// rules are Git's (no '/', no NUL, not "." or "..", not empty) plus our bounds:
// at most PATH_MAX bytes, SEGMENT_MAX bytes a segment and DEPTH_MAX segments.
// ".git" is refused too: a store exported as a Git repository must not be able
// to plant one (git fsck --strict rejects it as "hasDotgit").
import { E_INVAL, E_LIMIT, OK } from "../abi/errors";
import { DEPTH_MAX, PATH_MAX, SEGMENT_MAX } from "./limits";

/** OK, E_INVAL (malformed) or E_LIMIT (too long or too deep). The empty path (root) is valid only when allowRoot. */
export function validatePath(p: usize, n: i32, allowRoot: bool = false): i32 {
  if (n == 0) return allowRoot ? OK : E_INVAL;
  if (n < 0) return E_INVAL;
  if (n > PATH_MAX) return E_LIMIT;
  let start = 0;
  let depth = 0;
  for (let i = 0; i <= n; i++) {
    const c = i < n ? <i32>load<u8>(p + <usize>i) : 0x2f;
    if (c == 0) return E_INVAL;
    if (c != 0x2f) continue;
    const len = i - start;
    if (len == 0) return E_INVAL;
    if (len > SEGMENT_MAX) return E_LIMIT;
    const s = p + <usize>start;
    if (load<u8>(s) == 0x2e) {
      if (len == 1) return E_INVAL;
      if (len == 2 && load<u8>(s + 1) == 0x2e) return E_INVAL;
      if (len == 4 && (load<u8>(s + 1) | 0x20) == 0x67 && (load<u8>(s + 2) | 0x20) == 0x69 && (load<u8>(s + 3) | 0x20) == 0x74) return E_INVAL;
    }
    if (++depth > DEPTH_MAX) return E_LIMIT;
    start = i + 1;
  }
  return OK;
}

/** Length of the segment starting at offset `from` (up to the next '/' or the end). */
export function segmentLen(p: usize, n: i32, from: i32): i32 {
  let i = from;
  while (i < n && load<u8>(p + <usize>i) != 0x2f) i++;
  return i - from;
}

/** True when path a (aLen) is a proper prefix directory of b: b starts with a + "/". */
export function isUnder(a: usize, aLen: i32, b: usize, bLen: i32): bool {
  return bLen > aLen && load<u8>(b + <usize>aLen) == 0x2f && memory.compare(a, b, <usize>aLen) == 0;
}
