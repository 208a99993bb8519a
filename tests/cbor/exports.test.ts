// The exports' argument checks: buffers outside memory, negative lengths, output
// buffers one byte too small — errors, never traps or writes past the buffer.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { Core } from "../../host/runtime/index.ts";
import { value } from "./arbitrary.ts";
import { canonicalize, E, encodeCanonical, hex } from "./model.ts";

for (const target of ["debug", "release"] as const) {
  const core = new Core(target);
  const end = core.memoryBytes;

  test(`exports refuse buffers outside memory and negative lengths (${target})`, () => {
    core.with([Uint8Array.of(0x00), 64], ([p, o]) => {
      assert.equal(core.call("cbor_check", end - 1, 2, 0), E.E_BOUNDS);
      assert.equal(core.call("cbor_check", 0xfffffff0, 32, 0), E.E_BOUNDS);
      assert.equal(core.call("cbor_check", p, -1, 0), E.E_INVAL);
      assert.equal(core.call("cbor_canonicalize", p, 1, end - 4, 8), E.E_BOUNDS);
      assert.equal(core.call("cbor_canonicalize", p, 1, o, -1), E.E_INVAL);
      assert.equal(core.call("cbor_walk", p, 1, 0, end, 16), E.E_BOUNDS);
      assert.equal(core.call("cbor_walk", p, 1, 0, o, -16), E.E_INVAL);
      // The same calls with good buffers succeed.
      assert.equal(core.call("cbor_check", p, 1, 0), E.OK);
      assert.equal(core.call("cbor_canonicalize", p, 1, o, 64), 1);
      assert.equal(core.call("cbor_walk", p, 1, 0, o, 64), 1);
    });
    assert.ok(!core.isDead);
  });

  test(`canonicalize and walk report E_BOUNDS for an output one byte short, and write nothing past it (${target})`, () => {
    fc.assert(
      fc.property(value({ cborx: false, depth: 3 }), (v) => {
        const b = encodeCanonical(v);
        const guard = 0xa5;
        for (const cap of [b.length, b.length - 1]) {
          if (cap < 0) continue;
          const r = core.with([b, cap + 8], ([p, o]) => {
            core.write(o, new Uint8Array(cap + 8).fill(guard));
            const n = core.call("cbor_canonicalize", p, b.length, o, cap);
            assert.ok(
              core.read(o + cap, 8).every((x) => x === guard),
              "wrote past cap",
            );
            return n;
          });
          assert.equal(r, cap === b.length ? b.length : E.E_BOUNDS);
        }
        assert.equal(hex(canonicalize(core, b, b.length)), hex(b));
        const events = core.with([b, 16 * (b.length + 1)], ([p, o]) => core.call("cbor_walk", p, b.length, 0, o, 16 * (b.length + 1)));
        assert.ok(events > 0);
        const short = core.with([b, 16 * events], ([p, o]) => core.call("cbor_walk", p, b.length, 0, o, 16 * events - 1));
        assert.equal(short, E.E_BOUNDS);
      }),
      { numRuns: 200 },
    );
  });
}
