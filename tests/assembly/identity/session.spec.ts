// The in-core session API the sync engine uses (docs/identity.md, "In the core"):
// a device enrolled with a certificate built here, then a client and a server
// session in the same module (so both sides hold the same device key), bytes
// moved between them through a scratch buffer, events, capabilities and data.
import { OK, E_DENIED } from "../../../assembly/abi/errors";
import { CborWriter } from "../../../assembly/cbor";
import { ed25519KeypairFromSeed, ed25519Sign } from "../../../assembly/crypto/ed25519";
import { devicePk, identityEnroll, identityInit } from "../../../assembly/identity/keys";
import { EV_CLOSED, EV_DATA, EV_HANDSHAKE, EV_NONE, EV_PEER, Session, sessionFree, sessionGet, sessionOpen } from "../../../assembly/identity/session";

const ownerSk = memory.data(64);
const ownerPk: usize = ownerSk + 32;
const seed = memory.data(32);
const network = memory.data(32);
const payload = memory.data(512);
const tbs = memory.data(600);
const cert = memory.data(600);
const sig = memory.data(64);
const wire = memory.data(9000);
const PROT = memory.data<u8>([0xa1, 0x01, 0x27]);

// A certificate for this device: write "sensors/a", read everything.
function buildCert(): i32 {
  const w = new CborWriter(payload, 512);
  w.map(9);
  w.uint(1);
  w.uint(1);
  w.uint(2);
  w.uint(1);
  w.uint(3);
  w.bytes(ownerPk, 32);
  w.uint(4);
  w.bytes(devicePk, 32);
  w.uint(5);
  w.str("spec");
  w.uint(6);
  w.array(1);
  w.str("sensors/a");
  w.uint(7);
  w.array(1);
  w.str("");
  w.uint(8);
  w.uint(0);
  w.uint(9);
  w.uint(0xffffffff);
  const pn = w.finish();
  const t = new CborWriter(tbs, 600);
  t.array(4);
  t.str("Signature1");
  t.bytes(PROT, 3);
  t.bytes(0, 0);
  t.bytes(payload, pn);
  const tn = t.finish();
  ed25519Sign(sig, tbs, tn, ownerSk);
  const c = new CborWriter(cert, 600);
  c.tag(18);
  c.array(4);
  c.bytes(PROT, 3);
  c.map(0);
  c.bytes(payload, pn);
  c.bytes(sig, 64);
  return c.finish();
}

// Moves everything pending from a to b; returns bytes moved.
function pump(a: Session, b: Session): i32 {
  const n = a.take(wire, 9000);
  let used = 0;
  while (used < n) {
    const r = b.receive(wire + <usize>used, n - used);
    if (r <= 0) break;
    used += r;
  }
  return n;
}

describe("identity session (in the core)", () => {
  it("enrolls, handshakes, checks certificates and carries data", () => {
    expect(identityInit()).toBeGreaterThanOrEqual(0);
    memory.fill(seed, 7, 32);
    ed25519KeypairFromSeed(ownerPk, ownerSk, seed);
    memory.fill(network, 9, 32);
    const n = buildCert();
    expect(n).toBeGreaterThan(0);
    expect(identityEnroll(ownerPk, network, cert, n)).toBeGreaterThanOrEqual(0);

    const hs = sessionOpen(false, 0, 0, 0);
    const hc = sessionOpen(true, devicePk, 0, 0);
    expect(hs).toBeGreaterThanOrEqual(0);
    expect(hc).toBeGreaterThanOrEqual(0);
    const s = sessionGet(hs)!;
    const c = sessionGet(hc)!;
    for (let i = 0; i < 6; i++) {
      pump(c, s);
      pump(s, c);
    }
    expect(c.pollEvent()).toBe(EV_HANDSHAKE);
    expect(c.pollEvent()).toBe(EV_PEER);
    expect(s.pollEvent()).toBe(EV_HANDSHAKE);
    expect(s.pollEvent()).toBe(EV_PEER);
    expect(s.pollEvent()).toBe(EV_NONE);

    const path = memory.data<u8>([0x73, 0x65, 0x6e, 0x73, 0x6f, 0x72, 0x73, 0x2f, 0x61, 0x2f, 0x74]); // sensors/a/t
    expect(s.may(true, path, 11)).toBe(OK);
    expect(s.may(true, path, 7)).toBe(E_DENIED); // "sensors"
    expect(s.may(false, path, 7)).toBe(OK);

    const msg = memory.data<u8>([1, 2, 3, 4, 5]);
    expect(c.write(msg, 5)).toBe(5);
    pump(c, s);
    expect(s.pollEvent()).toBe(EV_DATA);
    const got = memory.data(16);
    expect(s.read(got, 16)).toBe(5);
    expect(memory.compare(got, msg, 5)).toBe(0);

    expect(c.close()).toBe(OK);
    pump(c, s);
    expect(s.pollEvent()).toBe(EV_CLOSED);
    expect(sessionFree(hs)).toBe(OK);
    expect(sessionFree(hc)).toBe(OK);
    expect(sessionGet(hs) === null).toBe(true);
  });
});
