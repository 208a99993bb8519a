// Map entry ordering of RFC 8949 §4.2.1: keys sorted by the bytewise lexicographic
// order of their deterministic encodings. Sorting is in place (no index, no
// scratch), so it works on any buffer size a device has.
import { E_CORRUPT, E_INVAL, OK } from "../abi/errors";
import { CBOR_ARRAY, CBOR_BYTES, CBOR_MAP, CBOR_TAG, CBOR_TEXT, headArg, headInfo, headMajor, INFO_INDEFINITE, readHead } from "./head";

/**
 * End of the definite-length item at p (nothing read at or past end), or
 * E_CORRUPT. Checks structure only (headers, lengths within the range), not
 * UTF-8 or canonical form. Needs no stack: definite lengths make the number of
 * items still to read a single counter, bounded by the bytes left.
 */
export function itemEnd(p: usize, end: usize): isize {
  let pending: u64 = 1;
  while (pending > 0) {
    const h = readHead(p, end);
    if (h < 0) return h;
    p += <usize>h;
    pending--;
    const major = headMajor;
    const arg = headArg;
    if (headInfo == INFO_INDEFINITE) return E_CORRUPT;
    const left = <u64>(end - p);
    if (major == CBOR_BYTES || major == CBOR_TEXT) {
      if (arg > left) return E_CORRUPT;
      p += <usize>arg;
    } else if (major == CBOR_ARRAY) {
      if (arg > left) return E_CORRUPT;
      pending += arg;
    } else if (major == CBOR_MAP) {
      if (arg > left >> 1) return E_CORRUPT;
      pending += arg << 1;
    } else if (major == CBOR_TAG) {
      pending++;
    }
    // Each pending item needs at least one byte.
    if (pending > <u64>(end - p)) return E_CORRUPT;
  }
  return <isize>p;
}

/** Bytewise lexicographic comparison; a proper prefix sorts first. */
export function compareBytes(a: usize, an: i32, b: usize, bn: i32): i32 {
  const n = an < bn ? an : bn;
  for (let i = 0; i < n; i++) {
    const x = <i32>load<u8>(a + <usize>i);
    const y = <i32>load<u8>(b + <usize>i);
    if (x != y) return x - y;
  }
  return an - bn;
}

function reverse(p: usize, n: usize): void {
  let i = p;
  let j = p + n;
  while (i + 1 < j) {
    j--;
    const t = load<u8>(i);
    store<u8>(i, load<u8>(j));
    store<u8>(j, t);
    i++;
  }
}

/** Moves [p+k, p+n) to p and [p, p+k) after it (three reversals, no scratch). */
function rotateLeft(p: usize, n: usize, k: usize): void {
  reverse(p, k);
  reverse(p + k, n - k);
  reverse(p, n);
}

/**
 * Sorts in place the `count` map entries (key item, value item, ...) that fill
 * [p, p+n) exactly. OK; E_INVAL on a duplicate key; E_CORRUPT when the range is
 * not exactly count well-formed pairs. Insertion sort by rotation: O(n) when the
 * entries are already in order, O(count * n) at worst.
 */
export function sortMapEntries(p: usize, n: i32, count: i32): i32 {
  if (n < 0 || count < 0 || <i64>count * 2 > <i64>n) return E_CORRUPT;
  const end = p + <usize>n;
  let cur = p;
  // The greatest key of the sorted prefix [p, cur).
  let lastKey: usize = 0;
  let lastKeyLen = 0;
  for (let i = 0; i < count; i++) {
    const ke = itemEnd(cur, end);
    if (ke < 0) return <i32>ke;
    const ve = itemEnd(<usize>ke, end);
    if (ve < 0) return <i32>ve;
    const keyLen = <i32>(<usize>ke - cur);
    const entryLen = <usize>ve - cur;
    const c = i == 0 ? 1 : compareBytes(cur, keyLen, lastKey, lastKeyLen);
    if (c == 0) return E_INVAL;
    if (c > 0) {
      lastKey = cur;
      lastKeyLen = keyLen;
    } else {
      // Find the first sorted entry with a greater key and move this entry before it.
      let q = p;
      while (true) {
        const qk = <usize>itemEnd(q, cur);
        const d = compareBytes(cur, keyLen, q, <i32>(qk - q));
        if (d == 0) return E_INVAL;
        if (d < 0) break;
        q = <usize>itemEnd(qk, cur);
      }
      rotateLeft(q, <usize>ve - q, cur - q);
      lastKey += entryLen;
    }
    cur = <usize>ve;
  }
  return cur == end ? OK : E_CORRUPT;
}
