// Random values, both ways against cbor-x and against the test's own reference
// encoder (tests/cbor/model.ts):
// - a valid but non-deterministic encoding decodes (strict) to the same value,
//   canonicalizes to exactly the reference deterministic encoding, and cbor-x
//   reads the same data from both;
// - whatever cbor-x encodes, we accept, and our canonical re-encoding decodes in
//   cbor-x to what cbor-x itself encoded.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Decoder, Encoder } from "cbor-x";
import fc from "fast-check";
import { Core } from "../../host/runtime/index.ts";
import { value } from "./arbitrary.ts";
import { canonicalize, check, doubleBits, E, encodeCanonical, encodeNoisy, hex, norm, rng, sortedModel, toCborx, walk } from "./model.ts";

const LONG = process.env.NYMOTE_LONG === "1";
const runs = (n: number) => (LONG ? n * 50 : n);

const cborx = new Decoder({ mapsAsObjects: false, useRecords: false });

/** A text string item around arbitrary payload bytes. */
function textItem(payload: Uint8Array): Uint8Array {
  const n = payload.length;
  const head = n < 24 ? [0x60 | n] : n < 256 ? [0x78, n] : [0x79, n >> 8, n & 0xff];
  return Uint8Array.from([...head, ...payload]);
}

/** UTF-8-ish bytes: encoded strings with a few bytes changed, and raw random bytes. */
const utf8ish = fc
  .oneof(
    fc.uint8Array({ maxLength: 12 }),
    fc
      .tuple(fc.string({ unit: "binary", maxLength: 8 }), fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })), { maxLength: 2 }))
      .map(([str, edits]) => {
        const b = new TextEncoder().encode(str);
        for (const [at, byte] of edits) if (b.length > 0) b[at % b.length] = byte;
        return b;
      }),
    fc.array(fc.constantFrom(0xc0, 0xc1, 0xc2, 0xdf, 0xe0, 0xed, 0xef, 0xf0, 0xf4, 0xf5, 0x80, 0x8f, 0x90, 0x9f, 0xa0, 0xbf, 0x41), {
      maxLength: 6,
    }),
  )
  .map((b) => new Uint8Array(b));

/** The double bits of a half, by arithmetic on its fields (NaN payloads by bits). */
function halfToDoubleBits(h: number): bigint {
  const sign = h >> 15 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const m = h & 0x3ff;
  if (e === 0x1f) return (BigInt(h >> 15) << 63n) | (0x7ffn << 52n) | (BigInt(m) << 42n);
  return doubleBits(sign * (e === 0 ? m * 2 ** -24 : (1 + m / 1024) * 2 ** (e - 15)));
}

/** The double bits of a single, through DataView (NaN payloads by bits). */
function singleToDoubleBits(s: number): bigint {
  if (((s >>> 23) & 0xff) === 0xff && (s & 0x7fffff) !== 0)
    return (BigInt(s >>> 31) << 63n) | (0x7ffn << 52n) | (BigInt(s & 0x7fffff) << 29n);
  const dv = new DataView(new ArrayBuffer(4));
  dv.setUint32(0, s);
  return doubleBits(dv.getFloat32(0));
}

