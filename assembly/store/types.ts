// Mergeable value types: self-describing CBOR tags (numbers in docs/store.md),
// each with a merge that is commutative and idempotent, so every replica merges
// to the same value whatever the order. Values are deterministic CBOR (RFC 8949
// §4.2); a value that is not (or that exceeds a bound) is treated as untyped and
// conflicts instead of merging. Scanning works on raw spans (cbor readHead /
// itemEnd): elements and dots are compared by their encoded bytes.
import { CBOR_ARRAY, CBOR_CANONICAL, CBOR_MAP, CBOR_UINT, CborReader, CborWriter, compareBytes, headArg, headMajor, itemEnd, readHead } from "../cbor";
import { E_CORRUPT, E_INVAL, OK } from "../abi/errors";
import { ID_LEN } from "./backend";

/** Tag numbers: "NYM" ‖ n, from the first-come-first-served range of IANA's CBOR tag registry (unregistered). */
export const TAG_CONFLICT: u64 = 0x4e594d00;
export const TAG_PN: u64 = 0x4e594d01;
export const TAG_LWW: u64 = 0x4e594d02;
export const TAG_AWSET: u64 = 0x4e594d03;
export const TAG_LOG: u64 = 0x4e594d04;

/** Encoded length of one of our tags' headers (0xda + 4 bytes). */
export const TAG_HEAD: i32 = 5;
/** Add-wins set dots are random byte strings of this length. */
export const DOT_LEN: i32 = 8;

const checker = new CborReader(0, 0);

/** Our type tag at the start of a value (TAG_*), or 0 for an untyped value. */
export function typeTag(p: usize, n: i32): u64 {
  if (n < TAG_HEAD + 1 || load<u8>(p) != 0xda) return 0;
  const t = <u64>bswap<u32>(load<u32>(p + 1));
  return t >= TAG_CONFLICT && t <= TAG_LOG ? t : 0;
}

/** The tag when [p, p+n) is exactly one canonical item with one of our tags, else 0. */
export function checkedTag(p: usize, n: i32): u64 {
  const t = typeTag(p, n);
  if (t == 0) return 0;
  checker.reset(p, n, CBOR_CANONICAL);
  checker.skip();
  return checker.finish() == OK ? t : 0;
}

// A forward scanner over canonical CBOR already checked by checkedTag.
class Scan {
  p: usize = 0;
  end: usize = 0;
  at(p: usize, end: usize): Scan {
    this.p = p;
    this.end = end;
    return this;
  }
  /** Reads a header of the given major type; its argument, or -1 on a mismatch. */
  head(major: i32): i64 {
    const h = readHead(this.p, this.end);
    if (h < 0 || headMajor != major) return -1;
    this.p += <usize>h;
    return <i64>headArg;
  }
  /** Skips one item; returns its start (the item is [start, this.p)). */
  item(): usize {
    const s = this.p;
    const e = itemEnd(s, this.end);
    this.p = e < 0 ? this.end : <usize>e;
    return s;
  }
}

const sx = new Scan();
const sy = new Scan();
const sb = new Scan();

@inline function spanCmp(a: usize, an: usize, b: usize, bn: usize): i32 {
  return compareBytes(a, <i32>(an - a), b, <i32>(bn - b));
}

/** An output buffer with its writer (the cbor writer keeps its buffer private). */
export class Sink {
  buf: usize;
  cap: i32;
  readonly w: CborWriter;
  constructor(cap: i32) {
    const buf = heap.alloc(<usize>max(cap, 1));
    this.cap = cap;
    this.buf = buf;
    this.w = new CborWriter(buf, cap);
  }
  reset(): void {
    this.w.reset(this.buf, this.cap);
  }
  free(): void {
    heap.free(this.buf);
  }
}

/**
 * A writer on a fresh heap buffer of cap bytes, started with a one-entry value
 * of type tag: the tag and a map or array header (major) of one entry. The
 * caller writes the entry and passes the writer to joinOne, which frees it.
 */
function oneEntry(tag: u64, major: i32, cap: i32): CborWriter {
  const one = new CborWriter(heap.alloc(<usize>cap), cap);
  one.tag(tag);
  one.head(major, 1);
  return one;
}

/**
 * The current value [p, p+n) (n = 0: none) joined with the one-entry value of
 * the same type in one (from oneEntry, or its error); frees one's buffer.
 */
