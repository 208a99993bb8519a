// X25519: RFC 7748 §5.2 (including the iterated vectors) and §6.1, and random
// cross-checks against tweetnacl and libsodium for base and variable points,
// including u-coordinates with bit 255 set and points off the curve (twist).
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import sodium from "sodium-native";
import nacl from "tweetnacl";
import { cryptoFor, hex, LONG, RUNS, targets, unhex } from "./helpers.ts";

const v = JSON.parse(readFileSync(new URL("vectors/rfc7748.json", import.meta.url), "utf8")) as {
  scalarmult: { scalar: string; u: string; out: string }[];
  iterated: { start: string; after1: string; after1000: string; after1000000: string };
  dh: { aliceSk: string; alicePk: string; bobSk: string; bobPk: string; shared: string };
};

const bytes32 = fc.uint8Array({ minLength: 32, maxLength: 32 });

for (const target of targets) {
  describe(`X25519 (${target} build)`, () => {
    const nc = cryptoFor(target);

    test("crypto_x25519 returns E_AUTH exactly for an all-zero result", () => {
      const core = nc.core;
      core.with([new Uint8Array(32).fill(9), new Uint8Array(32), 32], ([n, u, out]) => {
        assert.equal(core.call("crypto_x25519", out, n, u), -6);
        core.write(u, unhex(v.dh.bobPk));
        assert.equal(core.call("crypto_x25519", out, n, u), 0);
      });
    });

    test("RFC 7748 §5.2 scalar multiplications", () => {
      for (const t of v.scalarmult) assert.equal(hex(nc.scalarMult(unhex(t.scalar), unhex(t.u))), t.out);
    });

    test(`RFC 7748 §5.2 iterated: 1 and 1,000${LONG ? " and 1,000,000" : ""} iterations`, () => {
      let k = unhex(v.iterated.start);
      let u = unhex(v.iterated.start);
      const step = () => {
        const r = nc.scalarMult(k, u);
        u = k;
        k = r;
      };
      step();
      assert.equal(hex(k), v.iterated.after1);
      for (let i = 1; i < 1000; i++) step();
      assert.equal(hex(k), v.iterated.after1000);
      if (LONG) {
        for (let i = 1000; i < 1_000_000; i++) step();
        assert.equal(hex(k), v.iterated.after1000000);
      }
    });

    test("RFC 7748 §6.1 Diffie-Hellman", () => {
      assert.equal(hex(nc.scalarMult.base(unhex(v.dh.aliceSk))), v.dh.alicePk);
      assert.equal(hex(nc.scalarMult.base(unhex(v.dh.bobSk))), v.dh.bobPk);
      assert.equal(hex(nc.scalarMult(unhex(v.dh.aliceSk), unhex(v.dh.bobPk))), v.dh.shared);
      assert.equal(hex(nc.scalarMult(unhex(v.dh.bobSk), unhex(v.dh.alicePk))), v.dh.shared);
    });

    test("scalarMult.base and scalarMult agree with tweetnacl and libsodium", () => {
      fc.assert(
        fc.property(bytes32, bytes32, (n, u) => {
          const pub = nc.scalarMult.base(n);
          assert.equal(hex(pub), hex(nacl.scalarMult.base(n)));
          const want = Buffer.alloc(32);
          sodium.crypto_scalarmult_base(want, Buffer.from(n));
          assert.equal(hex(pub), hex(want));
          // Arbitrary u (any of the 2^256 encodings, on the curve or its twist).
          const q = nc.scalarMult(n, u);
          assert.equal(hex(q), hex(nacl.scalarMult(n, u)));
          sodium.crypto_scalarmult(want, Buffer.from(n), Buffer.from(u));
          assert.equal(hex(q), hex(want));
        }),
        { numRuns: RUNS },
      );
    });

    test("low-order points give the all-zero result, as in tweetnacl (libsodium refuses)", () => {
      const n = new Uint8Array(32).fill(9);
      for (const u of [new Uint8Array(32), unhex(`01${"00".repeat(31)}`)]) {
        assert.equal(hex(nc.scalarMult(n, u)), "00".repeat(32));
        assert.equal(hex(nacl.scalarMult(n, u)), "00".repeat(32));
        assert.throws(() => sodium.crypto_scalarmult(Buffer.alloc(32), Buffer.from(n), Buffer.from(u)));
      }
    });

    test("bad lengths throw TypeError", () => {
      assert.throws(() => nc.scalarMult(new Uint8Array(31), new Uint8Array(32)), TypeError);
      assert.throws(() => nc.scalarMult(new Uint8Array(32), new Uint8Array(33)), TypeError);
      assert.throws(() => nc.scalarMult.base(new Uint8Array(0)), TypeError);
    });
  });
}
