// Typed writes on a store's working tree: read the current value at a path,
// apply one operation of its mergeable type (types.ts), stage the result. A path
// holding a value of another type is E_INVAL (never silently replaced).
import { random_bytes } from "../abi/imports";
import { canonicalize, CborReader, CborWriter } from "../cbor";
import { E_INVAL, E_LIMIT, E_NOTFOUND, OK } from "../abi/errors";
import { ID_LEN } from "./backend";
import { OBJECT_MAX } from "./limits";
import { Store } from "./store";
import { KIND_VALUE } from "./tree";
import { awsetAdd, awsetHas, awsetRemove, DOT_LEN, logAppend, lwwMake, pnAdd, pnValue, Sink } from "./types";

/** Writer ids (a device's key or name) are 1..WRITER_MAX bytes. */
export const WRITER_MAX: i32 = 64;

let curLen: i32 = 0;

/** The value at path in commit (0: working tree) in a fresh buffer (curLen bytes); 0 with curLen 0 when absent. */
function current(s: Store, commit: usize, path: usize, n: i32): usize {
  curLen = 0;
  const id = heap.alloc(ID_LEN);
  const kind = s.resolve(commit, path, n, id);
  let p: usize = 0;
  if (kind == KIND_VALUE) {
    const size = s.backend.sizeOf(id);
    if (size < 0 || size > OBJECT_MAX) curLen = size < 0 ? size : E_LIMIT;
    else {
      p = heap.alloc(<usize>max(size, 1));
      const got = s.backend.readAt(id, 0, p, size);
      curLen = got;
      if (got < 0) {
        heap.free(p);
        p = 0;
      }
    }
  } else if (kind != E_NOTFOUND && kind < 0) curLen = kind;
  heap.free(id);
  return p;
}

let canonLen: i32 = 0;
const canonReader = new CborReader(0, 0);
const canonWriter = new CborWriter(0, 0);

/**
 * The one CBOR item [p, p+n) in deterministic form (RFC 8949 §4.2), in a fresh
 * buffer of canonLen bytes (or 0 with canonLen the error), so equal values
 * compare equal byte for byte whoever encoded them.
 */
function canonical(p: usize, n: i32): usize {
  if (n <= 0) {
    canonLen = E_INVAL;
    return 0;
  }
  if (n > OBJECT_MAX) {
    canonLen = E_LIMIT;
    return 0;
  }
  // Deterministic encoding never needs more bytes than a valid input encoding.
  const out = heap.alloc(<usize>n);
  canonLen = canonicalize(canonReader, canonWriter, p, n, out, n);
  if (canonLen < 0) {
    heap.free(out);
    return 0;
  }
  return out;
}

function validWriter(wn: i32): bool {
  return wn > 0 && wn <= WRITER_MAX;
}

// Applies op to the current value and stages the result.
function finish(s: Store, path: usize, n: i32, cur: usize, rc: i32, out: Sink, scratch: Sink): i32 {
  if (rc >= 0) rc = s.set(path, n, out.buf, rc);
  if (cur != 0) heap.free(cur);
  out.free();
  scratch.free();
  return rc;
}

export function counterAdd(s: Store, path: usize, n: i32, writer: usize, wn: i32, delta: i64): i32 {
  if (!validWriter(wn)) return E_INVAL;
  const cur = current(s, 0, path, n);
  if (curLen < 0) return curLen;
  const cap = curLen * 2 + wn + 64;
  const out = new Sink(cap);
  const scratch = new Sink(cap);
  return finish(s, path, n, cur, pnAdd(cur, curLen, writer, wn, delta, out, scratch), out, scratch);
}

/** The counter's value at path in commit (0: working tree); 0 when absent or not a counter. */
export function counterValue(s: Store, commit: usize, path: usize, n: i32): i64 {
  const cur = current(s, commit, path, n);
  if (cur == 0) return 0;
  const v = pnValue(cur, curLen);
  heap.free(cur);
  return v;
}

export function lwwSet(s: Store, path: usize, n: i32, time: i64, writer: usize, wn: i32, value: usize, vn: i32): i32 {
  if (!validWriter(wn) || time < 0) return E_INVAL;
  const v = canonical(value, vn);
  if (v == 0) return canonLen;
  const out = new Sink(vn + wn + 32);
  const scratch = new Sink(0);
  return finish(s, path, n, v, lwwMake(<u64>time, writer, wn, v, canonLen, out), out, scratch);
}

export function setAdd(s: Store, path: usize, n: i32, elemIn: usize, enIn: i32): i32 {
  const elem = canonical(elemIn, enIn);
  if (elem == 0) return canonLen;
  const en = canonLen;
  const cur = current(s, 0, path, n);
  if (curLen < 0) {
    heap.free(elem);
    return curLen;
  }
  const dot = heap.alloc(DOT_LEN);
  let rc = random_bytes(dot, DOT_LEN);
  const cap = curLen * 2 + en + 64;
  const out = new Sink(cap);
  const scratch = new Sink(cap);
  if (rc == OK) rc = awsetAdd(cur, curLen, elem, en, dot, out, scratch);
  heap.free(dot);
  heap.free(elem);
  return finish(s, path, n, cur, rc, out, scratch);
}

export function setRemove(s: Store, path: usize, n: i32, elemIn: usize, enIn: i32): i32 {
  const elem = canonical(elemIn, enIn);
  if (elem == 0) return canonLen;
  const en = canonLen;
  const cur = current(s, 0, path, n);
  let rc = curLen < 0 ? curLen : OK;
  if (cur != 0) {
    const out = new Sink(curLen + 16);
    const scratch = new Sink(0);
    rc = finish(s, path, n, cur, awsetRemove(cur, curLen, elem, en, out), out, scratch);
  }
  heap.free(elem);
  return rc;
}

export function setHas(s: Store, commit: usize, path: usize, n: i32, elemIn: usize, enIn: i32): i32 {
  const elem = canonical(elemIn, enIn);
  if (elem == 0) return canonLen;
  const cur = current(s, commit, path, n);
  let r = curLen < 0 ? curLen : 0;
  if (cur != 0) {
    r = awsetHas(cur, curLen, elem, canonLen);
    heap.free(cur);
  }
  heap.free(elem);
  return r;
}

export function seriesAppend(s: Store, path: usize, n: i32, time: i64, writer: usize, wn: i32, valueIn: usize, vnIn: i32): i32 {
  if (!validWriter(wn) || time < 0) return E_INVAL;
  const value = canonical(valueIn, vnIn);
  if (value == 0) return canonLen;
  const vn = canonLen;
  const cur = current(s, 0, path, n);
  let rc = curLen;
  if (curLen >= 0) {
    const cap = curLen * 2 + wn + vn + 64;
    const out = new Sink(cap);
    const scratch = new Sink(cap);
    rc = finish(s, path, n, cur, logAppend(cur, curLen, <u64>time, writer, wn, value, vn, out, scratch), out, scratch);
  }
  heap.free(value);
  return rc;
}
