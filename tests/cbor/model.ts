// Test-side CBOR model, written from RFC 8949 independently of assembly/cbor: a
// typed value tree, a reference deterministic encoder (§4.2.1), a "noisy" encoder
// that produces valid but non-deterministic encodings of the same value, the
// decoder for cbor_walk events, and the mapping to what cbor-x decodes.
import type { Core } from "../../host/runtime/index.ts";

export type V =
  | { t: "uint"; v: bigint }
  | { t: "nint"; v: bigint } // the value -1 - v
  | { t: "bytes"; v: Uint8Array }
  | { t: "text"; v: string }
  | { t: "array"; v: V[] }
  | { t: "map"; v: [V, V][] }
  | { t: "tag"; tag: bigint; v: V }
  | { t: "simple"; v: number }
  | { t: "float"; bits: bigint }; // IEEE-754 double bits

export const U64_MAX = (1n << 64n) - 1n;

export const uint = (v: number | bigint): V => ({ t: "uint", v: BigInt(v) });
export const int = (v: number | bigint): V => (BigInt(v) >= 0n ? uint(v) : { t: "nint", v: -1n - BigInt(v) });
export const text = (v: string): V => ({ t: "text", v });
export const bytes = (...v: number[]): V => ({ t: "bytes", v: Uint8Array.from(v) });
export const arr = (...v: V[]): V => ({ t: "array", v });
export const map = (...v: [V, V][]): V => ({ t: "map", v });
export const tag = (t: number | bigint, v: V): V => ({ t: "tag", tag: BigInt(t), v });
export const simple = (v: number): V => ({ t: "simple", v });
export const float = (x: number): V => ({ t: "float", bits: doubleBits(x) });

export function doubleBits(x: number): bigint {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setFloat64(0, x);
  return dv.getBigUint64(0);
}

export function bitsDouble(b: bigint): number {
  const dv = new DataView(new ArrayBuffer(8));
  dv.setBigUint64(0, b);
  return dv.getFloat64(0);
}

// ---- floats: which widths hold a double exactly, by arithmetic on the value ----

const MANT_MASK = (1n << 52n) - 1n;

/** Half bits of x if binary16 holds it exactly, else null. */
export function halfOf(bits: bigint): number | null {
  const sign = Number(bits >> 63n) << 15;
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = bits & MANT_MASK;
  if (exp === 0x7ff) return (mant & ((1n << 42n) - 1n)) === 0n ? sign | 0x7c00 | Number(mant >> 42n) : null;
  const x = Math.abs(bitsDouble(bits));
  if (x === 0) return sign;
  if (x > 65504) return null;
  const units = x * 2 ** 24; // subnormal unit is 2^-24
  if (x < 2 ** -14) return Number.isInteger(units) ? sign | units : null;
  let e = -14;
  while (2 ** (e + 1) <= x) e++;
  const m = x / 2 ** (e - 10); // 1024..2047 when exact
  return Number.isInteger(m) ? sign | ((e + 15) << 10) | (m - 1024) : null;
}

/** Single bits of x if binary32 holds it exactly, else null. */
export function singleOf(bits: bigint): number | null {
  const exp = Number((bits >> 52n) & 0x7ffn);
  const mant = bits & MANT_MASK;
  if (exp === 0x7ff) {
    if ((mant & ((1n << 29n) - 1n)) !== 0n) return null;
    return ((Number(bits >> 63n) << 31) | 0x7f800000 | Number(mant >> 29n)) >>> 0;
  }
  const x = bitsDouble(bits);
  if (Math.fround(x) !== x) return null;
  const dv = new DataView(new ArrayBuffer(4));
  dv.setFloat32(0, x); // ±0 keeps its sign
  return dv.getUint32(0);
}

// ---- encoders ----

function head(out: number[], major: number, arg: bigint, width: number): void {
  // width: 0 = in the initial byte, else 1/2/4/8 argument bytes.
  if (width === 0) {
    out.push((major << 5) | Number(arg));
    return;
  }
  out.push((major << 5) | { 1: 24, 2: 25, 4: 26, 8: 27 }[width]!);
  for (let i = width - 1; i >= 0; i--) out.push(Number((arg >> BigInt(8 * i)) & 0xffn));
}

function minWidth(arg: bigint): number {
  if (arg < 24n) return 0;
  if (arg < 0x100n) return 1;
  if (arg < 0x10000n) return 2;
  if (arg < 0x100000000n) return 4;
  return 8;
}

