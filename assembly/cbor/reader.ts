// Strict pull decoder over one byte range (RFC 8949 §3, §4.2.1 with
// CBOR_CANONICAL). Allocation-free after construction: the nesting stack is a
// fixed array. Errors are sticky; nothing is read outside [p, p+n).
import { E_AGAIN, E_CORRUPT, E_LIMIT, E_UNSUPPORTED, OK } from "../abi/errors";
import { floatWidth, fromHalf, fromSingle } from "./float";
import {
  CBOR_ARRAY,
  CBOR_BYTES,
  CBOR_FLOAT,
  CBOR_MAP,
  CBOR_NINT,
  CBOR_SIMPLE,
  CBOR_TAG,
  CBOR_TEXT,
  CBOR_UINT,
  headArg,
  headInfo,
  headMajor,
  INFO_INDEFINITE,
  readHead,
  SIMPLE_FALSE,
  SIMPLE_NULL,
  SIMPLE_TRUE,
  shortestInfo,
} from "./head";
import { compareBytes } from "./sort";
import { utf8Valid } from "./utf8";

/** Reject non-shortest arguments and floats, and map keys out of §4.2.1 order (or repeated). */
export const CBOR_CANONICAL: i32 = 1;

/**
 * Chunked input: the range is a window onto a longer stream. When the window
 * ends inside an item, next() returns E_AGAIN (not recorded, nothing consumed);
 * the caller moves [keep(), end) to the start of its buffer, appends more input
 * and calls refill(). Counts and lengths are then bounded by E_LIMIT (2^31 - 1
 * items or bytes) instead of by the input, and a string must fit the window:
 * need() says how many bytes from pos() the pending item needs.
 */
export const CBOR_PARTIAL: i32 = 2;

/** Levels of nesting the reader tracks; arrays, maps and tags each take one. */
export const CBOR_MAX_DEPTH: i32 = 32;

// One stack level: five u32 slots.
const L_REM = 0; // items still to read in this container (a map counts keys and values)
const L_KIND = 1; // CBOR_ARRAY, CBOR_MAP or CBOR_TAG
const L_KEY = 2; // maps: where the current key's encoding starts
const L_PREV = 3; // maps: where the previous key's encoding starts
const L_PREVLEN = 4; // maps: its length, NO_KEY before the first
const L_SLOTS = 5;
const NO_KEY: u32 = 0xffffffff;

export class CborReader {
  /** Kind of the item the last next() read: CBOR_UINT .. CBOR_FLOAT. */
  kind: i32 = 0;
  /** Its argument: integer, string length, count, tag, simple value, or the double bits of a float. */
  arg: u64 = 0;
  /** Its additional info (floats: 25 half, 26 single, 27 double). */
  info: i32 = 0;
  /** Byte/text strings: the payload. */
  ptr: usize = 0;
  /** Byte/text strings: payload length; arrays and maps: count (pairs for maps). */
  len: i32 = 0;
  /** First byte of the item's header (after skip(): of the whole skipped item). */
  start: usize = 0;
  /** Containers and tags open after the last call. */
  depth: i32 = 0;

  private p: usize;
  private end: usize;
  private flags: i32;
  private maxDepth: i32;
  private err: i32 = OK;
  private needed: i32 = 0;
  private readonly stack: StaticArray<u32> = new StaticArray<u32>(CBOR_MAX_DEPTH * L_SLOTS);

  constructor(p: usize, n: i32, flags: i32 = 0) {
    this.p = p;
    this.end = p + <usize>(n < 0 ? 0 : n);
    this.flags = flags;
    this.maxDepth = CBOR_MAX_DEPTH;
  }

