// Fuzzing the decoder and canonicalizer with random bytes and with mutated valid
// encodings (bit flips, truncations, insertions, deletions, length fields
// inflated to huge values, deep nesting), on every build: nothing traps, every
// result is OK or one of the documented error codes, and the exports agree with
// each other. NYMOTE_LONG=1 runs 50 times more cases.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Core } from "../../host/runtime/index.ts";
import { value } from "./arbitrary.ts";
import { canonicalize, check, E, encodeNoisy, hex, rng, walk } from "./model.ts";

const LONG = process.env.NYMOTE_LONG === "1";
const runs = (n: number) => (LONG ? n * 50 : n);

const DECODE_ERRORS: number[] = [E.E_CORRUPT, E.E_LIMIT, E.E_UNSUPPORTED];

/** Every export on one input; asserts the invariants that tie them together. */
function probe(core: Core, b: Uint8Array): void {
  const strict = check(core, b, 0);
  const canonical = check(core, b, 1);
  assert.ok(strict === E.OK || DECODE_ERRORS.includes(strict), `check strict ${strict} for ${hex(b)}`);
  assert.ok(canonical === E.OK || DECODE_ERRORS.includes(canonical), `check canonical ${canonical}`);
  if (canonical === E.OK) assert.equal(strict, E.OK, "canonical input is valid input");
  const tree = walk(core, b);
  if (strict === E.OK) assert.equal(typeof tree, "object", `walk ${tree} where check is OK for ${hex(b)}`);
  else assert.equal(tree, strict, "walk fails like check");
  // The canonical form is never longer than the input, so cap = input length suffices.
  const out = canonicalize(core, b, b.length);
  if (typeof out === "number") {
    // Duplicate map keys are only found by canonicalize; otherwise it fails like check.
    assert.ok(out === E.E_CORRUPT || out === strict, `canonicalize ${out} vs check ${strict} for ${hex(b)}`);
    if (canonical === E.OK) assert.fail(`canonical input ${hex(b)} failed to canonicalize: ${out}`);
  } else {
    assert.equal(strict, E.OK);
    assert.equal(check(core, out, 1), E.OK, `canonical output ${hex(out)} of ${hex(b)}`);
    assert.equal(hex(canonicalize(core, out)), hex(out), "idempotent");
    if (canonical === E.OK) assert.equal(hex(out), hex(b), "canonical input is its own canonical form");
  }
  assert.ok(!core.isDead);
}

const inflatedHeaders = [
  [0x5b, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x7b, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff],
  [0x9b, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00],
  [0xbb, 0x80, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00],
  [0xba, 0x7f, 0xff, 0xff, 0xff],
  [0x5a, 0xff, 0xff, 0xff, 0xfe],
  [0x99, 0xff, 0xff],
  [0x78, 0xff],
];

type Mutation =
  | { op: "flip"; at: number; bit: number }
  | { op: "truncate"; at: number }
  | { op: "insert"; at: number; byte: number }
  | { op: "delete"; at: number }
  | { op: "inflate"; at: number; which: number };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ op: fc.constant("flip" as const), at: fc.nat(), bit: fc.integer({ min: 0, max: 7 }) }),
  fc.record({ op: fc.constant("truncate" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("insert" as const), at: fc.nat(), byte: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ op: fc.constant("delete" as const), at: fc.nat() }),
  fc.record({ op: fc.constant("inflate" as const), at: fc.nat(), which: fc.nat({ max: inflatedHeaders.length - 1 }) }),
);

function mutate(b: Uint8Array, muts: Mutation[]): Uint8Array {
  let a = [...b];
  for (const m of muts) {
    const at = a.length === 0 ? 0 : m.at % a.length;
    if (m.op === "flip" && a.length > 0) a[at] ^= 1 << m.bit;
    else if (m.op === "truncate") a = a.slice(0, at);
    else if (m.op === "insert") a.splice(at, 0, m.byte);
    else if (m.op === "delete") a.splice(at, 1);
    else if (m.op === "inflate") a.splice(at, 1, ...inflatedHeaders[m.which]);
  }
  return Uint8Array.from(a);
}

for (const target of ["debug", "release", "gateway"] as const) {
  const core = new Core(target);

  test(`random bytes never trap (${target})`, () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), (b) => probe(core, b)),
      { numRuns: runs(1500) },
    );
    // Every one- and two-byte input.
    for (let i = 0; i < 256; i++) {
      probe(core, Uint8Array.of(i));
      for (let j = 0; j < 256; j += 7) probe(core, Uint8Array.of(i, j));
    }
  });

  test(`mutated valid encodings never trap (${target})`, () => {
    fc.assert(
      fc.property(value({ cborx: false, depth: 4 }), fc.integer(), fc.array(mutation, { minLength: 1, maxLength: 4 }), (v, seed, muts) =>
        probe(core, mutate(encodeNoisy(v, rng(seed)), muts)),
      ),
      { numRuns: runs(1500) },
    );
  });

  test(`deep nesting stops at the depth bound (${target})`, () => {
    for (const unit of [[0x81], [0xc6], [0xa1, 0x00], [0xa1]]) {
      for (const n of [31, 32, 33, 1000, 5000]) {
        const b = Uint8Array.from([...Array.from({ length: n }, () => unit).flat(), 0x00]);
        // a1 a1 ... 00: maps as keys whose values never come. The 33rd map has one byte
        // left for its two items (E_CORRUPT); deeper inputs hit the depth bound first.
        const complete = unit.length === 2 || unit[0] !== 0xa1;
        const expected = complete ? (n > 32 ? E.E_LIMIT : E.OK) : n > 33 ? E.E_LIMIT : E.E_CORRUPT;
        assert.equal(check(core, b, 0), expected, `${hex(b.subarray(0, 4))}... x${n}`);
        probe(core, b);
      }
    }
  });
}
