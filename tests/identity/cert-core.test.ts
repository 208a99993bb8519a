// The core's certificate and revocation-list checks against certificates issued on
// the host (cbor-x + tweetnacl): valid ones pass, every tampering, truncation,
// non-canonical form, wrong owner, wrong subject, bad validity and revocation is
// refused with its code, on the debug and release builds, without a trap.
import assert from "node:assert/strict";
import { test } from "node:test";
import { Tag } from "cbor-x";
import fc from "fast-check";
import nacl from "tweetnacl";
import { cborEncode, issueRevocationList, PROTECTED_EDDSA, sigStructure } from "../../host/identity/index.ts";
import { certFor, newDevice, newOwner, type Owner, TARGETS } from "./helpers.ts";

const E_LIMIT = -13;
const E_CORRUPT = -5;
const E_AUTH = -6;
const E_DENIED = -11;
const E_STATE = -14;

/** Signs an arbitrary payload as the owner, bypassing the issuer's own checks. */
function signRaw(owner: Owner, payload: Uint8Array, tagged = true): Uint8Array {
  const sig = nacl.sign.detached(sigStructure(PROTECTED_EDDSA, payload), owner.secretKey);
  const body = [PROTECTED_EDDSA, new Map(), payload, sig];
  return cborEncode(tagged ? new Tag(body, 18) : body);
}

function entries(owner: Owner, device: Uint8Array, now: number): [number, unknown][] {
  return [
    [1, 1],
    [2, 5],
    [3, owner.publicKey],
    [4, device],
    [5, "kitchen"],
    [6, ["sensors/kitchen"]],
    [7, []],
    [8, now - 10],
    [9, now + 1000],
  ];
}

for (const target of TARGETS) {
  test(`${target}: certificates from the host issuer verify in the core; tampering never does`, () => {
    const owner = newOwner();
    const dev = newDevice(owner, { target });
    const subject = nacl.sign.keyPair().publicKey;
    const cert = certFor(owner, subject, { write: ["a"], read: ["b", "c/"] });
    assert.equal(dev.id.verifyCertificate(cert, subject), 0);
    assert.equal(dev.id.verifyCertificate(cert), 0);
    assert.equal(dev.id.verifyCertificate(cert, dev.publicKey), E_AUTH);
    for (let i = 0; i < cert.length; i++) {
      const bad = cert.slice();
      bad[i] ^= 0x01 << (i % 8);
      assert.notEqual(dev.id.verifyCertificate(bad, subject), 0, `flip at ${i}`);
      assert.notEqual(dev.id.verifyCertificate(cert.subarray(0, i), subject), 0, `truncated to ${i}`);
    }
    const longer = new Uint8Array(cert.length + 1);
    longer.set(cert);
    assert.equal(dev.id.verifyCertificate(longer, subject), E_CORRUPT);
    // another owner's certificate, even for the same subject
    assert.equal(dev.id.verifyCertificate(certFor(newOwner(owner.networkKey), subject), subject), E_AUTH);
    assert.ok(!dev.core.isDead);
  });
}

test("validly signed but malformed or non-canonical payloads are refused", () => {
  const owner = newOwner();
  const dev = newDevice(owner);
  const now = Math.floor(Date.now() / 1000);
  const subject = nacl.sign.keyPair().publicKey;
  const base = entries(owner, subject, now);
  const encode = (e: [number, unknown][]) => signRaw(owner, cborEncode(new Map(e)));
  assert.equal(dev.id.verifyCertificate(encode(base), subject), 0);
  assert.equal(dev.id.verifyCertificate(signRaw(owner, cborEncode(new Map(base)), false), subject), 0, "untagged is fine");
  const cases: [string, [number, unknown][], number][] = [
    ["kind 2", base.map(([k, v]) => [k, k === 1 ? 2 : v]), E_CORRUPT],
    ["missing key 7", base.filter(([k]) => k !== 7), E_CORRUPT],
    ["extra key 10", [...base, [10, 0]], E_CORRUPT],
    ["keys out of order", [base[1]!, base[0]!, ...base.slice(2)], E_CORRUPT],
    ["issuer field of another owner", base.map(([k, v]) => [k, k === 3 ? newOwner().publicKey : v]), E_AUTH],
    ["short device key", base.map(([k, v]) => [k, k === 4 ? subject.subarray(0, 31) : v]), E_CORRUPT],
    ["empty name", base.map(([k, v]) => [k, k === 5 ? "" : v]), E_CORRUPT],
    ["name too long", base.map(([k, v]) => [k, k === 5 ? "n".repeat(65) : v]), E_LIMIT],
    ["nine write prefixes", base.map(([k, v]) => [k, k === 6 ? Array(9).fill("p") : v]), E_LIMIT],
    ["prefix too long", base.map(([k, v]) => [k, k === 7 ? ["p".repeat(97)] : v]), E_LIMIT],
    ["prefix not text", base.map(([k, v]) => [k, k === 7 ? [new Uint8Array(3)] : v]), E_CORRUPT],
    ["expired", base.map(([k, v]) => [k, k === 9 ? now - 5 : v]), E_AUTH],
    ["not yet valid", base.map(([k, v]) => [k, k === 8 ? now + 500 : v]), E_AUTH],
  ];
  for (const [name, e, code] of cases) assert.equal(dev.id.verifyCertificate(encode(e), subject), code, name);
  // a non-shortest integer (serial 5 as a two-byte argument) breaks canonical form
  const payload = cborEncode(new Map(base));
  const at = payload.indexOf(0x05, 4); // the serial's value follows key 2
  const stretched = new Uint8Array([...payload.subarray(0, at), 0x18, 0x05, ...payload.subarray(at + 1)]);
  assert.equal(dev.id.verifyCertificate(signRaw(owner, stretched), subject), E_CORRUPT);
  // another protected header (alg ES256) is refused before the signature is checked
  const es256 = cborEncode(new Tag([new Uint8Array([0xa1, 0x01, 0x26]), new Map(), payload, new Uint8Array(64)], 18));
  assert.equal(dev.id.verifyCertificate(es256, subject), E_CORRUPT);
});