  /** Starts over on a new range. maxDepth is capped at CBOR_MAX_DEPTH. */
  reset(p: usize, n: i32, flags: i32 = 0, maxDepth: i32 = CBOR_MAX_DEPTH): void {
    this.p = p;
    this.end = p + <usize>(n < 0 ? 0 : n);
    this.flags = flags;
    this.maxDepth = maxDepth < 0 ? 0 : maxDepth > CBOR_MAX_DEPTH ? CBOR_MAX_DEPTH : maxDepth;
    this.err = OK;
    this.depth = 0;
    this.kind = 0;
    this.arg = 0;
    this.info = 0;
    this.ptr = 0;
    this.len = 0;
    this.start = p;
  }

  /** Next unread byte. */
  pos(): usize {
    return this.p;
  }

  error(): i32 {
    return this.err;
  }

  /** Records the first error and returns the error in force. */
  fail(code: i32): i32 {
    if (this.err == OK) this.err = code;
    return this.err;
  }

  /** True when the input is used up and no container is open. */
  atEnd(): bool {
    return this.err == OK && this.depth == 0 && this.p == this.end;
  }

  /** OK if everything read was valid, every container is closed and no byte is left over. */
  finish(): i32 {
    if (this.err != OK) return this.err;
    if (this.depth != 0 || this.p != this.end) return this.fail(E_CORRUPT);
    return OK;
  }

  @inline private slot(level: i32, field: i32): i32 {
    return level * L_SLOTS + field;
  }

  /**
   * CBOR_PARTIAL: the first byte still needed: pos(), or the start of an earlier
   * map key that a canonical key-order check will compare with. Never after pos().
   */
  keep(): usize {
    let k = this.p;
    if ((this.flags & CBOR_CANONICAL) == 0) return k;
    const stack = this.stack;
    for (let l = 0; l < this.depth; l++) {
      if (unchecked(stack[this.slot(l, L_KIND)]) != <u32>CBOR_MAP) continue;
      if (unchecked(stack[this.slot(l, L_PREVLEN)]) != NO_KEY) k = min(k, <usize>unchecked(stack[this.slot(l, L_PREV)]));
      // A key still being read (its items are on deeper levels).
      if (l < this.depth - 1 && (unchecked(stack[this.slot(l, L_REM)]) & 1) == 0) k = min(k, <usize>unchecked(stack[this.slot(l, L_KEY)]));
    }
    return k;
  }

  /**
   * CBOR_PARTIAL: continues on a new window [p, p+n) that begins with the bytes
   * that were at [keep(), end) of the old window, followed by more input.
   */
  refill(p: usize, n: i32): void {
    const base = this.keep();
    const stack = this.stack;
    for (let l = 0; l < this.depth; l++) {
      if (unchecked(stack[this.slot(l, L_KIND)]) != <u32>CBOR_MAP) continue;
      // Stale key slots may wrap here; they are rewritten before any use.
      unchecked((stack[this.slot(l, L_KEY)] = <u32>(<usize>unchecked(stack[this.slot(l, L_KEY)]) - base + p)));
      unchecked((stack[this.slot(l, L_PREV)] = <u32>(<usize>unchecked(stack[this.slot(l, L_PREV)]) - base + p)));
    }
    this.p = this.p - base + p;
    this.end = p + <usize>(n < 0 ? 0 : n);
  }

  /** CBOR_PARTIAL, after E_AGAIN: bytes from pos() the pending header or string needs (more than the window holds). */
  need(): i32 {
    return this.needed;
  }

  /** Major type (0..7) of the next item without consuming it, or the error (not recorded). */
  peek(): i32 {
    if (this.err != OK) return this.err;
    if (this.p >= this.end) return (this.flags & CBOR_PARTIAL) != 0 ? E_AGAIN : E_CORRUPT;
    return <i32>load<u8>(this.p) >> 5;
  }