function joinOne(
  p: usize,
  n: i32,
  one: CborWriter,
  out: Sink,
  scratch: Sink,
  merge: (x: usize, xn: i32, y: usize, yn: i32, out: Sink, scratch: Sink) => i32,
): i32 {
  const oneBuf = one.base();
  const len = one.finish();
  let rc = len;
  if (len >= 0) {
    if (n == 0) {
      out.w.raw(oneBuf, len);
      rc = out.w.finish();
    } else rc = merge(p, n, oneBuf, len, out, scratch);
  }
  heap.free(oneBuf);
  return rc;
}

/** tag, then a map or array header of count entries (major CBOR_MAP or
 *  CBOR_ARRAY), then the entries already written to scratch. */
function writeTagged(w: CborWriter, tag: u64, major: i32, count: u32, scratch: Sink): i32 {
  w.tag(tag);
  w.head(major, count);
  w.raw(scratch.buf, scratch.w.length());
  return w.finish();
}

/**
 * The two-way merge of the PN counter and the time-series log: walks the
 * entries of x and y (tagged containers of major type `major`, sorted by their
 * encodings) in order, calls entry(c, ka, kb, scratch) once per distinct key
 * (c < 0: only x has it, at ka; c > 0: only y, at kb; 0: both; sx and sy stand
 * just after the keys), and writes the tagged result. entry returns OK or an
 * error, which stops the merge.
 */
function mergeSorted(
  tag: u64,
  major: i32,
  x: usize,
  xn: i32,
  y: usize,
  yn: i32,
  out: Sink,
  scratch: Sink,
  entry: (c: i32, ka: usize, kb: usize, scratch: Sink) => i32,
): i32 {
  const a = sx.at(x + TAG_HEAD, x + <usize>xn);
  const b = sy.at(y + TAG_HEAD, y + <usize>yn);
  let na = a.head(major);
  let nb = b.head(major);
  if (na < 0 || nb < 0) return E_CORRUPT;
  let count: u32 = 0;
  let ka = na > 0 ? a.item() : 0;
  let kb = nb > 0 ? b.item() : 0;
  while (na > 0 || nb > 0) {
    const c = na > 0 && nb > 0 ? spanCmp(ka, a.p, kb, b.p) : na > 0 ? -1 : 1;
    const rc = entry(c, ka, kb, scratch);
    if (rc < 0) return rc;
    count++;
    if (c <= 0 && --na > 0) ka = a.item();
    if (c >= 0 && --nb > 0) kb = b.item();
  }
  return writeTagged(out.w, tag, major, count, scratch);
}

// --- PN counter: tag { bstr writer => [uint inc, uint dec] } ------------------
// Join: per writer, the larger inc and the larger dec (each writer only grows its own).

export function mergePn(x: usize, xn: i32, y: usize, yn: i32, out: Sink, scratch: Sink): i32 {
  return mergeSorted(TAG_PN, CBOR_MAP, x, xn, y, yn, out, scratch, pnEntry);
}

// One counter entry of the join: the writer key, then [max inc, max dec] of the
// sides that hold it (sx, sy stand after the key).
function pnEntry(c: i32, ka: usize, kb: usize, scratch: Sink): i32 {
  const a = sx;
  const b = sy;
  scratch.w.raw(c <= 0 ? ka : kb, <i32>(c <= 0 ? a.p - ka : b.p - kb));
  let inc: u64 = 0;
  let dec: u64 = 0;
  if (c <= 0) {
    if (a.head(CBOR_ARRAY) != 2) return E_CORRUPT;
    inc = <u64>a.head(CBOR_UINT);
    dec = <u64>a.head(CBOR_UINT);
  }
  if (c >= 0) {
    if (b.head(CBOR_ARRAY) != 2) return E_CORRUPT;
    const i2 = <u64>b.head(CBOR_UINT);
    const d2 = <u64>b.head(CBOR_UINT);
    if (i2 > inc) inc = i2;
    if (d2 > dec) dec = d2;
  }
  scratch.w.array(2);
  scratch.w.uint(inc);
  scratch.w.uint(dec);
  return OK;
}

/** Sum of incs minus sum of decs (wrapping at 64 bits), or 0 for a value that is not a PN counter. */
export function pnValue(p: usize, n: i32): i64 {
  if (checkedTag(p, n) != TAG_PN) return 0;
  const s = sx.at(p + TAG_HEAD, p + <usize>n);
  let k = s.head(CBOR_MAP);
  let v: i64 = 0;
  while (k-- > 0) {
    s.item();
    s.head(CBOR_ARRAY);
    v += <i64>s.head(CBOR_UINT);
    v -= <i64>s.head(CBOR_UINT);
  }
  return v;
}