for (const target of ["debug", "release"] as const) {
  const core = new Core(target);

  test(`every half, and random singles, widen exactly and re-encode in their shortest width (${target})`, () => {
    for (let h = 0; h < 0x10000; h++) {
      const b = Uint8Array.of(0xf9, h >> 8, h & 0xff);
      const v = walk(core, b, 1);
      assert.deepEqual(v, { t: "float", bits: halfToDoubleBits(h) }, `half ${h.toString(16)}`);
      assert.equal(hex(canonicalize(core, b)), hex(b));
    }
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 0xffffffff }), (s) => {
        const b = Uint8Array.of(0xfa, s >>> 24, (s >>> 16) & 0xff, (s >>> 8) & 0xff, s & 0xff);
        const bits = singleToDoubleBits(s);
        assert.deepEqual(walk(core, b), { t: "float", bits });
        assert.equal(hex(canonicalize(core, b)), hex(encodeCanonical({ t: "float", bits })));
      }),
      { numRuns: runs(3000) },
    );
  });

  test(`text strings are accepted exactly when the WHATWG fatal UTF-8 decoder accepts them (${target})`, () => {
    const fatal = new TextDecoder("utf-8", { fatal: true });
    fc.assert(
      fc.property(utf8ish, (payload) => {
        let valid = true;
        try {
          fatal.decode(payload);
        } catch {
          valid = false;
        }
        assert.equal(check(core, textItem(payload), 0), valid ? E.OK : E.E_CORRUPT, hex(payload));
      }),
      { numRuns: runs(2000) },
    );
  });

  test(`any encoding of a value canonicalizes to the reference deterministic encoding (${target})`, () => {
    fc.assert(
      fc.property(value({ cborx: false, depth: 4 }), fc.integer(), (v, seed) => {
        const noisy = encodeNoisy(v, rng(seed));
        const ref = encodeCanonical(v);
        assert.equal(check(core, noisy, 0), E.OK);
        assert.deepEqual(sortedModel(walk(core, noisy) as never), sortedModel(v));
        const canon = canonicalize(core, noisy, noisy.length); // never longer than the input
        assert.equal(hex(canon), hex(ref));
        assert.equal(check(core, ref, 1), E.OK);
        assert.deepEqual(walk(core, ref, 1), sortedModel(v));
        assert.equal(check(core, noisy, 1), hex(noisy) === hex(ref) ? E.OK : E.E_CORRUPT);
      }),
      { numRuns: runs(300) },
    );
  });

  test(`cbor-x reads the same data from a noisy encoding and from our canonical one (${target})`, () => {
    fc.assert(
      fc.property(value({ cborx: true, depth: 4 }), fc.integer(), (v, seed) => {
        const noisy = encodeNoisy(v, rng(seed), 4);
        const canon = canonicalize(core, noisy);
        assert.ok(typeof canon !== "number", `canonicalize failed: ${canon}`);
        const expected = toCborx(v);
        assert.deepEqual(norm(cborx.decode(noisy)), expected);
        assert.deepEqual(norm(cborx.decode(canon)), expected);
      }),
      { numRuns: runs(300) },
    );
  });

  test(`whatever cbor-x encodes we accept, and our canonical form decodes back in cbor-x (${target})`, () => {
    const encoders = [
      new Encoder({ mapsAsObjects: false, useRecords: false }),
      new Encoder({ mapsAsObjects: false, useRecords: false, useFloat32: 1, variableMapSize: true }),
    ];
    const key = fc.oneof(fc.string({ maxLength: 10 }), fc.integer(), fc.bigInt(-(2n ** 63n), 2n ** 64n - 1n));
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: "small", maxDepth: 4 },
        fc.integer(),
        fc.double(),
        fc.bigInt(-(2n ** 64n), 2n ** 64n - 1n),
        fc.string(),
        fc.boolean(),
        fc.constant(null),
        fc.constant(undefined),
        fc.uint8Array({ maxLength: 20 }).map((b) => Buffer.from(b)),
        fc.array(tie("tree"), { maxLength: 5 }),
        // 14 and 14n are distinct JS keys but one CBOR integer: such a map has a
        // duplicate key, which canonicalizing rightly refuses (tested below).
        fc
          .uniqueArray(fc.tuple(key, tie("tree")), { maxLength: 5, selector: ([k]) => (typeof k === "string" ? `s${k}` : `n${BigInt(k)}`) })
          .map((e) => new Map(e)),
      ),
    }));
    fc.assert(
      fc.property(tree, fc.integer({ min: 0, max: encoders.length - 1 }), (x, which) => {
        const bytes = new Uint8Array(encoders[which].encode(x));
        assert.equal(check(core, bytes, 0), E.OK, hex(bytes));
        const canon = canonicalize(core, bytes, bytes.length);
        assert.ok(typeof canon !== "number", `canonicalize failed: ${canon} for ${hex(bytes)}`);
        assert.equal(check(core, canon, 1), E.OK);
        assert.equal(hex(canonicalize(core, canon)), hex(canon), "idempotent");
        assert.deepEqual(norm(cborx.decode(canon)), norm(cborx.decode(bytes)));
        // An independent deterministic encoding of the decoded value.
        assert.equal(hex(encodeCanonical(sortedModel(walk(core, bytes) as never))), hex(canon));
      }),
      { numRuns: runs(300) },
    );
  });

  test(`a map whose keys are one integer in two encoding widths has a duplicate key: refused, not canonicalized (${target})`, () => {
    const encoder = new Encoder({ mapsAsObjects: false, useRecords: false });
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 2 ** 31 - 1 }), (k) => {
        const bytes = new Uint8Array(
          encoder.encode(
            new Map<unknown, unknown>([
              [k, 1],
              [BigInt(k), 2],
            ]),
          ),
        );
        assert.equal(canonicalize(core, bytes, bytes.length), E.E_CORRUPT, hex(bytes));
      }),
      { numRuns: runs(100) },
    );
  });
}