  /** Reads the next item's header (and a string's payload). Returns its kind or an error. */
  next(): i32 {
    if (this.err != OK) return this.err;
    const canonical = (this.flags & CBOR_CANONICAL) != 0;
    const stack = this.stack;
    const d = this.depth;
    const p = this.p;
    // A key slot of a map: remember where the key's encoding starts (§4.2.1 order).
    if (d > 0) {
      const l = d - 1;
      if (unchecked(stack[this.slot(l, L_KIND)]) == <u32>CBOR_MAP && (unchecked(stack[this.slot(l, L_REM)]) & 1) == 0)
        unchecked((stack[this.slot(l, L_KEY)] = <u32>p));
    }
    const partial = (this.flags & CBOR_PARTIAL) != 0;
    if (partial) {
      // A header cut by the window's end: wait for more (the argument is 0, 1, 2, 4 or 8 bytes).
      const info = p < this.end ? <i32>load<u8>(p) & 31 : 0;
      const headLen = info >= 24 && info <= 27 ? 1 + (1 << (info - 24)) : 1;
      if (<usize>headLen > this.end - p) {
        this.needed = headLen;
        return E_AGAIN;
      }
    }
    const h = readHead(p, this.end);
    if (h < 0) return this.fail(h);
    const major = headMajor;
    const info = headInfo;
    let arg = headArg;
    if (info == INFO_INDEFINITE) {
      // §3.2: break outside an indefinite item, and indefinite ints/tags, are malformed.
      if (major == CBOR_UINT || major == CBOR_NINT || major == CBOR_TAG || major == CBOR_SIMPLE) return this.fail(E_CORRUPT);
      return this.fail(E_UNSUPPORTED);
    }
    if (canonical && major != CBOR_SIMPLE && info >= 24 && shortestInfo(arg) != info) return this.fail(E_CORRUPT);
    let q = p + <usize>h;
    const left = <u64>(this.end - q);
    this.start = p;
    this.info = info;
    this.ptr = 0;
    this.len = 0;
    let kind = major;
    if (major == CBOR_BYTES || major == CBOR_TEXT) {
      if (arg > left) {
        if (!partial) return this.fail(E_CORRUPT);
        if (arg > <u64>(i32.MAX_VALUE - h)) return this.fail(E_LIMIT);
        this.needed = h + <i32>arg;
        return E_AGAIN;
      }
      this.ptr = q;
      this.len = <i32>arg;
      q += <usize>arg;
      if (major == CBOR_TEXT && !utf8Valid(this.ptr, this.len)) return this.fail(E_CORRUPT);
    } else if (major == CBOR_ARRAY || major == CBOR_MAP || major == CBOR_TAG) {
      // Every item takes at least one byte: a count the input cannot hold is malformed.
      // (With CBOR_PARTIAL the input to come is unknown: the bound is the stack's 2^31 - 1.)
      const room = partial ? <u64>i32.MAX_VALUE : left;
      const items = major == CBOR_MAP ? (arg > room >> 1 ? room + 1 : arg << 1) : major == CBOR_ARRAY ? arg : 1;
      if (items > room) return this.fail(partial ? E_LIMIT : E_CORRUPT);
      if (major != CBOR_TAG) this.len = <i32>arg;
      if (items != 0) {
        if (d >= this.maxDepth) return this.fail(E_LIMIT);
        unchecked((stack[this.slot(d, L_REM)] = <u32>items));
        unchecked((stack[this.slot(d, L_KIND)] = <u32>major));
        unchecked((stack[this.slot(d, L_PREVLEN)] = NO_KEY));
        this.depth = d + 1;
      }
    } else if (major == CBOR_SIMPLE) {
      if (info == 24 && arg < 32) return this.fail(E_CORRUPT); // §3.3: two-byte simple < 32
      if (info >= 25) {
        const width = 1 << (info - 24);
        arg = info == 25 ? fromHalf(<u32>arg) : info == 26 ? fromSingle(<u32>arg) : arg;
        if (canonical && floatWidth(arg) < width) return this.fail(E_CORRUPT);
        kind = CBOR_FLOAT;
      }
    }
    this.p = q;
    this.kind = kind;
    this.arg = arg;
    if (this.depth == d && this.itemDone() != OK) return this.err;
    return kind;
  }

