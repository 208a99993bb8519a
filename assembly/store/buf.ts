// A growable byte buffer for assembling one object body (a tree level, a commit,
// a merged value). It grows by doubling up to OBJECT_MAX and reports E_NOMEM past
// it, so a too-large object is an error code, never an out-of-memory trap.
import { E_NOMEM, OK } from "../abi/errors";
import { OBJECT_MAX } from "./limits";

export class Buf {
  ptr: usize = 0;
  len: i32 = 0;
  cap: i32 = 0;
  /** Sticky: the first failure is kept and every later push is a no-op. */
  err: i32 = OK;

  constructor(initial: i32 = 256) {
    this.cap = initial;
    this.ptr = heap.alloc(<usize>initial);
  }

  reserve(extra: i32): bool {
    if (this.err != OK) return false;
    const need = <i64>this.len + <i64>extra;
    if (need <= <i64>this.cap) return true;
    if (need > <i64>OBJECT_MAX) {
      this.err = E_NOMEM;
      return false;
    }
    let cap = this.cap;
    while (<i64>cap < need) cap = cap << 1;
    if (cap > OBJECT_MAX) cap = OBJECT_MAX;
    this.ptr = heap.realloc(this.ptr, <usize>cap);
    this.cap = cap;
    return true;
  }

  push(p: usize, n: i32): void {
    if (n <= 0 || !this.reserve(n)) return;
    memory.copy(this.ptr + <usize>this.len, p, <usize>n);
    this.len += n;
  }

  byte(b: i32): void {
    if (!this.reserve(1)) return;
    store<u8>(this.ptr + <usize>this.len, <u8>b);
    this.len++;
  }

  ascii(s: string): void {
    const n = s.length;
    if (!this.reserve(n)) return;
    for (let i = 0; i < n; i++) store<u8>(this.ptr + <usize>(this.len + i), <u8>s.charCodeAt(i));
    this.len += n;
  }

  /** Decimal digits of a non-negative integer. */
  decimal(v: i64): void {
    if (v < 0) {
      this.byte(0x2d);
      v = -v;
    }
    let div: i64 = 1;
    while (v / div >= 10) div *= 10;
    while (div > 0) {
      this.byte(0x30 + <i32>((v / div) % 10));
      div /= 10;
    }
  }

  /** Lower-case hex of n bytes (object ids in commit text). */
  hex(p: usize, n: i32): void {
    if (!this.reserve(n * 2)) return;
    writeHex(this.ptr + <usize>this.len, p, n);
    this.len += n * 2;
  }

  reset(): void {
    this.len = 0;
    this.err = OK;
  }

  free(): void {
    if (this.ptr != 0) heap.free(this.ptr);
    this.ptr = 0;
    this.cap = 0;
    this.len = 0;
  }
}

@inline
function hexDigit(v: i32): u8 {
  return <u8>(v < 10 ? 0x30 + v : 0x57 + v);
}

/** Whether the ASCII string s appears at [p+off, p+n). */
export function startsWith(p: usize, n: i32, off: i32, s: string): bool {
  const len = s.length;
  if (off + len > n) return false;
  for (let i = 0; i < len; i++) if (<u32>load<u8>(p + <usize>(off + i)) != <u32>s.charCodeAt(i)) return false;
  return true;
}

/** ASCII s in a heap block of its length (the caller frees it). */
export function asciiCopy(s: string): usize {
  const p = heap.alloc(<usize>s.length);
  writeAscii(p, s);
  return p;
}

/** Writes ASCII s (no length) at out; returns the next position. */
export function writeAscii(out: usize, s: string): usize {
  for (let i = 0; i < s.length; i++) store<u8>(out + <usize>i, <u8>s.charCodeAt(i));
  return out + <usize>s.length;
}

/** Writes the lower-case hex of [p, p+n) (2n bytes) at out. */
export function writeHex(out: usize, p: usize, n: i32): void {
  for (let i = 0; i < n; i++) {
    const b = <i32>load<u8>(p + <usize>i);
    store<u8>(out + <usize>(2 * i), hexDigit(b >> 4));
    store<u8>(out + <usize>(2 * i + 1), hexDigit(b & 15));
  }
}

/** Parses 2n lower- or upper-case hex digits into n bytes; false on a bad digit. */
export function parseHex(src: usize, n: i32, out: usize): bool {
  for (let i = 0; i < n; i++) {
    const hi = hexValue(<i32>load<u8>(src + <usize>(2 * i)));
    const lo = hexValue(<i32>load<u8>(src + <usize>(2 * i + 1)));
    if (hi < 0 || lo < 0) return false;
    store<u8>(out + <usize>i, <u8>((hi << 4) | lo));
  }
  return true;
}

@inline
function hexValue(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}
