// secretbox and box: the NaCl distribution's examples, random cross-checks
// against tweetnacl and libsodium (ciphertexts byte-equal; libsodium's _easy
// layout is tweetnacl's tag ‖ ciphertext), empty and > 64 KiB messages through
// the streaming exports, and every tampered box rejected. (HSalsa20, XSalsa20
// and Poly1305 alone: tests/assembly/crypto/fe.spec.ts.)
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import sodium from "sodium-native";
import nacl from "tweetnacl";
import { CHUNK } from "../../host/crypto/index.ts";
import { cryptoFor, hex, RUNS, targets, unhex } from "./helpers.ts";

const v = JSON.parse(readFileSync(new URL("vectors/nacl.json", import.meta.url), "utf8")) as Record<string, string>;

const key32 = fc.uint8Array({ minLength: 32, maxLength: 32 });
const nonce24 = fc.uint8Array({ minLength: 24, maxLength: 24 });
const message = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: CHUNK - 20, max: 5 * CHUNK }).map((n) => new Uint8Array(n).map((_, i) => (i * 11 + n) & 255)) },
);

const sodiumSecretbox = (m: Uint8Array, n: Uint8Array, k: Uint8Array) => {
  const out = Buffer.alloc(m.length + 16);
  sodium.crypto_secretbox_easy(out, Buffer.from(m), Buffer.from(n), Buffer.from(k));
  return out;
};

