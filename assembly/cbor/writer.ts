// Deterministic encoder (RFC 8949 §4.2.1): shortest arguments, definite lengths,
// shortest exact floats. Writes into one caller-owned buffer; never allocates
// after construction. Errors are sticky: the first one stops all later writes.
import { E_BOUNDS, E_CORRUPT, E_INVAL, OK } from "../abi/errors";
import { floatWidth, toHalf, toSingle } from "./float";
import {
  CBOR_ARRAY,
  CBOR_BYTES,
  CBOR_MAP,
  CBOR_NINT,
  CBOR_SIMPLE,
  CBOR_TAG,
  CBOR_TEXT,
  CBOR_UINT,
  SIMPLE_FALSE,
  SIMPLE_NULL,
  SIMPLE_TRUE,
  SIMPLE_UNDEFINED,
  shortestInfo,
} from "./head";
import { itemEnd, sortMapEntries } from "./sort";
import { utf8Encode, utf8Length, utf8Valid } from "./utf8";

export class CborWriter {
  private buf: usize;
  private cap: i32;
  private pos: i32 = 0;
  private err: i32 = OK;

  constructor(buf: usize, cap: i32) {
    this.buf = buf;
    this.cap = cap < 0 ? 0 : cap;
  }

  /** Starts over on a new buffer, clearing any error. */
  reset(buf: usize, cap: i32): void {
    this.buf = buf;
    this.cap = cap < 0 ? 0 : cap;
    this.pos = 0;
    this.err = OK;
  }

  /** Start of the output buffer (the output is [base(), base() + length())). */
  base(): usize {
    return this.buf;
  }

  /** Bytes written so far. */
  length(): i32 {
    return this.pos;
  }

  /** OK or the first error. */
  error(): i32 {
    return this.err;
  }

  /** length() if no error occurred, else the error. */
  finish(): i32 {
    return this.err != OK ? this.err : this.pos;
  }

  /** Records the first error; later writes are no-ops. */
  fail(code: i32): void {
    if (this.err == OK) this.err = code;
  }

  /** Reserves n bytes and returns their address, or 0 after recording E_BOUNDS. */
  private room(n: i32): usize {
    if (this.err != OK) return 0;
    if (n > this.cap - this.pos) {
      this.err = E_BOUNDS;
      return 0;
    }
    const p = this.buf + <usize>this.pos;
    this.pos += n;
    return p;
  }

  /** A header of major type `major` with the shortest encoding of arg, followed by
   *  room for `payload` more bytes (returned), all or nothing. */
  private item(major: i32, arg: u64, payload: i32): usize {
    const info = shortestInfo(arg);
    const extra = info < 24 ? 0 : 1 << (info - 24);
    if (payload > this.cap - this.pos - 1 - extra) {
      this.fail(E_BOUNDS);
      return 0;
    }
    const p = this.room(1 + extra + payload);
    if (p == 0) return 0;
    store<u8>(p, <u8>((major << 5) | info));
    if (extra == 1) store<u8>(p + 1, <u8>arg);
    else if (extra == 2) store<u16>(p + 1, bswap<u16>(<u16>arg));
    else if (extra == 4) store<u32>(p + 1, bswap<u32>(<u32>arg));
    else if (extra == 8) store<u64>(p + 1, bswap<u64>(arg));
    return p + 1 + <usize>extra;
  }

  /** A header of major type `major` with the shortest encoding of arg. */
  head(major: i32, arg: u64): void {
    this.item(major, arg, 0);
  }

  uint(v: u64): void {
    this.head(CBOR_UINT, v);
  }

  /** The negative integer -1 - n; nint(u64.MAX_VALUE) is -2^64. */
  nint(n: u64): void {
    this.head(CBOR_NINT, n);
  }

  int(v: i64): void {
    if (v >= 0) this.head(CBOR_UINT, <u64>v);
    else this.head(CBOR_NINT, <u64>(-1 - v));
  }

  /** Copies n pre-encoded bytes (an item span, or a string payload after its header). */
  raw(p: usize, n: i32): void {
    if (n < 0) return this.fail(E_INVAL);
    const d = this.room(n);
    if (d != 0) memory.copy(d, p, <usize>n);
  }

  bytes(p: usize, n: i32): void {
    if (n < 0) return this.fail(E_INVAL);
    const d = this.item(CBOR_BYTES, <u64>n, n);
    if (d != 0) memory.copy(d, p, <usize>n);
  }

