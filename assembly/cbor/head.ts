// The item header of RFC 8949 §3: initial byte (major type << 5 | additional
// info) and an argument of 0, 1, 2, 4 or 8 big-endian bytes.
import { E_CORRUPT } from "../abi/errors";

export const CBOR_UINT: i32 = 0;
export const CBOR_NINT: i32 = 1;
export const CBOR_BYTES: i32 = 2;
export const CBOR_TEXT: i32 = 3;
export const CBOR_ARRAY: i32 = 4;
export const CBOR_MAP: i32 = 5;
export const CBOR_TAG: i32 = 6;
export const CBOR_SIMPLE: i32 = 7;
/** Not a major type: the reader's kind for major 7 with additional info 25..27. */
export const CBOR_FLOAT: i32 = 8;

export const SIMPLE_FALSE: u8 = 20;
export const SIMPLE_TRUE: u8 = 21;
export const SIMPLE_NULL: u8 = 22;
export const SIMPLE_UNDEFINED: u8 = 23;

/** Additional info 31: indefinite length, or break for major 7 (§3.2). */
export const INFO_INDEFINITE: i32 = 31;

// Results of the last readHead(); single-threaded, read right after the call.
export let headMajor: i32 = 0;
export let headInfo: i32 = 0;
export let headArg: u64 = 0;

@inline function be16(p: usize): u64 {
  return <u64>bswap<u16>(load<u16>(p));
}
@inline function be32(p: usize): u64 {
  return <u64>bswap<u32>(load<u32>(p));
}

/**
 * Parses the header at p, reading nothing at or past end. Returns the header's
 * length in bytes, or E_CORRUPT when it is truncated or uses the reserved
 * additional info 28..30 (§3). Info 31 parses (argument 0); callers decide.
 */
export function readHead(p: usize, end: usize): i32 {
  if (p >= end) return E_CORRUPT;
  const ib = <i32>load<u8>(p);
  headMajor = ib >> 5;
  const info = ib & 31;
  headInfo = info;
  if (info < 24 || info == 31) {
    headArg = info < 24 ? <u64>info : 0;
    return 1;
  }
  if (info > 27) return E_CORRUPT;
  const n = 1 << (info - 24); // 1, 2, 4 or 8 argument bytes
  if (<usize>n >= end - p) return E_CORRUPT;
  if (n == 1) headArg = <u64>load<u8>(p + 1);
  else if (n == 2) headArg = be16(p + 1);
  else if (n == 4) headArg = be32(p + 1);
  else headArg = (be32(p + 1) << 32) | be32(p + 5);
  return 1 + n;
}

/** Additional info of the shortest header for arg (§4.2.1 rule 1). */
export function shortestInfo(arg: u64): i32 {
  if (arg < 24) return <i32>arg;
  if (arg <= 0xff) return 24;
  if (arg <= 0xffff) return 25;
  if (arg <= 0xffffffff) return 26;
  return 27;
}