for (const target of targets) {
  describe(`secretbox and box (${target} build)`, () => {
    const nc = cryptoFor(target);

    test("NaCl examples: box, box.before, secretbox, and their opens", () => {
      const [m, c, nonce] = [unhex(v.m), unhex(v.c), unhex(v.nonce)];
      assert.equal(hex(nc.box.before(unhex(v.bobPk), unhex(v.aliceSk))), v.firstkey);
      assert.equal(hex(nc.box.before(unhex(v.alicePk), unhex(v.bobSk))), v.firstkey);
      assert.equal(hex(nc.box(m, nonce, unhex(v.bobPk), unhex(v.aliceSk))), v.c);
      assert.equal(hex(nc.box.open(c, nonce, unhex(v.alicePk), unhex(v.bobSk)) ?? new Uint8Array()), v.m);
      assert.equal(hex(nc.secretbox(m, nonce, unhex(v.firstkey))), v.c);
      assert.equal(hex(nc.secretbox.open(c, nonce, unhex(v.firstkey)) ?? new Uint8Array()), v.m);
      assert.equal(hex(nc.box.after(m, nonce, unhex(v.firstkey))), v.c);
    });

    test("secretbox equals tweetnacl and libsodium; open inverts it; any tampering is rejected", () => {
      fc.assert(
        fc.property(message, nonce24, key32, fc.nat(), (m, n, k, pick) => {
          const b = nc.secretbox(m, n, k);
          assert.equal(hex(b), hex(nacl.secretbox(m, n, k)));
          assert.equal(hex(b), hex(sodiumSecretbox(m, n, k)));
          assert.equal(hex(nc.secretbox.open(b, n, k) ?? new Uint8Array([1])), hex(m));
          const bad = b.slice();
          bad[pick % bad.length] ^= 1 << (pick % 8);
          assert.equal(nc.secretbox.open(bad, n, k), null);
          assert.equal(nacl.secretbox.open(bad, n, k), null);
          const badNonce = n.slice();
          badNonce[pick % 24] ^= 0x40;
          assert.equal(nc.secretbox.open(b, badNonce, k), null);
          assert.equal(nc.secretbox.open(b.subarray(0, b.length - 1), n, k), null);
        }),
        { numRuns: RUNS },
      );
    });

    test("box equals tweetnacl and libsodium for random key pairs", () => {
      let i = 0;
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), nonce24, key32, key32, (m, n, skA, skB) => {
          i++;
          const pkA = Buffer.alloc(32);
          const pkB = Buffer.alloc(32);
          sodium.crypto_scalarmult_base(pkA, Buffer.from(skA));
          sodium.crypto_scalarmult_base(pkB, Buffer.from(skB));
          const b = nc.box(m, n, pkB, skA);
          // tweetnacl's box costs ~10 ms (an X25519): every fifth case.
          if (i % 5 === 0) assert.equal(hex(b), hex(nacl.box(m, n, pkB, skA)));
          const want = Buffer.alloc(m.length + 16);
          sodium.crypto_box_easy(want, Buffer.from(m), Buffer.from(n), Buffer.from(pkB), Buffer.from(skA));
          assert.equal(hex(b), hex(want));
          assert.equal(hex(nc.box.open(b, n, pkA, skB) ?? new Uint8Array([1])), hex(m));
          if (i % 5 === 0) assert.equal(hex(nc.box.before(pkB, skA)), hex(nacl.box.before(pkB, skA)));
          const bad = b.slice();
          bad[0] ^= 1;
          assert.equal(nc.box.open(bad, n, pkA, skB), null);
        }),
        { numRuns: RUNS },
      );
    });

    test("empty and large messages (streaming, > 64 KiB) and truncated boxes", () => {
      const k = new Uint8Array(32).fill(5);
      const n = new Uint8Array(24).fill(6);
      for (const len of [0, 1, 15, 16, 17, CHUNK - 16, CHUNK - 15, CHUNK, CHUNK + 1, 64 * 1024 + 3, 300_001]) {
        const m = new Uint8Array(len).map((_, i) => (i * 29) & 255);
        const b = nc.secretbox(m, n, k);
        assert.equal(hex(b), hex(sodiumSecretbox(m, n, k)), `len ${len}`);
        assert.equal(hex(nc.secretbox.open(b, n, k) ?? new Uint8Array([1])), hex(m), `len ${len}`);
        // A flipped bit anywhere, including far past the first chunk, is caught.
        for (const at of new Set([0, 15, Math.min(16, b.length - 1), b.length - 1, Math.floor(b.length / 2)])) {
          const bad = b.slice();
          bad[at] ^= 0x10;
          assert.equal(nc.secretbox.open(bad, n, k), null, `len ${len} flip ${at}`);
        }
      }
      for (let len = 0; len < 16; len++) assert.equal(nc.secretbox.open(new Uint8Array(len), n, k), null);
    });

    test("streaming open releases no plaintext before the tag verifies", () => {
      const core = nc.core;
      const k = new Uint8Array(32).fill(1);
      const n = new Uint8Array(24).fill(2);
      const m = new Uint8Array(1000).fill(0x61);
      const b = nc.secretbox(m, n, k);
      b[500] ^= 1;
      core.with([n, k, b, b.length], ([pn, pk, pb, out]) => {
        assert.equal(core.call("crypto_secretbox_open_init", pn, pk, pb), 0);
        assert.equal(core.call("crypto_secretbox_open_decrypt", out, pb + 16, 100), -14);
        assert.equal(core.call("crypto_secretbox_open_update", pb + 16, b.length - 16), 0);
        assert.equal(core.call("crypto_secretbox_open_verify"), -6);
        assert.equal(core.call("crypto_secretbox_open_decrypt", out, pb + 16, 100), -14);
        core.call("crypto_secretbox_finish");
      });
    });

    test("low-order public keys: box throws, box.open returns null (libsodium's rule)", () => {
      const sk = new Uint8Array(32).fill(3);
      for (const pk of [
        new Uint8Array(32),
        unhex(`01${"00".repeat(31)}`),
        unhex("e0eb7a7c3b41b8ae1656e3faf19fc46ada098deb9c32b1fd866205165f49b800"),
      ]) {
        assert.throws(() => nc.box(new Uint8Array(3), new Uint8Array(24), pk, sk), RangeError);
        assert.throws(() => nc.box.before(pk, sk), RangeError);
        assert.equal(nc.box.open(new Uint8Array(40), new Uint8Array(24), pk, sk), null);
      }
    });

    test("bad lengths throw TypeError", () => {
      assert.throws(() => nc.secretbox(new Uint8Array(1), new Uint8Array(23), new Uint8Array(32)), TypeError);
      assert.throws(() => nc.secretbox(new Uint8Array(1), new Uint8Array(24), new Uint8Array(31)), TypeError);
      assert.throws(() => nc.secretbox.open(new Uint8Array(17), new Uint8Array(24), new Uint8Array(33)), TypeError);
      assert.throws(() => nc.box(new Uint8Array(1), new Uint8Array(24), new Uint8Array(31), new Uint8Array(32)), TypeError);
      assert.throws(() => nc.box.open(new Uint8Array(17), new Uint8Array(24), new Uint8Array(32), new Uint8Array(64)), TypeError);
      const core = nc.core;
      assert.equal(core.call("crypto_secretbox", 0, 0, -1, 0, 0), -1);
      assert.equal(core.call("crypto_secretbox", core.memoryBytes - 20, 0, 8, 0, 0), -2);
      assert.equal(core.isDead, false);
    });
  });
}