  /** Text string; E_INVAL unless [p, p+n) is well-formed UTF-8 (§3.1). */
  text(p: usize, n: i32): void {
    if (n < 0 || !utf8Valid(p, n)) return this.fail(E_INVAL);
    const d = this.item(CBOR_TEXT, <u64>n, n);
    if (d != 0) memory.copy(d, p, <usize>n);
  }

  /** Text string from an AS string, encoded to UTF-8 in place; E_INVAL on a lone surrogate. */
  str(s: string): void {
    const n = utf8Length(s);
    if (n < 0) return this.fail(E_INVAL);
    const d = this.item(CBOR_TEXT, <u64>n, n);
    if (d != 0) utf8Encode(s, d);
  }

  /** Byte-string header; the caller then raw()s exactly n bytes. */
  bytesHeader(n: i32): void {
    if (n < 0) return this.fail(E_INVAL);
    this.head(CBOR_BYTES, <u64>n);
  }

  /** Text-string header; the caller then raw()s exactly n bytes of UTF-8 (not validated). */
  textHeader(n: i32): void {
    if (n < 0) return this.fail(E_INVAL);
    this.head(CBOR_TEXT, <u64>n);
  }

  array(count: u32): void {
    this.head(CBOR_ARRAY, <u64>count);
  }

  /** Map header: the caller writes `count` key/value pairs in §4.2.1 key order (or uses mapFrom). */
  map(count: u32): void {
    this.head(CBOR_MAP, <u64>count);
  }

  tag(t: u64): void {
    this.head(CBOR_TAG, t);
  }

  /** Simple value (§3.3): 0..23 in one byte, 32..255 in two; 24..31 are not simple values. */
  simple(v: u8): void {
    if (v >= 24 && v < 32) return this.fail(E_INVAL);
    this.head(CBOR_SIMPLE, <u64>v);
  }

  bool(b: bool): void {
    this.head(CBOR_SIMPLE, b ? SIMPLE_TRUE : SIMPLE_FALSE);
  }

  null(): void {
    this.head(CBOR_SIMPLE, SIMPLE_NULL);
  }

  undefined(): void {
    this.head(CBOR_SIMPLE, SIMPLE_UNDEFINED);
  }

  float(v: f64): void {
    this.floatBits(reinterpret<u64>(v));
  }

  /** The double with these IEEE-754 bits, in the shortest width that keeps every bit. */
  floatBits(bits: u64): void {
    const w = floatWidth(bits);
    const p = this.room(1 + w);
    if (p == 0) return;
    if (w == 2) {
      store<u8>(p, 0xf9);
      store<u16>(p + 1, bswap<u16>(toHalf(bits)));
    } else if (w == 4) {
      store<u8>(p, 0xfa);
      store<u32>(p + 1, bswap<u32>(toSingle(bits)));
    } else {
      store<u8>(p, 0xfb);
      store<u64>(p + 1, bswap<u64>(bits));
    }
  }

  /**
   * An array of `count` items taken from [p, p+n) as they are (e.g. merged
   * entries a scratch writer produced in order). A negative n (a scratch
   * writer's finish()) becomes this writer's error; E_CORRUPT unless the range is
   * exactly `count` well-formed items.
   */
  arrayFrom(p: usize, n: i32, count: i32): void {
    if (n < 0) return this.fail(n);
    if (count < 0 || <i64>count > <i64>n) return this.fail(count < 0 ? E_INVAL : E_CORRUPT);
    const end = p + <usize>n;
    let q = p;
    for (let i = 0; i < count; i++) {
      const e = itemEnd(q, end);
      if (e < 0) return this.fail(E_CORRUPT);
      q = <usize>e;
    }
    if (q != end) return this.fail(E_CORRUPT);
    const d = this.item(CBOR_ARRAY, <u64>count, n);
    if (d != 0) memory.copy(d, p, <usize>n);
  }

  /**
   * A map of `count` entries taken from [p, p+n) (key, value, ... in any order,
   * e.g. written by a scratch writer), emitted sorted by encoded key (§4.2.1).
   * A negative n (a scratch writer's finish()) becomes this writer's error.
   * E_INVAL on duplicate keys, E_CORRUPT if the entries do not parse.
   */
  mapFrom(p: usize, n: i32, count: i32): void {
    if (n < 0) return this.fail(n);
    if (count < 0) return this.fail(E_INVAL);
    const start = this.pos;
    const d = this.item(CBOR_MAP, <u64>count, n);
    if (d == 0) return;
    memory.copy(d, p, <usize>n);
    const r = sortMapEntries(d, n, count);
    if (r != OK) {
      this.pos = start;
      this.fail(r);
    }
  }
}