/** Adds delta to writer's own entry of counter [p, p+n) (n = 0: a new counter). */
export function pnAdd(p: usize, n: i32, writer: usize, wn: i32, delta: i64, out: Sink, scratch: Sink): i32 {
  // The writer's own increment as a one-entry counter, joined with the current value.
  let inc: u64 = 0;
  let dec: u64 = 0;
  if (n > 0) {
    if (checkedTag(p, n) != TAG_PN) return E_INVAL;
    const s = sx.at(p + TAG_HEAD, p + <usize>n);
    let k = s.head(CBOR_MAP);
    while (k-- > 0) {
      const ks = s.item();
      const kl = <i32>(s.p - ks);
      s.head(CBOR_ARRAY);
      const i1 = <u64>s.head(CBOR_UINT);
      const d1 = <u64>s.head(CBOR_UINT);
      const h = readHead(ks, s.p);
      if (h > 0 && kl - h == wn && compareBytes(ks + <usize>h, wn, writer, wn) == 0) {
        inc = i1;
        dec = d1;
      }
    }
  }
  if (delta >= 0) inc += <u64>delta;
  else dec += <u64>(-delta);
  const one = oneEntry(TAG_PN, CBOR_MAP, wn + 32);
  one.bytes(writer, wn);
  one.array(2);
  one.uint(inc);
  one.uint(dec);
  return joinOne(p, n, one, out, scratch, mergePn);
}

// --- LWW register: tag [uint time, bstr writer, value] ---------------------------
// The larger (time, writer bytes, value encoding) wins: a total order, so the
// winner is the same on every replica. Returns 1 when x wins, 2 when y wins.

export function lwwWinner(x: usize, xn: i32, y: usize, yn: i32): i32 {
  const a = sx.at(x + TAG_HEAD, x + <usize>xn);
  const b = sy.at(y + TAG_HEAD, y + <usize>yn);
  if (a.head(CBOR_ARRAY) != 3 || b.head(CBOR_ARRAY) != 3) return E_CORRUPT;
  const ta = a.head(CBOR_UINT);
  const tb = b.head(CBOR_UINT);
  if (ta < 0 || tb < 0) return E_CORRUPT;
  if (ta != tb) return <u64>ta > <u64>tb ? 1 : 2;
  const wa = a.item();
  const wb = b.item();
  let c = spanCmp(wa, a.p, wb, b.p);
  if (c == 0) c = spanCmp(a.p, a.end, b.p, b.end);
  return c >= 0 ? 1 : 2;
}

export function lwwMake(time: u64, writer: usize, wn: i32, value: usize, vn: i32, out: Sink): i32 {
  const w = out.w;
  if (vn <= 0 || itemEnd(value, value + <usize>vn) != <isize>(value + <usize>vn)) return E_INVAL;
  w.tag(TAG_LWW);
  w.array(3);
  w.uint(time);
  w.bytes(writer, wn);
  w.raw(value, vn);
  return w.finish();
}

// --- Add-wins set: tag { element => [bstr dot, ...] } ------------------------------
// Each add tags the element with a fresh random dot; a remove drops the dots it
// saw. Three-way merge per dot: kept when on both sides, or added on one side
// (not in the base). A concurrent add's new dot survives a remove: add wins.

function dotsMerge(b: Scan | null, nb: i64, x: Scan | null, nx: i64, y: Scan | null, ny: i64, out: CborWriter | null): i32 {
  let count = 0;
  let db: usize = nb > 0 ? b!.item() : 0;
  let dx: usize = nx > 0 ? x!.item() : 0;
  let dy: usize = ny > 0 ? y!.item() : 0;
  while (nx > 0 || ny > 0) {
    // The smallest current dot of x and y.
    let m = dx;
    let me = nx > 0 ? x!.p : 0;
    if (nx <= 0 || (ny > 0 && spanCmp(dy, y!.p, dx, x!.p) < 0)) {
      m = dy;
      me = y!.p;
    }
    while (nb > 0 && spanCmp(db, b!.p, m, me) < 0) if (--nb > 0) db = b!.item();
    const inB = nb > 0 && spanCmp(db, b!.p, m, me) == 0;
    const inX = nx > 0 && spanCmp(dx, x!.p, m, me) == 0;
    const inY = ny > 0 && spanCmp(dy, y!.p, m, me) == 0;
    if ((inX && inY) || !inB) {
      count++;
      if (out != null) out.raw(m, <i32>(me - m));
    }
    if (inX && --nx > 0) dx = x!.item();
    if (inY && --ny > 0) dy = y!.item();
  }
  return count;
}

