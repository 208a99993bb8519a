// CBOR exports for host-side checks and tools (bindings/abi/cbor.json).
import { E_BOUNDS, E_INVAL, OK } from "../abi/errors";
import { canonicalize } from "./canonical";
import { CBOR_BYTES, CBOR_TEXT } from "./head";
import { CborReader } from "./reader";
import { CborWriter } from "./writer";
import { inMemory } from "../abi/bounds";

const reader = new CborReader(0, 0);
const writer = new CborWriter(0, 0);

/** OK if [ptr, ptr+len) is exactly one valid item under flags (0 strict, 1 canonical), else the error. */
export function cbor_check(ptr: usize, len: i32, flags: i32): i32 {
  if (len < 0) return E_INVAL;
  if (!inMemory(ptr, len)) return E_BOUNDS;
  reader.reset(ptr, len, flags);
  const e = reader.skip();
  return e != OK ? e : reader.finish();
}

/** Deterministic re-encoding of the item in [input, input+len) into out; bytes written or an error. */
export function cbor_canonicalize(input: usize, len: i32, out: usize, cap: i32): i32 {
  if (len < 0 || cap < 0) return E_INVAL;
  if (!inMemory(input, len) || !inMemory(out, cap)) return E_BOUNDS;
  return canonicalize(reader, writer, input, len, out, cap);
}

/** Size of one cbor_walk event. */
const EVENT = 16;

/**
 * Reads the one item in [ptr, ptr+len) under flags and writes one 16-byte event
 * per header: u8 kind, u8 additional info, u16 depth before the item, u32 payload
 * offset from ptr (strings), u64 argument (all little-endian). Returns the number
 * of events, the reader's error, or E_BOUNDS when out cannot hold them.
 */
export function cbor_walk(ptr: usize, len: i32, flags: i32, out: usize, cap: i32): i32 {
  if (len < 0 || cap < 0) return E_INVAL;
  if (!inMemory(ptr, len) || !inMemory(out, cap)) return E_BOUNDS;
  reader.reset(ptr, len, flags);
  let count = 0;
  do {
    const before = reader.depth;
    const k = reader.next();
    if (k < 0) return k;
    if ((count + 1) * EVENT > cap) return E_BOUNDS;
    const e = out + <usize>(count * EVENT);
    store<u8>(e, <u8>k);
    store<u8>(e, <u8>reader.info, 1);
    store<u16>(e, <u16>before, 2);
    store<u32>(e, k == CBOR_BYTES || k == CBOR_TEXT ? <u32>(reader.ptr - ptr) : 0, 4);
    store<u64>(e, reader.arg, 8);
    count++;
  } while (reader.depth > 0);
  const f = reader.finish();
  return f != OK ? f : count;
}