  /** An item of the current level is complete: count it, check key order, close finished levels. */
  private itemDone(): i32 {
    const stack = this.stack;
    const canonical = (this.flags & CBOR_CANONICAL) != 0;
    while (this.depth > 0) {
      const l = this.depth - 1;
      const rem = unchecked(stack[this.slot(l, L_REM)]) - 1;
      unchecked((stack[this.slot(l, L_REM)] = rem));
      if (canonical && (rem & 1) == 1 && unchecked(stack[this.slot(l, L_KIND)]) == <u32>CBOR_MAP) {
        // A key just ended: it must sort strictly after the previous key (§4.2.1).
        const ks = <usize>unchecked(stack[this.slot(l, L_KEY)]);
        const kl = <i32>(this.p - ks);
        const pl = unchecked(stack[this.slot(l, L_PREVLEN)]);
        if (pl != NO_KEY && compareBytes(ks, kl, <usize>unchecked(stack[this.slot(l, L_PREV)]), <i32>pl) <= 0) return this.fail(E_CORRUPT);
        unchecked((stack[this.slot(l, L_PREV)] = <u32>ks));
        unchecked((stack[this.slot(l, L_PREVLEN)] = <u32>kl));
      }
      if (rem != 0) break;
      this.depth = l;
    }
    return OK;
  }

  /** Consumes one whole item with everything inside it; afterwards it is [start, pos()). */
  skip(): i32 {
    const d = this.depth;
    const k = this.next();
    if (k < 0) return k;
    const s = this.start;
    while (this.depth > d) {
      const r = this.next();
      if (r < 0) return r;
    }
    this.start = s;
    return OK;
  }

  /** The value of the current CBOR_FLOAT item. */
  float(): f64 {
    return reinterpret<f64>(this.arg);
  }

  /** next(), requiring kind `want`; a different kind is E_CORRUPT. */
  @inline private want(kind: i32): bool {
    const k = this.next();
    if (k == kind) return true;
    if (k >= 0) this.fail(E_CORRUPT);
    return false;
  }

  readUint(): u64 {
    return this.want(CBOR_UINT) ? this.arg : 0;
  }

  /** An integer that fits i64; E_LIMIT for the rest of the CBOR range. */
  readInt(): i64 {
    const k = this.next();
    if (k == CBOR_UINT || k == CBOR_NINT) {
      if (this.arg > <u64>i64.MAX_VALUE) {
        this.fail(E_LIMIT);
        return 0;
      }
      return k == CBOR_UINT ? <i64>this.arg : -1 - <i64>this.arg;
    }
    if (k >= 0) this.fail(E_CORRUPT);
    return 0;
  }

  /** A byte string: returns its length, payload at ptr. */
  readBytes(): i32 {
    return this.want(CBOR_BYTES) ? this.len : 0;
  }

  /** A text string: returns its length, UTF-8 payload at ptr. */
  readText(): i32 {
    return this.want(CBOR_TEXT) ? this.len : 0;
  }

  /** An array header: returns its count. */
  readArray(): i32 {
    return this.want(CBOR_ARRAY) ? this.len : 0;
  }

  /** A map header: returns its number of pairs. */
  readMap(): i32 {
    return this.want(CBOR_MAP) ? this.len : 0;
  }

  readTag(): u64 {
    return this.want(CBOR_TAG) ? this.arg : 0;
  }

  /** A tag that must be t (E_CORRUPT otherwise). */
  expectTag(t: u64): bool {
    if (this.readTag() == t && this.err == OK) return true;
    this.fail(E_CORRUPT);
    return false;
  }

  readBool(): bool {
    if (!this.want(CBOR_SIMPLE)) return false;
    if (this.arg == SIMPLE_TRUE) return true;
    if (this.arg != SIMPLE_FALSE) this.fail(E_CORRUPT);
    return false;
  }

  readNull(): void {
    if (this.want(CBOR_SIMPLE) && this.arg != SIMPLE_NULL) this.fail(E_CORRUPT);
  }

  readFloat(): f64 {
    return this.want(CBOR_FLOAT) ? this.float() : 0;
  }
}