/**
 * Three-way merge of add-wins sets (base: n = 0 for none). Each side's
 * element entries are scanned twice (count, then write) to write definite lengths.
 */
export function mergeAwset(base: usize, bn: i32, x: usize, xn: i32, y: usize, yn: i32, out: Sink, scratch: Sink): i32 {
  let count: u32 = 0;
  const hb = bn > 0 ? sb.at(base + TAG_HEAD, base + <usize>bn) : null;
  const a = sx.at(x + TAG_HEAD, x + <usize>xn);
  const c = sy.at(y + TAG_HEAD, y + <usize>yn);
  let nb: i64 = hb != null ? hb.head(CBOR_MAP) : 0;
  let na = a.head(CBOR_MAP);
  let nc = c.head(CBOR_MAP);
  if (nb < 0 || na < 0 || nc < 0) return E_CORRUPT;
  let kb: usize = nb > 0 ? hb!.item() : 0;
  let ka: usize = na > 0 ? a.item() : 0;
  let kc: usize = nc > 0 ? c.item() : 0;
  const probe = new Scan();
  while (na > 0 || nc > 0 || nb > 0) {
    // The smallest current key of the three.
    let m: usize = 0;
    let me: usize = 0;
    if (nb > 0) {
      m = kb;
      me = hb!.p;
    }
    if (na > 0 && (me == 0 || spanCmp(ka, a.p, m, me) < 0)) {
      m = ka;
      me = a.p;
    }
    if (nc > 0 && (me == 0 || spanCmp(kc, c.p, m, me) < 0)) {
      m = kc;
      me = c.p;
    }
    const inB = nb > 0 && spanCmp(kb, hb!.p, m, me) == 0;
    const inA = na > 0 && spanCmp(ka, a.p, m, me) == 0;
    const inC = nc > 0 && spanCmp(kc, c.p, m, me) == 0;
    const cb = inB ? hb!.head(CBOR_ARRAY) : 0;
    const ca = inA ? a.head(CBOR_ARRAY) : 0;
    const cc = inC ? c.head(CBOR_ARRAY) : 0;
    if (cb < 0 || ca < 0 || cc < 0) return E_CORRUPT;
    // Count pass on copies of the scanners, then the write pass on the real ones.
    const pb = hb != null ? hb.p : 0;
    const pa = a.p;
    const pc = c.p;
    const n = dotsMerge(inB ? probe.at(pb, hb!.end) : null, cb, inA ? sx2.at(pa, a.end) : null, ca, inC ? sy2.at(pc, c.end) : null, cc, null);
    if (n > 0) {
      scratch.w.raw(m, <i32>(me - m));
      scratch.w.array(<u32>n);
      count++;
    }
    dotsMerge(inB ? hb : null, cb, inA ? a : null, ca, inC ? c : null, cc, n > 0 ? scratch.w : null);
    // Skip whatever dots a side still has (dotsMerge stops once x and y are exhausted).
    if (inB) hb!.p = skipRest(pb, hb!.end, cb);
    if (inB && --nb > 0) kb = hb!.item();
    if (inA && --na > 0) ka = a.item();
    if (inC && --nc > 0) kc = c.item();
  }
  return writeTagged(out.w, TAG_AWSET, CBOR_MAP, count, scratch);
}

const sx2 = new Scan();
const sy2 = new Scan();

function skipRest(p: usize, end: usize, k: i64): usize {
  for (let i: i64 = 0; i < k; i++) {
    const e = itemEnd(p, end);
    if (e < 0) return end;
    p = <usize>e;
  }
  return p;
}

/** Adds element (one encoded item) with a fresh dot: a two-way merge with a one-element set. */
export function awsetAdd(p: usize, n: i32, elem: usize, en: i32, dot: usize, out: Sink, scratch: Sink): i32 {
  if (en <= 0 || itemEnd(elem, elem + <usize>en) != <isize>(elem + <usize>en)) return E_INVAL;
  if (n > 0 && checkedTag(p, n) != TAG_AWSET) return E_INVAL;
  const one = oneEntry(TAG_AWSET, CBOR_MAP, en + 32);
  one.raw(elem, en);
  one.array(1);
  one.bytes(dot, DOT_LEN);
  return joinOne(p, n, one, out, scratch, mergeAwset2);
}

function mergeAwset2(x: usize, xn: i32, y: usize, yn: i32, out: Sink, scratch: Sink): i32 {
  return mergeAwset(0, 0, x, xn, y, yn, out, scratch);
}

