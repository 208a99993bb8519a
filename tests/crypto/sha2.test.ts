// SHA-256, SHA-512, HMAC and crypto_auth: FIPS 180-4 and RFC 4231 known answers,
// then random cross-checks against node:crypto, tweetnacl and libsodium, and
// chunked == one-shot through the streaming exports.
import assert from "node:assert/strict";
import { createHash, createHmac } from "node:crypto";
import { describe, test } from "node:test";
import fc from "fast-check";
import sodium from "sodium-native";
import nacl from "tweetnacl";
import { CHUNK } from "../../host/crypto/index.ts";
import { cryptoFor, hex, RUNS, targets, unhex, utf8 } from "./helpers.ts";

// FIPS 180-4 examples (NIST CSRC "Examples with Intermediate Values").
const abc = utf8("abc");
const two56 = utf8("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq");
const two112 = utf8("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu");
const millionA = new Uint8Array(1_000_000).fill(0x61);

// RFC 4231 §4.2–4.8: key, data, HMAC-SHA-256, HMAC-SHA-512 (case 5 compares the
// first 16 bytes only, as the RFC truncates it).
const rfc4231: [string, string, string, string][] = [
  [
    "0b".repeat(20),
    hex(utf8("Hi There")),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cdedaa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
  ],
  [
    hex(utf8("Jefe")),
    hex(utf8("what do ya want for nothing?")),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
  ],
  [
    "aa".repeat(20),
    "dd".repeat(50),
    "773ea91e36800e46854db8ebd09181a72959098b3ef8c122d9635514ced565fe",
    "fa73b0089d56a284efb0f0756c890be9b1b5dbdd8ee81a3655f83e33b2279d39bf3e848279a722c806b485a47e67c807b946a337bee8942674278859e13292fb",
  ],
  [
    "0102030405060708090a0b0c0d0e0f10111213141516171819",
    "cd".repeat(50),
    "82558a389a443c0ea4cc819899f2083a85f0faa3e578f8077a2e3ff46729665b",
    "b0ba465637458c6990e5a8c5f61d4af7e576d97ff94b872de76f8050361ee3dba91ca5c11aa25eb4d679275cc5788063a5f19741120c4f2de2adebeb10a298dd",
  ],
  ["0c".repeat(20), hex(utf8("Test With Truncation")), "a3b6167473100ee06e0c796c2955552b", "415fad6271580a531d4179bc891d87a6"],
  [
    "aa".repeat(131),
    hex(utf8("Test Using Larger Than Block-Size Key - Hash Key First")),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
    "80b24263c7c1a3ebb71493c1dd7be8b49b46d1f41b4aeec1121b013783f8f3526b56d037e05f2598bd0fd2215d6a1e5295e64f73f63f0aec8b915a985d786598",
  ],
  [
    "aa".repeat(131),
    hex(
      utf8(
        "This is a test using a larger than block-size key and a larger than block-size data. The key needs to be hashed before being used by the HMAC algorithm.",
      ),
    ),
    "9b09ffa71b942fcb27635fbcd5b0e944bfdc63644f0713938a7f51535c3a35e2",
    "e37b6a775dc87dbaa4dfa9f96e5e3ffddebd71f8867289865df5a32d20cdc944b6022cac3c4982b10d5eeb55c3e4de15134676fb6de0446065c97440fa8c6a58",
  ],
];

// Message lengths around the block and padding boundaries, and past CHUNK.
const message = fc.oneof(
  { weight: 8, arbitrary: fc.uint8Array({ maxLength: 300 }) },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 3 * CHUNK + 77 }).map((n) => new Uint8Array(n).map((_, i) => (i * 31 + n) & 255)) },
);

const sodiumHash = (fn: "crypto_hash_sha256" | "crypto_hash_sha512", len: number, m: Uint8Array) => {
  const out = Buffer.alloc(len);
  sodium[fn](out, Buffer.from(m));
  return hex(out);
};