export function cmpBytes(a: Uint8Array | number[], b: Uint8Array | number[]): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/** Chooses how a value is laid out: argument widths, float width, map order. */
interface Style {
  width(minimum: number, isString?: boolean): number;
  floatWidth(fits: number[]): number;
  order<T>(entries: T[]): T[];
}

const canonicalStyle: Style = {
  width: (m) => m,
  floatWidth: (fits) => fits[0],
  order: (e) => e,
};

function enc(v: V, out: number[], s: Style, canonical: boolean): void {
  switch (v.t) {
    case "uint":
    case "nint":
      head(out, v.t === "uint" ? 0 : 1, v.v, s.width(minWidth(v.v)));
      return;
    case "bytes":
    case "text": {
      const b = v.t === "bytes" ? v.v : new TextEncoder().encode(v.v);
      head(out, v.t === "bytes" ? 2 : 3, BigInt(b.length), s.width(minWidth(BigInt(b.length)), true));
      out.push(...b);
      return;
    }
    case "array":
      head(out, 4, BigInt(v.v.length), s.width(minWidth(BigInt(v.v.length))));
      for (const x of v.v) enc(x, out, s, canonical);
      return;
    case "map": {
      head(out, 5, BigInt(v.v.length), s.width(minWidth(BigInt(v.v.length))));
      const entries = v.v.map(([k, x]) => {
        const kb: number[] = [];
        enc(k, kb, s, canonical);
        const vb: number[] = [];
        enc(x, vb, s, canonical);
        return { kb, vb };
      });
      const ordered = canonical ? entries.sort((a, b) => cmpBytes(a.kb, b.kb)) : s.order(entries);
      for (const e of ordered) out.push(...e.kb, ...e.vb);
      return;
    }
    case "tag":
      head(out, 6, v.tag, s.width(minWidth(v.tag)));
      enc(v.v, out, s, canonical);
      return;
    case "simple":
      if (v.v < 24) out.push(0xe0 | v.v);
      else out.push(0xf8, v.v);
      return;
    case "float": {
      const h = halfOf(v.bits);
      const f = singleOf(v.bits);
      const fits = [...(h !== null ? [2] : []), ...(f !== null ? [4] : []), 8];
      const w = s.floatWidth(fits);
      if (w === 2) out.push(0xf9, h! >> 8, h! & 0xff);
      else if (w === 4) out.push(0xfa, (f! >>> 24) & 0xff, (f! >>> 16) & 0xff, (f! >>> 8) & 0xff, f! & 0xff);
      else head(out, 7, v.bits, 8);
      return;
    }
  }
}

/** The deterministic encoding of RFC 8949 §4.2.1. */
export function encodeCanonical(v: V): Uint8Array {
  const out: number[] = [];
  enc(v, out, canonicalStyle, true);
  return Uint8Array.from(out);
}

/**
 * A valid, usually non-deterministic encoding of v: wider arguments and floats,
 * shuffled maps. stringWidthMax caps string length arguments (cbor-x 1.6.9 fails
 * on 8-byte text string lengths such as 7b0000000000000000).
 */
export function encodeNoisy(v: V, rand: () => number, stringWidthMax = 8): Uint8Array {
  const style: Style = {
    width: (m, isString) => {
      const options = [1, 2, 4, 8].filter((w) => w >= m && (!isString || w <= stringWidthMax));
      return rand() < 0.6 ? m : options[Math.floor(rand() * options.length)];
    },
    floatWidth: (fits) => fits[Math.floor(rand() * fits.length)],
    order: (e) => {
      const a = [...e];
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(rand() * (i + 1));
        [a[i], a[j]] = [a[j], a[i]];
      }
      return a;
    },
  };
  const out: number[] = [];
  enc(v, out, style, false);
  return Uint8Array.from(out);
}

/** A deterministic pseudo-random stream (xorshift32) for encodeNoisy, from a fast-check seed. */
export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
}

/** v with every map in canonical key order (what decoding the canonical encoding yields). */
export function sortedModel(v: V): V {
  switch (v.t) {
    case "array":
      return { t: "array", v: v.v.map(sortedModel) };
    case "map":
      return {
        t: "map",
        v: v.v
          .map(([k, x]) => [sortedModel(k), sortedModel(x)] as [V, V])
          .sort((a, b) => cmpBytes(encodeCanonical(a[0]), encodeCanonical(b[0]))),
      };
    case "tag":
      return { t: "tag", tag: v.tag, v: sortedModel(v.v) };
    default:
      return v;
  }
}

// ---- the core's exports ----