/** Removes element: every dot this replica sees for it (a three-way merge against itself without the element). */
export function awsetRemove(p: usize, n: i32, elem: usize, en: i32, out: Sink): i32 {
  const w = out.w;
  if (checkedTag(p, n) != TAG_AWSET) return E_INVAL;
  const s = sx.at(p + TAG_HEAD, p + <usize>n);
  const k = s.head(CBOR_MAP);
  let kept: u32 = 0;
  let skipFrom: usize = 0;
  let skipTo: usize = 0;
  for (let i: i64 = 0; i < k; i++) {
    const ks = s.item();
    const ke = s.p;
    s.item();
    if (spanCmp(ks, ke, elem, elem + <usize>en) == 0) {
      skipFrom = ks;
      skipTo = s.p;
    } else kept++;
  }
  w.tag(TAG_AWSET);
  w.map(kept);
  const body = sx.at(p + TAG_HEAD, p + <usize>n);
  body.head(CBOR_MAP);
  if (skipFrom == 0) w.raw(body.p, <i32>(p + <usize>n - body.p));
  else {
    w.raw(body.p, <i32>(skipFrom - body.p));
    w.raw(skipTo, <i32>(p + <usize>n - skipTo));
  }
  return w.finish();
}

/** 1 when element is in the set (has a dot), 0 when not. */
export function awsetHas(p: usize, n: i32, elem: usize, en: i32): i32 {
  if (checkedTag(p, n) != TAG_AWSET) return 0;
  const s = sx.at(p + TAG_HEAD, p + <usize>n);
  const k = s.head(CBOR_MAP);
  for (let i: i64 = 0; i < k; i++) {
    const ks = s.item();
    const ke = s.p;
    s.item();
    if (spanCmp(ks, ke, elem, elem + <usize>en) == 0) return 1;
  }
  return 0;
}

// --- Time-series log: tag [ [uint time, bstr writer, value], ... ] ----------------
// Entries sorted by their encodings (= by time, then writer, then value: canonical
// integers sort numerically by their encodings), without duplicates. Merge: union.

export function mergeLog(x: usize, xn: i32, y: usize, yn: i32, out: Sink, scratch: Sink): i32 {
  return mergeSorted(TAG_LOG, CBOR_ARRAY, x, xn, y, yn, out, scratch, logEntry);
}

// One log entry of the union, from whichever side holds it (both: equal bytes).
function logEntry(c: i32, ea: usize, eb: usize, scratch: Sink): i32 {
  if (c <= 0) scratch.w.raw(ea, <i32>(sx.p - ea));
  else scratch.w.raw(eb, <i32>(sy.p - eb));
  return OK;
}

/** Appends [time, writer, value] to log [p, p+n) (n = 0: a new log), in order. */
export function logAppend(p: usize, n: i32, time: u64, writer: usize, wn: i32, value: usize, vn: i32, out: Sink, scratch: Sink): i32 {
  if (vn <= 0 || itemEnd(value, value + <usize>vn) != <isize>(value + <usize>vn)) return E_INVAL;
  if (n > 0 && checkedTag(p, n) != TAG_LOG) return E_INVAL;
  const one = oneEntry(TAG_LOG, CBOR_ARRAY, wn + vn + 48);
  one.array(3);
  one.uint(time);
  one.bytes(writer, wn);
  one.raw(value, vn);
  return joinOne(p, n, one, out, scratch, mergeLog);
}

// --- Conflicts: tag [side, side] ---------------------------------------------------
// A side is null (deleted), bstr (the value's bytes) or [bstr tree id] (a
// directory). The two sides are sorted by their encodings, so the record does not
// depend on which replica merged.

/** Encodes one side into w: kind 0 absent, 1 value bytes, 2 tree id. */
export function conflictSide(w: CborWriter, kind: i32, p: usize, n: i32): void {
  if (kind == 0) w.null();
  else if (kind == 1) w.bytes(p, n);
  else {
    w.array(1);
    w.bytes(p, ID_LEN);
  }
}

export function conflictRecord(a: usize, an: i32, b: usize, bn: i32, out: Sink): i32 {
  const w = out.w;
  w.tag(TAG_CONFLICT);
  w.array(2);
  if (compareBytes(a, an, b, bn) <= 0) {
    w.raw(a, an);
    w.raw(b, bn);
  } else {
    w.raw(b, bn);
    w.raw(a, an);
  }
  return w.finish();
}

