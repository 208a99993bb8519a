// RFC 8949 Appendix A: every example decodes to the value the RFC gives (and to
// what cbor-x decodes); the deterministic ones re-encode to the same bytes and pass
// the canonical check; the others canonicalize to the reference encoding; the
// indefinite-length ones are refused, on the debug and the release build.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Decoder } from "cbor-x";
import { Core } from "../../host/runtime/index.ts";
import {
  arr,
  bytes,
  canonicalize,
  check,
  E,
  encodeCanonical,
  float,
  hex,
  int,
  map,
  norm,
  simple,
  tag,
  text,
  toCborx,
  U64_MAX,
  uint,
  unhex,
  type V,
  walk,
} from "./model.ts";

const NAN_BITS = 0x7ff8000000000000n;
const nan: V = { t: "float", bits: NAN_BITS };
const range = (a: number, b: number) => Array.from({ length: b - a + 1 }, (_, i) => uint(a + i));

// [encoding, value from the RFC's diagnostic column, cbor-x decodes it as plain data]
const examples: [string, V, boolean][] = [
  ["00", uint(0), true],
  ["01", uint(1), true],
  ["0a", uint(10), true],
  ["17", uint(23), true],
  ["1818", uint(24), true],
  ["1819", uint(25), true],
  ["1864", uint(100), true],
  ["1903e8", uint(1000), true],
  ["1a000f4240", uint(1000000), true],
  ["1b000000e8d4a51000", uint(1000000000000), true],
  ["1bffffffffffffffff", uint(U64_MAX), true],
  ["c249010000000000000000", tag(2, bytes(1, 0, 0, 0, 0, 0, 0, 0, 0)), false],
  ["3bffffffffffffffff", int(-(1n << 64n)), true],
  ["c349010000000000000000", tag(3, bytes(1, 0, 0, 0, 0, 0, 0, 0, 0)), false],
  ["20", int(-1), true],
  ["29", int(-10), true],
  ["3863", int(-100), true],
  ["3903e7", int(-1000), true],
  ["f90000", float(0), true],
  ["f98000", float(-0), true],
  ["f93c00", float(1), true],
  ["fb3ff199999999999a", float(1.1), true],
  ["f93e00", float(1.5), true],
  ["f97bff", float(65504), true],
  ["fa47c35000", float(100000), true],
  ["fa7f7fffff", float(3.4028234663852886e38), true],
  ["fb7e37e43c8800759c", float(1.0e300), true],
  ["f90001", float(2 ** -24), true], // 5.960464477539063e-8
  ["f90400", float(0.00006103515625), true],
  ["f9c400", float(-4), true],
  ["fbc010666666666666", float(-4.1), true],
  ["f97c00", float(Infinity), true],
  ["f97e00", nan, true],
  ["f9fc00", float(-Infinity), true],
  ["fa7f800000", float(Infinity), true],
  ["fa7fc00000", nan, true],
  ["faff800000", float(-Infinity), true],
  ["fb7ff0000000000000", float(Infinity), true],
  ["fb7ff8000000000000", nan, true],
  ["fbfff0000000000000", float(-Infinity), true],
  ["f4", simple(20), true],
  ["f5", simple(21), true],
  ["f6", simple(22), true],
  ["f7", simple(23), true],
  ["f0", simple(16), false],
  ["f8ff", simple(255), false],
  ["c074323031332d30332d32315432303a30343a30305a", tag(0, text("2013-03-21T20:04:00Z")), false],
  ["c11a514b67b0", tag(1, uint(1363896240)), false],
  ["c1fb41d452d9ec200000", tag(1, float(1363896240.5)), false],
  ["d74401020304", tag(23, bytes(1, 2, 3, 4)), true],
  ["d818456449455446", tag(24, bytes(0x64, 0x49, 0x45, 0x54, 0x46)), true],
  ["d82076687474703a2f2f7777772e6578616d706c652e636f6d", tag(32, text("http://www.example.com")), true],
  ["40", bytes(), true],
  ["4401020304", bytes(1, 2, 3, 4), true],
  ["60", text(""), true],
  ["6161", text("a"), true],
  ["6449455446", text("IETF"), true],
  ["62225c", text('"\\'), true],
  ["62c3bc", text("\u00fc"), true],
  ["63e6b0b4", text("\u6c34"), true],
  ["64f0908591", text("\ud800\udd51"), true],
  ["80", arr(), true],
  ["83010203", arr(uint(1), uint(2), uint(3)), true],
  ["8301820203820405", arr(uint(1), arr(uint(2), uint(3)), arr(uint(4), uint(5))), true],
  ["98190102030405060708090a0b0c0d0e0f101112131415161718181819", arr(...range(1, 25)), true],
  ["a0", map(), true],
  ["a201020304", map([uint(1), uint(2)], [uint(3), uint(4)]), true],
  ["a26161016162820203", map([text("a"), uint(1)], [text("b"), arr(uint(2), uint(3))]), true],
  ["826161a161626163", arr(text("a"), map([text("b"), text("c")])), true],
  [
    "a56161614161626142616361436164614461656145",
    map([text("a"), text("A")], [text("b"), text("B")], [text("c"), text("C")], [text("d"), text("D")], [text("e"), text("E")]),
    true,
  ],
];

// Indefinite-length examples: well-formed CBOR this decoder refuses (strict mode).
const indefinite = [
  "5f42010243030405ff",
  "7f657374726561646d696e67ff",
  "9fff",
  "9f018202039f0405ffff",
  "9f01820203820405ff",
  "83018202039f0405ff",
  "83019f0203ff820405",
  "9f0102030405060708090a0b0c0d0e0f101112131415161718181819ff",
  "bf61610161629f0203ffff",
  "826161bf61626163ff",
  "bf6346756ef563416d7421ff",
];

const cborx = new Decoder({ mapsAsObjects: false, useRecords: false });

for (const target of ["debug", "release"] as const) {
  const core = new Core(target);

  test(`Appendix A examples decode to the RFC's values (${target})`, () => {
    for (const [h, value, plain] of examples) {
      const b = unhex(h);
      assert.equal(check(core, b, 0), E.OK, h);
      assert.deepEqual(walk(core, b), value, h);
      if (plain) assert.deepEqual(norm(cborx.decode(b)), toCborx(value), `cbor-x vs model for ${h}`);
    }
  });

  test(`Appendix A: deterministic examples re-encode to themselves, the rest to the reference (${target})`, () => {
    let deterministic = 0;
    for (const [h, value] of examples) {
      const b = unhex(h);
      const ref = encodeCanonical(value);
      assert.equal(hex(canonicalize(core, b)), hex(ref), h);
      if (hex(ref) === h) {
        deterministic++;
        assert.equal(check(core, b, 1), E.OK, `canonical check ${h}`);
      } else {
        assert.equal(check(core, b, 1), E.E_CORRUPT, `canonical check ${h}`);
        assert.equal(check(core, ref, 1), E.OK, `canonical check of ${hex(ref)}`);
      }
    }
    // Only the single and double encodings of ±Infinity and NaN are not deterministic.
    assert.equal(examples.length - deterministic, 6);
  });

  test(`Appendix A indefinite-length examples are refused (${target})`, () => {
    for (const h of indefinite) {
      const b = unhex(h);
      assert.equal(check(core, b, 0), E.E_UNSUPPORTED, h);
      assert.equal(canonicalize(core, b), E.E_UNSUPPORTED, h);
      assert.equal(walk(core, b), E.E_UNSUPPORTED, h);
    }
  });
}