export const E = { OK: 0, E_INVAL: -1, E_BOUNDS: -2, E_CORRUPT: -5, E_LIMIT: -13, E_UNSUPPORTED: -15 } as const;

export function check(core: Core, b: Uint8Array, flags: number): number {
  return core.with([b], ([p]) => core.call("cbor_check", p, b.length, flags));
}

/** The canonical re-encoding, or the error code. */
export function canonicalize(core: Core, b: Uint8Array, cap = b.length * 2 + 16): Uint8Array | number {
  return core.with([b, cap], ([p, o]) => {
    const n = core.call("cbor_canonicalize", p, b.length, o, cap);
    return n < 0 ? n : core.read(o, n);
  });
}

/** Decodes through cbor_walk into the model, or returns the error code. */
export function walk(core: Core, b: Uint8Array, flags = 0): V | number {
  const cap = 16 * Math.min(b.length + 1, 2048); // fits a 2-page core; more events than that: E_BOUNDS
  const events = core.with([b, cap], ([p, o]) => {
    const n = core.call("cbor_walk", p, b.length, flags, o, cap);
    return n < 0 ? n : core.read(o, n * 16);
  });
  if (typeof events === "number") return events;
  const dv = new DataView(events.buffer, events.byteOffset, events.byteLength);
  let i = 0;
  const next = (): V => {
    const at = i * 16;
    i++;
    const kind = dv.getUint8(at);
    const off = dv.getUint32(at + 4, true);
    const arg = dv.getBigUint64(at + 8, true);
    switch (kind) {
      case 0:
        return { t: "uint", v: arg };
      case 1:
        return { t: "nint", v: arg };
      case 2:
        return { t: "bytes", v: b.slice(off, off + Number(arg)) };
      case 3:
        return { t: "text", v: new TextDecoder("utf-8", { fatal: true }).decode(b.subarray(off, off + Number(arg))) };
      case 4:
        return { t: "array", v: Array.from({ length: Number(arg) }, () => next()) };
      case 5:
        return { t: "map", v: Array.from({ length: Number(arg) }, () => [next(), next()] as [V, V]) };
      case 6:
        return { t: "tag", tag: arg, v: next() };
      case 7:
        return { t: "simple", v: Number(arg) };
      case 8:
        return { t: "float", bits: arg };
      default:
        throw new Error(`cbor_walk: unknown kind ${kind}`);
    }
  };
  const v = next();
  if (i * 16 !== events.length) throw new Error("cbor_walk: events left over");
  return v;
}

// ---- what cbor-x (Decoder with mapsAsObjects: false) decodes a value to ----

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const int53 = (x: bigint): number | bigint => (x <= SAFE && x >= -SAFE ? Number(x) : x);

/**
 * The JS value cbor-x (Decoder with mapsAsObjects: false) yields for v, after
 * norm(): integers as numbers when safe, else bigints; tags as { tag, value }.
 * Only for the subset cbor-x decodes without extensions (simple values 20..23,
 * tags it does not interpret).
 */
export function toCborx(v: V): unknown {
  switch (v.t) {
    case "uint":
      return int53(v.v);
    case "nint":
      return int53(-1n - v.v);
    case "bytes":
      return Buffer.from(v.v);
    case "text":
      return v.v;
    case "array":
      return v.v.map(toCborx);
    case "map":
      return new Map(v.v.map(([k, x]) => [toCborx(k), toCborx(x)]));
    case "tag":
      return { tag: int53(v.tag), value: toCborx(v.v) };
    case "simple":
      return [false, true, null, undefined][v.v - 20];
    case "float":
      return bitsDouble(v.bits);
  }
}

/** Normalises a cbor-x decoding for comparison with toCborx (integer width is not a value). */
export function norm(x: unknown): unknown {
  if (typeof x === "bigint") return int53(x);
  if (Array.isArray(x)) return x.map(norm);
  if (x instanceof Map) return new Map([...x].map(([k, v]) => [norm(k), norm(v)]));
  if (Buffer.isBuffer(x)) return Buffer.from(x);
  if (x instanceof Uint8Array) return Buffer.from(x);
  if (x !== null && typeof x === "object" && x.constructor?.name === "Tag") {
    const t = x as { tag: number | bigint; value: unknown };
    return { tag: int53(BigInt(t.tag)), value: norm(t.value) };
  }
  return x;
}

export const hex = (b: Uint8Array | number): string => (typeof b === "number" ? `error ${b}` : Buffer.from(b).toString("hex"));
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s.replace(/\s/g, ""), "hex"));
