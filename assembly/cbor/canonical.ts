// Re-encoding any well-formed item deterministically (RFC 8949 §4.2.1), in one
// pass: items are written as read, and each map's entries are sorted in place in
// the output once its last entry is written (inner maps close, and so are sorted,
// before the outer map compares their encodings as keys).
import { E_CORRUPT, E_INVAL, OK } from "../abi/errors";
import { CBOR_ARRAY, CBOR_BYTES, CBOR_FLOAT, CBOR_MAP, CBOR_NINT, CBOR_SIMPLE, CBOR_TAG, CBOR_TEXT, CBOR_UINT } from "./head";
import { CBOR_MAX_DEPTH, CborReader } from "./reader";
import { sortMapEntries } from "./sort";
import { CborWriter } from "./writer";

// Open maps of the output: the reader depth of their entries, where their entries
// start in the output, and their number of pairs.
const openLevel = new StaticArray<i32>(CBOR_MAX_DEPTH);
const openStart = new StaticArray<i32>(CBOR_MAX_DEPTH);
const openCount = new StaticArray<i32>(CBOR_MAX_DEPTH);

/**
 * Decodes the one item in [input, input+n) (strict: flags 0) and writes its
 * deterministic encoding to [out, out+cap). Returns the bytes written, or
 * E_CORRUPT (malformed; duplicate map keys), E_LIMIT, E_UNSUPPORTED (indefinite
 * lengths) or E_BOUNDS (cap too small). out must not overlap the input.
 */
export function canonicalize(r: CborReader, w: CborWriter, input: usize, n: i32, out: usize, cap: i32): i32 {
  r.reset(input, n, 0);
  w.reset(out, cap);
  let open = 0;
  do {
    const k = r.next();
    if (k < 0) return k;
    if (k == CBOR_UINT) w.uint(r.arg);
    else if (k == CBOR_NINT) w.nint(r.arg);
    else if (k == CBOR_BYTES) w.bytes(r.ptr, r.len);
    else if (k == CBOR_TEXT) {
      w.textHeader(r.len); // the reader has checked the UTF-8
      w.raw(r.ptr, r.len);
    } else if (k == CBOR_ARRAY) w.array(<u32>r.len);
    else if (k == CBOR_MAP) {
      w.map(<u32>r.len);
      if (r.len > 0) {
        // r.depth <= CBOR_MAX_DEPTH and each open map holds one reader level.
        unchecked((openLevel[open] = r.depth));
        unchecked((openStart[open] = w.length()));
        unchecked((openCount[open] = r.len));
        open++;
      }
    } else if (k == CBOR_TAG) w.tag(r.arg);
    else if (k == CBOR_SIMPLE) w.simple(<u8>r.arg);
    else if (k == CBOR_FLOAT) w.floatBits(r.arg);
    if (w.error() != OK) return w.error();
    while (open > 0 && unchecked(openLevel[open - 1]) > r.depth) {
      open--;
      const s = unchecked(openStart[open]);
      const e = sortMapEntries(out + <usize>s, w.length() - s, unchecked(openCount[open]));
      if (e != OK) return e == E_INVAL ? E_CORRUPT : e;
    }
  } while (r.depth > 0);
  const f = r.finish();
  return f != OK ? f : w.length();
}
