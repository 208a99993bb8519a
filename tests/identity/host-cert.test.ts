// COSE_Sign1 certificates and revocation lists from the host issuer, checked
// against RFC 9052 built by hand, cbor-x decoding and tweetnacl verification.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Decoder, Tag } from "cbor-x";
import fc from "fast-check";
import nacl from "tweetnacl";
import { issueCertificate, issueRevocationList, readCertificate, readRevocationList, sigStructure } from "../../host/identity/index.ts";

const decoder = new Decoder({ mapsAsObjects: false, useRecords: false });
const owner = nacl.sign.keyPair();

// RFC 8949 §3.1 head for major type `mt` and argument n (n < 2^32).
function head(mt: number, n: number): number[] {
  if (n < 24) return [(mt << 5) | n];
  if (n < 256) return [(mt << 5) | 24, n];
  if (n < 65536) return [(mt << 5) | 25, n >> 8, n & 255];
  return [(mt << 5) | 26, n >>> 24, (n >> 16) & 255, (n >> 8) & 255, n & 255];
}

// RFC 9052 §4.4 Sig_structure for COSE_Sign1, written byte by byte.
function handSigStructure(protectedHeader: Uint8Array, payload: Uint8Array): Uint8Array {
  return new Uint8Array([
    0x84,
    ...head(3, 10),
    ...Buffer.from("Signature1"),
    ...head(2, protectedHeader.length),
    ...protectedHeader,
    ...head(2, 0),
    ...head(2, payload.length),
    ...payload,
  ]);
}

const cert = {
  serial: 7,
  device: nacl.sign.keyPair().publicKey,
  name: "kitchen",
  write: ["sensors/kitchen"],
  read: ["config/kitchen", "config/all"],
  notBefore: 1_700_000_000,
  notAfter: 1_800_000_000,
};

test("a certificate is COSE_Sign1_Tagged with protected {1:-8} and an RFC 9052 signature tweetnacl verifies", () => {
  const cose = issueCertificate(cert, owner.secretKey);
  const tagged = decoder.decode(cose) as Tag;
  assert.ok(tagged instanceof Tag);
  assert.equal(tagged.tag, 18);
  const [prot, unprot, payload, sig] = tagged.value as [Uint8Array, Map<number, unknown>, Uint8Array, Uint8Array];
  assert.deepEqual(decoder.decode(prot), new Map([[1, -8]]));
  assert.equal(unprot.size, 0);
  const tbs = handSigStructure(prot, payload);
  assert.deepEqual(sigStructure(prot, payload), tbs);
  assert.ok(nacl.sign.detached.verify(tbs, sig, owner.publicKey));
  const m = decoder.decode(payload) as Map<number, unknown>;
  assert.deepEqual([...m.keys()], [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.deepEqual(m.get(3), owner.publicKey);
  assert.deepEqual(readCertificate(cose, owner.publicKey), { ...cert, issuer: owner.publicKey });
});

test("Sig_structure matches the hand-built RFC 9052 bytes for any payload", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 70000 }), fc.uint8Array({ maxLength: 30 }), (payload, prot) => {
      assert.deepEqual(sigStructure(prot, payload), handSigStructure(prot, payload));
    }),
    { numRuns: 50 },
  );
});

test("every single-bit change of a certificate is rejected", () => {
  const cose = issueCertificate(cert, owner.secretKey);
  for (let i = 0; i < cose.length; i++) {
    const bad = cose.slice();
    bad[i] ^= 1 << (i % 8);
    assert.throws(() => readCertificate(bad, owner.publicKey), Error, `byte ${i}`);
  }
  assert.throws(() => readCertificate(cose, nacl.sign.keyPair().publicKey), /does not verify/);
});

test("revocation lists: signed, sorted, deduplicated, and never mistaken for a certificate", () => {
  const list = issueRevocationList({ sequence: 3, issuedAt: 1_750_000_000, serials: [9, 2, 9, 4] }, owner.secretKey);
  assert.deepEqual(readRevocationList(list, owner.publicKey).serials, [2, 4, 9]);
  assert.throws(() => readCertificate(list, owner.publicKey), /not a certificate/);
  assert.throws(() => readRevocationList(issueCertificate(cert, owner.secretKey), owner.publicKey), /not a revocation list/);
});

test("the issuer refuses what the core would not accept", () => {
  assert.throws(() => issueCertificate({ ...cert, name: "" }, owner.secretKey), /name/);
  assert.throws(() => issueCertificate({ ...cert, name: "x".repeat(65) }, owner.secretKey), /name/);
  assert.throws(() => issueCertificate({ ...cert, write: ["/abs"] }, owner.secretKey), /prefix/);
  assert.throws(() => issueCertificate({ ...cert, write: ["a/../b"] }, owner.secretKey), /prefix/);
  assert.throws(() => issueCertificate({ ...cert, read: Array(9).fill("a") }, owner.secretKey), /prefixes/);
  assert.throws(() => issueCertificate({ ...cert, notAfter: cert.notBefore - 1 }, owner.secretKey), /before/);
});
