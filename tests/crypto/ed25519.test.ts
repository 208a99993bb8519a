// Ed25519 and the Ed25519 -> X25519 conversions: RFC 8032 §7.1, random
// cross-checks against tweetnacl and libsodium (sign is deterministic, so
// signatures must be byte-equal), tampering, large messages through the
// streaming exports, and the documented strictness differences from tweetnacl.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { describe, test } from "node:test";
import fc from "fast-check";
import sodium from "sodium-native";
import nacl from "tweetnacl";
import { CHUNK } from "../../host/crypto/index.ts";
import { cryptoFor, hex, RUNS, targets, unhex } from "./helpers.ts";

const rfc8032 = JSON.parse(readFileSync(new URL("vectors/rfc8032.json", import.meta.url), "utf8")) as {
  vectors: { name: string; seed: string; pk: string; msg: string; sig: string }[];
};

// L, little-endian, and s + L for a 32-byte little-endian s.
const L = (1n << 252n) + 27742317777372353535851937790883648493n;
const toBig = (b: Uint8Array) => BigInt(`0x${hex(b.slice().reverse()) || "0"}`);
const fromBig = (x: bigint, len = 32) => unhex(x.toString(16).padStart(len * 2, "0")).reverse();

const seedArb = fc.uint8Array({ minLength: 32, maxLength: 32 });
const message = fc.oneof(
  { weight: 12, arbitrary: fc.uint8Array({ maxLength: 200 }) },
  { weight: 1, arbitrary: fc.integer({ min: CHUNK - 2, max: 5 * CHUNK }).map((n) => new Uint8Array(n).map((_, i) => (i * 7 + n) & 255)) },
);

const sodiumSign = (m: Uint8Array, sk: Uint8Array) => {
  const sig = Buffer.alloc(64);
  sodium.crypto_sign_detached(sig, Buffer.from(m), Buffer.from(sk));
  return sig;
};
const sodiumVerify = (m: Uint8Array, sig: Uint8Array, pk: Uint8Array) =>
  sodium.crypto_sign_verify_detached(Buffer.from(sig), Buffer.from(m), Buffer.from(pk));