test("validity is checked by the device clock only when it knows the time", () => {
  const owner = newOwner();
  const now = Math.floor(Date.now() / 1000);
  let t = Date.now();
  const dev = newDevice(owner, { clock: () => t });
  const subject = nacl.sign.keyPair().publicKey;
  const cert = certFor(owner, subject, { notBefore: now - 10, notAfter: now + 100 });
  assert.equal(dev.id.verifyCertificate(cert, subject), 0);
  t += 101_000 + 1000;
  assert.equal(dev.id.verifyCertificate(cert, subject), E_AUTH);
  t = 0; // unknown time
  assert.equal(dev.id.verifyCertificate(cert, subject), 0);
});

test("revocation lists: owner-signed, newest wins, bounded", () => {
  const owner = newOwner();
  const dev = newDevice(owner);
  const subject = nacl.sign.keyPair().publicKey;
  const cert = certFor(owner, subject, { serial: 41 });
  const list = (sequence: number, serials: number[], by = owner) => issueRevocationList({ sequence, issuedAt: 1, serials }, by.secretKey);
  assert.equal(dev.id.setRevocations(list(1, [41])), 0);
  assert.equal(dev.id.verifyCertificate(cert, subject), E_DENIED);
  assert.equal(dev.id.setRevocations(list(2, [7])), 0);
  assert.equal(dev.id.verifyCertificate(cert, subject), 0);
  assert.equal(dev.id.setRevocations(list(1, [41])), E_STATE);
  assert.equal(dev.id.verifyCertificate(cert, subject), 0);
  assert.equal(dev.id.setRevocations(list(3, [41], newOwner())), E_AUTH);
  assert.equal(dev.id.setRevocations(cert), E_CORRUPT, "a certificate is not a revocation list");
  assert.equal(
    dev.id.setRevocations(
      list(
        4,
        Array.from({ length: 64 }, (_, i) => i + 1),
      ),
    ),
    0,
  );
  assert.equal(dev.core.call64("identity_revocations_sequence"), 4n);
  const tooMany = signRaw(
    owner,
    cborEncode(
      new Map<number, unknown>([
        [1, 2],
        [2, 5],
        [3, owner.publicKey],
        [4, 1],
        [5, Array.from({ length: 65 }, (_, i) => i)],
      ]),
    ),
  );
  assert.equal(dev.id.setRevocations(tooMany), E_LIMIT);
  // a device without an owner has nothing to check lists against
  assert.equal(newDevice(null).id.setRevocations(list(9, [])), E_STATE);
});

test("random mutations of a certificate never trap and never verify", () => {
  const owner = newOwner();
  const dev = newDevice(owner, { target: "release" });
  const subject = nacl.sign.keyPair().publicKey;
  const cert = certFor(owner, subject, { write: ["x/y"], read: [""] });
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(cert.length - 1), fc.integer({ min: 1, max: 255 })), { minLength: 1, maxLength: 8 }),
      fc.nat(cert.length),
      (edits, cut) => {
        const bad = cert.slice(0, Math.max(cut, 1));
        for (const [i, x] of edits) if (i < bad.length) bad[i] ^= x;
        const rc = dev.id.verifyCertificate(bad, subject);
        if (bad.length === cert.length && bad.every((b, i) => b === cert[i])) assert.equal(rc, 0);
        else assert.ok(rc < 0);
      },
    ),
    { numRuns: 300 },
  );
  assert.ok(!dev.core.isDead);
});

test("the revocation list is read from the store at _nymote/revoked", () => {
  const owner = newOwner();
  const dev = newDevice(owner, { target: "release" });
  const core = dev.core;
  const subject = nacl.sign.keyPair().publicKey;
  const cert = certFor(owner, subject, { serial: 77 });
  const h = core.call("store_open_memory");
  assert.ok(h > 0);
  const path = new TextEncoder().encode("_nymote/revoked");
  assert.equal(core.call("identity_revocations_load", h), -7, "nothing there yet: E_NOTFOUND");
  const list = issueRevocationList({ sequence: 2, issuedAt: 1, serials: [77] }, owner.secretKey);
  assert.equal(
    core.with([path, list], ([p, l]) => core.call("store_set", h, p!, path.length, l!, list.length)),
    0,
  );
  assert.equal(dev.id.verifyCertificate(cert, subject), 0);
  assert.equal(core.call("identity_revocations_load", h), 0);
  assert.equal(dev.id.verifyCertificate(cert, subject), E_DENIED);
  assert.equal(core.call("identity_revocations_load", 99), -1);
});