for (const target of targets) {
  describe(`SHA-2 and HMAC (${target} build)`, () => {
    const nc = cryptoFor(target);

    test("FIPS 180-4 examples", () => {
      assert.equal(hex(nc.sha256(abc)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
      assert.equal(hex(nc.sha256(two56)), "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
      assert.equal(hex(nc.sha256(millionA)), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
      assert.equal(
        hex(nc.hash(abc)),
        "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
      );
      assert.equal(
        hex(nc.hash(two112)),
        "8e959b75dae313da8cf4f72814fc143f8f7779c6eb9f7fa17299aeadb6889018501d289e4900f7e4331b99dec4b5433ac7d329eeb6dd26545e96e55b874be909",
      );
      assert.equal(
        hex(nc.hash(millionA)),
        "e718483d0ce769644e2e42c7bc15b4638e1f98b13b2044285632a803afa973ebde0ff244877ea60a4cb0432ce577c31beb009c5c2c49aa2e4eadb217ad8cc09b",
      );
    });

    test("RFC 4231 HMAC-SHA-256 and HMAC-SHA-512", () => {
      for (const [key, data, want256, want512] of rfc4231) {
        assert.equal(hex(nc.hmacSha256(unhex(key), unhex(data))).slice(0, want256.length), want256);
        assert.equal(hex(nc.hmacSha512(unhex(key), unhex(data))).slice(0, want512.length), want512);
      }
    });

    test("SHA-256 and SHA-512 agree with node:crypto, tweetnacl and libsodium", () => {
      fc.assert(
        fc.property(message, (m) => {
          const h256 = hex(nc.sha256(m));
          const h512 = hex(nc.hash(m));
          assert.equal(h256, createHash("sha256").update(m).digest("hex"));
          assert.equal(h256, sodiumHash("crypto_hash_sha256", 32, m));
          assert.equal(h512, hex(nacl.hash(m)));
          assert.equal(h512, sodiumHash("crypto_hash_sha512", 64, m));
        }),
        { numRuns: RUNS },
      );
    });

    test("HMAC-SHA-256/512 agree with node:crypto for keys of every length", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 200 }), message, (key, m) => {
          assert.equal(hex(nc.hmacSha256(key, m)), createHmac("sha256", key).update(m).digest("hex"));
          assert.equal(hex(nc.hmacSha512(key, m)), createHmac("sha512", key).update(m).digest("hex"));
        }),
        { numRuns: RUNS },
      );
    });

    test("auth (HMAC-SHA-512-256) agrees with libsodium crypto_auth and rejects any change", () => {
      fc.assert(
        fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), message, fc.nat(), (key, m, pick) => {
          const mac = nc.auth(m, key);
          const want = Buffer.alloc(32);
          sodium.crypto_auth(want, Buffer.from(m), Buffer.from(key));
          assert.equal(hex(mac), hex(want));
          assert.equal(nc.auth.verify(mac, m, key), true);
          const bad = mac.slice();
          bad[pick % 32] ^= 1 << (pick % 8);
          assert.equal(nc.auth.verify(bad, m, key), false);
          assert.equal(sodium.crypto_auth_verify(Buffer.from(bad), Buffer.from(m), Buffer.from(key)), false);
          if (m.length > 0) {
            const m2 = m.slice();
            m2[pick % m.length] ^= 0x80;
            assert.equal(nc.auth.verify(mac, m2, key), false);
          }
        }),
        { numRuns: RUNS },
      );
    });

    test("streaming exports: any chunking gives the one-shot digest", () => {
      const core = nc.core;
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 700 }), fc.array(fc.nat({ max: 200 }), { maxLength: 8 }), (m, cuts) => {
          core.with([m, 64], ([p, out]) => {
            for (const [name, len] of [
              ["sha256", 32],
              ["sha512", 64],
            ] as const) {
              core.call(`crypto_${name}_init`);
              let at = 0;
              for (const cut of cuts) {
                const n = Math.min(cut, m.length - at);
                assert.equal(core.call(`crypto_${name}_update`, p + at, n), 0);
                at += n;
              }
              assert.equal(core.call(`crypto_${name}_update`, p + at, m.length - at), 0);
              assert.equal(core.call(`crypto_${name}_final`, out), 0);
              assert.equal(hex(core.read(out, len)), createHash(name).update(m).digest("hex"));
            }
          });
        }),
        { numRuns: 200 },
      );
    });

    test("bad arguments return codes, never trap", () => {
      const core = nc.core;
      const top = core.memoryBytes;
      assert.equal(core.call("crypto_sha256", 0, 0, -1), -1);
      assert.equal(core.call("crypto_sha256", top - 16, 0, 0), -2);
      assert.equal(core.call("crypto_sha512", 0, top - 10, 11), -2);
      assert.equal(core.call("crypto_auth", 0, top - 31, 0, 0), -2);
      assert.throws(() => nc.auth(new Uint8Array(1), new Uint8Array(31)), TypeError);
      assert.throws(() => nc.sha256("abc" as unknown as Uint8Array), TypeError);
      assert.equal(core.isDead, false);
    });
  });
}