for (const target of targets) {
  describe(`Ed25519 (${target} build)`, () => {
    const nc = cryptoFor(target);

    test("RFC 8032 §7.1: every test vector", () => {
      for (const v of rfc8032.vectors) {
        const kp = nc.sign.keyPair.fromSeed(unhex(v.seed));
        assert.equal(hex(kp.publicKey), v.pk, v.name);
        assert.equal(hex(kp.secretKey), v.seed + v.pk, v.name);
        assert.equal(hex(nc.sign.detached(unhex(v.msg), kp.secretKey)), v.sig, v.name);
        assert.equal(nc.sign.detached.verify(unhex(v.msg), unhex(v.sig), unhex(v.pk)), true, v.name);
      }
    });

    test("keys and signatures equal libsodium's and tweetnacl's; verify accepts them and rejects any change", () => {
      let i = 0;
      fc.assert(
        fc.property(seedArb, message, fc.nat(), (seed, m, pick) => {
          i++;
          const kp = nc.sign.keyPair.fromSeed(seed);
          const pk = Buffer.alloc(32);
          const sk = Buffer.alloc(64);
          sodium.crypto_sign_seed_keypair(pk, sk, Buffer.from(seed));
          assert.equal(hex(kp.publicKey), hex(pk));
          assert.equal(hex(kp.secretKey), hex(sk));
          const sig = nc.sign.detached(m, kp.secretKey);
          assert.equal(hex(sig), hex(sodiumSign(m, sk)));
          assert.equal(hex(sig), hex(nacl.sign.detached(m, kp.secretKey)));
          assert.equal(nc.sign.detached.verify(m, sig, kp.publicKey), true);
          // tweetnacl's verify takes ~20 ms: every tenth case (libsodium checks all).
          if (i % 10 === 0) assert.equal(nacl.sign.detached.verify(m, sig, kp.publicKey), true);
          // Flip one bit of the signature, of the message, of the key.
          const badSig = sig.slice();
          badSig[pick % 64] ^= 1 << (pick % 8);
          assert.equal(nc.sign.detached.verify(m, badSig, kp.publicKey), false);
          assert.equal(sodiumVerify(m, badSig, kp.publicKey), false);
          if (m.length > 0) {
            const badMsg = m.slice();
            badMsg[pick % m.length] ^= 1 << (pick % 8);
            assert.equal(nc.sign.detached.verify(badMsg, sig, kp.publicKey), false);
          }
          const badPk = kp.publicKey.slice();
          badPk[pick % 32] ^= 1 << (pick % 8);
          assert.equal(nc.sign.detached.verify(m, sig, badPk), false);
        }),
        { numRuns: RUNS },
      );
    });

    test("empty and > 64 KiB messages (the streaming signer and verifier)", () => {
      const kp = nc.sign.keyPair.fromSeed(new Uint8Array(32).fill(7));
      for (const n of [0, 1, CHUNK, CHUNK + 1, 64 * 1024 + 1, 200_000]) {
        const m = new Uint8Array(n).map((_, i) => (i * 13) & 255);
        const sig = nc.sign.detached(m, kp.secretKey);
        assert.equal(hex(sig), hex(sodiumSign(m, kp.secretKey)), `n = ${n}`);
        assert.equal(nc.sign.detached.verify(m, sig, kp.publicKey), true);
        if (n > 0) {
          m[n - 1] ^= 1;
          assert.equal(nc.sign.detached.verify(m, sig, kp.publicKey), false);
        }
      }
    });

    test("attached sign / sign.open round trip like tweetnacl", () => {
      const kp = nc.sign.keyPair.fromSeed(new Uint8Array(32).fill(1));
      const m = new TextEncoder().encode("attached");
      const sm = nc.sign(m, kp.secretKey);
      assert.equal(hex(sm), hex(nacl.sign(m, kp.secretKey)));
      assert.equal(hex(nc.sign.open(sm, kp.publicKey) ?? new Uint8Array()), hex(m));
      sm[70] ^= 1;
      assert.equal(nc.sign.open(sm, kp.publicKey), null);
      assert.equal(nc.sign.open(new Uint8Array(10), kp.publicKey), null);
    });

    test("strict RFC 8032: S >= L is rejected (tweetnacl accepts S + L)", () => {
      const kp = nc.sign.keyPair.fromSeed(new Uint8Array(32).fill(3));
      const m = new TextEncoder().encode("malleable?");
      const sig = nc.sign.detached(m, kp.secretKey);
      const s = toBig(sig.subarray(32));
      const forged = new Uint8Array(64);
      forged.set(sig.subarray(0, 32));
      forged.set(fromBig(s + L), 32);
      assert.ok(s + L < 1n << 256n);
      assert.equal(nacl.sign.detached.verify(m, forged, kp.publicKey), true, "tweetnacl accepts S + L");
      assert.equal(sodiumVerify(m, forged, kp.publicKey), false);
      assert.equal(nc.sign.detached.verify(m, forged, kp.publicKey), false);
      // S = L exactly, with the genuine R.
      forged.set(fromBig(L), 32);
      assert.equal(nc.sign.detached.verify(m, forged, kp.publicKey), false);
    });

    test("strict RFC 8032: non-canonical public keys are rejected (tweetnacl accepts them)", () => {
      // With A = identity, [S]B - [k]A = [S]B, so (R = B, S = 1) "verifies" any
      // message for any encoding of the identity that a verifier accepts.
      const base = fromBig((4n * modInverse(5n)) % P); // y = 4/5, x positive: B
      const sig = new Uint8Array(64);
      sig.set(base);
      sig[32] = 1;
      const m = new TextEncoder().encode("anything");
      // y = p + 1 (non-canonical 1), and y = 1 with the sign bit set (x = 0, "-0").
      const nonCanonical = fromBig(P + 1n);
      const negZero = fromBig(1n | (1n << 255n));
      for (const pk of [nonCanonical, negZero]) {
        assert.equal(nacl.sign.detached.verify(m, sig, pk), true, `tweetnacl accepts ${hex(pk)}`);
        assert.equal(nc.sign.detached.verify(m, sig, pk), false, `rejects ${hex(pk)}`);
        assert.equal(nc.convertPublicKey(pk), null);
      }
    });

    test("convertPublicKey / convertSecretKey equal libsodium's, and X25519 agrees across them", () => {
      fc.assert(
        fc.property(seedArb, seedArb, (s1, s2) => {
          const a = nc.sign.keyPair.fromSeed(s1);
          const b = nc.sign.keyPair.fromSeed(s2);
          const xpk = nc.convertPublicKey(a.publicKey);
          const want = Buffer.alloc(32);
          sodium.crypto_sign_ed25519_pk_to_curve25519(want, Buffer.from(a.publicKey));
          assert.equal(hex(xpk ?? new Uint8Array()), hex(want));
          const xsk = nc.convertSecretKey(a.secretKey);
          sodium.crypto_sign_ed25519_sk_to_curve25519(want, Buffer.from(a.secretKey));
          assert.equal(hex(xsk), hex(want));
          assert.equal(hex(nc.scalarMult.base(xsk)), hex(xpk ?? new Uint8Array()));
          const bx = nc.convertPublicKey(b.publicKey);
          assert.ok(bx);
          assert.equal(hex(nc.scalarMult(xsk, bx)), hex(nc.scalarMult(nc.convertSecretKey(b.secretKey), xpk ?? bx)));
        }),
        { numRuns: Math.ceil(RUNS / 5) },
      );
    });

    test("convertPublicKey rejects exactly what libsodium rejects on small encodings", () => {
      // y = 0..63 with both sign bits: non-points, small-order points (y = 0, 1,
      // p - 1) and points outside the prime-order subgroup.
      for (let y = 0; y < 64; y++) {
        for (const sign of [0n, 1n]) {
          const pk = fromBig(BigInt(y) | (sign << 255n));
          const out = Buffer.alloc(32);
          let sodiumOk = true;
          try {
            sodium.crypto_sign_ed25519_pk_to_curve25519(out, Buffer.from(pk));
          } catch {
            sodiumOk = false;
          }
          const ours = nc.convertPublicKey(pk);
          assert.equal(ours !== null, sodiumOk, `y = ${y}, sign = ${sign}`);
          if (ours) assert.equal(hex(ours), hex(out));
        }
      }
    });

    test("bad lengths throw TypeError; bad pointers return codes", () => {
      assert.throws(() => nc.sign.keyPair.fromSeed(new Uint8Array(31)), TypeError);
      assert.throws(() => nc.sign.detached(new Uint8Array(1), new Uint8Array(32)), TypeError);
      assert.throws(() => nc.sign.detached.verify(new Uint8Array(1), new Uint8Array(63), new Uint8Array(32)), TypeError);
      assert.throws(() => nc.sign.detached.verify(new Uint8Array(1), new Uint8Array(64), new Uint8Array(33)), TypeError);
      assert.throws(() => nc.convertSecretKey(new Uint8Array(32)), TypeError);
      const core = nc.core;
      const top = core.memoryBytes;
      assert.equal(core.call("crypto_sign", 0, 0, -1, 0), -1);
      assert.equal(core.call("crypto_sign", top - 63, 0, 0, 0), -2);
      assert.equal(core.call("crypto_sign_verify", 0, 0, 0, top - 31), -2);
      assert.equal(core.call("crypto_sign_commit"), -14);
      assert.equal(core.call("crypto_sign_verify_final"), -14);
      assert.equal(core.isDead, false);
    });
  });
}

const P = (1n << 255n) - 19n;
function modInverse(x: bigint): bigint {
  let r = 1n;
  let b = x % P;
  let e = P - 2n;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
    e >>= 1n;
  }
  return r;
}
