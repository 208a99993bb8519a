// Secret Handshake + box-stream + certificate exchange between two cores, on the
// debug and release builds: data both ways in arbitrary chunkings, capabilities
// from the certificates, and every hostile case failing cleanly (an error code, no
// trap, nothing sent after the failure, no plaintext given out).
import assert from "node:assert/strict";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import nacl from "tweetnacl";
import { CoreSession, DeviceIdentity, EV_CLOSED, EV_DATA, EV_HANDSHAKE, EV_PEER, enrollCore } from "../../host/identity/device.ts";
import { initIdentity, issueRevocationList } from "../../host/identity/index.ts";
import { Core, MemoryFlash } from "../../host/runtime/index.ts";
import { certFor, concat, type Device, newDevice, newOwner, type Owner, shuttle, TARGETS } from "./helpers.ts";

const E_AUTH = -6;
const E_PROTO = -10;
const E_DENIED = -11;
const E_STATE = -14;

function pair(target: (typeof TARGETS)[number], owner: Owner = newOwner()) {
  const server = newDevice(owner, { target, name: "gateway", write: [""], read: [""] });
  const client = newDevice(owner, { target, name: "kitchen", write: ["sensors/kitchen"], read: ["config/kitchen", "config/all/"] });
  return { owner, server, client };
}

function open(server: Device, client: Device, transportOnly = false) {
  const s = CoreSession.server(server.core, { transportOnly });
  const c = CoreSession.client(client.core, server.publicKey, { transportOnly });
  return { s, c };
}

/** The session failed with `code`, sends nothing more and gives out no plaintext. */
function assertDead(x: CoreSession, code?: number) {
  const evs = x.events();
  const last = evs.at(-1);
  assert.ok(last !== undefined && last < 0, `expected a failure event, got [${evs}]`);
  if (code !== undefined) assert.equal(last, code);
  assert.equal(x.take().length, 0);
  assert.ok(x.write(new Uint8Array(5)) < 0);
  assert.ok(!evs.includes(EV_PEER) || code === undefined || evs.indexOf(EV_PEER) < evs.length);
  assert.equal(x.remoteName(), null);
  assert.equal(x.may(true, "sensors/kitchen"), E_DENIED);
}

for (const target of TARGETS) {
  test(`${target}: handshake, certificates and data both ways (64/64/112/80, 34-byte headers)`, () => {
    const { server, client } = pair(target);
    const { s, c } = open(server, client);
    const hello = c.take();
    assert.equal(hello.length, 64);
    assert.equal(s.receive(hello), 64);
    const shello = s.take();
    assert.equal(shello.length, 64);
    assert.equal(c.receive(shello), 64);
    const auth = c.take();
    assert.equal(auth.length, 112);
    assert.equal(s.receive(auth), 112);
    const accept = s.take();
    // the accept, then the server's certificate frame: 34 + certificate length
    assert.equal(accept.length, 80 + 34 + certFor(newOwner(), server.publicKey, { name: "gateway", write: [""], read: [""] }).length);
    assert.equal(c.receive(accept), accept.length);
    assert.deepEqual(c.events(), [EV_HANDSHAKE, EV_PEER]);
    assert.deepEqual(s.events(), [EV_HANDSHAKE]);
    shuttle(c, s);
    assert.deepEqual(s.events(), [EV_PEER]);
    assert.deepEqual(s.remoteKey(), client.publicKey);
    assert.deepEqual(c.remoteKey(), server.publicKey);
    assert.equal(s.remoteName(), "kitchen");
    assert.equal(c.remoteName(), "gateway");
    // capabilities: whole segments only; "" covers everything; a trailing '/' covers below
    assert.equal(s.may(true, "sensors/kitchen/temp"), 0);
    assert.equal(s.may(true, "sensors/kitchen"), 0);
    assert.equal(s.may(true, "sensors/kitchenette"), E_DENIED);
    assert.equal(s.may(true, "sensors"), E_DENIED);
    assert.equal(s.may(false, "sensors/kitchen/temp"), E_DENIED);
    assert.equal(s.may(false, "config/kitchen/x"), 0);
    assert.equal(s.may(false, "config/all/y"), 0);
    assert.equal(s.may(false, "config/allx"), E_DENIED);
    assert.equal(c.may(true, "anything/at/all"), 0);
    // data: 10 000 bytes one way (three frames), 1 byte the other
    const big = nacl.randomBytes(10000);
    // the send buffer holds two full frames: write, take, write the rest
    assert.equal(c.write(big), 8192);
    let wire = c.take();
    assert.equal(c.write(big.subarray(8192)), big.length - 8192);
    wire = concat(wire, c.take());
    assert.equal(wire.length, big.length + 3 * 34);
    // backpressure: the receiver takes one frame and the next header, then waits
    // until its 4096-byte plaintext buffer has been read
    let used = s.receive(wire);
    assert.equal(used, 4130 + 34);
    assert.deepEqual(s.events(), [EV_DATA]);
    assert.deepEqual(s.read(), big.subarray(0, 4096));
    used += s.receive(wire.subarray(used));
    assert.deepEqual(s.read(), big.subarray(4096, 8192));
    used += s.receive(wire.subarray(used));
    assert.equal(used, wire.length);
    assert.deepEqual(s.read(), big.subarray(8192));
    assert.equal(s.write(new Uint8Array([7])), 1);
    const one = s.take();
    assert.equal(one.length, 35);
    c.receive(one);
    assert.deepEqual(c.read(), new Uint8Array([7]));
    // goodbye
    assert.equal(c.close(), 0);
    const bye = c.take();
    assert.equal(bye.length, 34);
    s.receive(bye);
    assert.ok(s.events().includes(EV_CLOSED));
    assert.ok(c.write(new Uint8Array(1)) < 0, "no writes after close");
    s.free();
    c.free();
  });

  test(`${target}: any chunking of the byte stream gives the same result`, () => {
    const { server, client } = pair(target);
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }), fc.uint8Array({ minLength: 1, maxLength: 9000 }), (size, data) => {
        const { s, c } = open(server, client);
        shuttle(c, s, () => size);
        assert.equal(c.write(data), data.length);
        s.write(data.subarray(0, 100));
        let got: Uint8Array = new Uint8Array(0);
        for (let i = 0; i < 10000 && got.length < data.length; i++) {
          shuttle(c, s, () => size);
          got = concat(got, s.read());
        }
        assert.deepEqual(got, data);
        assert.deepEqual(c.read(), data.subarray(0, 100));
        s.free();
        c.free();
      }),
      { numRuns: target === "debug" ? 6 : 10 },
    );
  });
}

test("wrong network key: the server answers nothing and fails", () => {
  const { server } = pair("debug");
  const stranger = newDevice(newOwner());
  const { s, c } = open(server, stranger);
  s.receive(c.take());
  assertDead(s, E_AUTH);
});

test("wrong server key: the server cannot open the client auth; the client times out", () => {
  const owner = newOwner();
  const server = newDevice(owner);
  const client = newDevice(owner);
  const s = CoreSession.server(server.core);
  const c = CoreSession.client(client.core, nacl.sign.keyPair().publicKey, { now: 0 });
  shuttle(c, s);
  assertDead(s, E_AUTH);
  assert.deepEqual(c.events(), []);
  assert.equal(c.onTimer(9_999), 0);
  assert.equal(c.onTimer(10_000), E_PROTO);
  assertDead(c, E_PROTO);
});

// The four handshake messages, and who receives each.
const MESSAGES = [
  { name: "client hello", size: 64, toServer: true },
  { name: "server hello", size: 64, toServer: false },
  { name: "client auth", size: 112, toServer: true },
  { name: "server accept", size: 80, toServer: false },
] as const;

/** Runs a handshake, passing message `k` through `mangle`; returns both sessions. */
function handshakeWith(server: Device, client: Device, k: number, mangle: (m: Uint8Array) => Uint8Array) {
  const s = CoreSession.server(server.core, { now: 0 });
  const c = CoreSession.client(client.core, server.publicKey, { now: 0 });
  for (let i = 0; i < 4; i++) {
    const from = MESSAGES[i]!.toServer ? c : s;
    const to = MESSAGES[i]!.toServer ? s : c;
    let msg = from.take();
    if (i === 3) msg = msg.subarray(0, 80); // the certificate frame follows the accept
    if (msg.length === 0) break;
    to.receive(i === k ? mangle(msg) : msg);
  }
  return { s, c, receiver: MESSAGES[k]!.toServer ? s : c, sender: MESSAGES[k]!.toServer ? c : s };
}

for (const target of TARGETS) {
  test(`${target}: each handshake message truncated, extended or bit-flipped fails cleanly`, () => {
    const { server, client } = pair(target);
    for (let k = 0; k < 4; k++) {
      // truncated: the receiver waits, then the deadline kills it
      {
        const { s, c, receiver } = handshakeWith(server, client, k, (m) => m.subarray(0, m.length - 1));
        assert.ok(!receiver.events().some((e) => e === EV_PEER));
        assert.equal(receiver.onTimer(10_000), E_PROTO, `${MESSAGES[k]!.name} truncated`);
        assertDead(receiver, E_PROTO);
        s.free();
        c.free();
      }
      // extended by one byte (not a valid next message)
      {
        const { s, c, receiver } = handshakeWith(server, client, k, (m) => concat(m, new Uint8Array([0x42])));
        if (k === 3) {
          // the extra byte is the start of a box-stream header: it is held, and the
          // certificate exchange never completes
          assert.equal(receiver.onTimer(10_000), E_PROTO);
        } else {
          // the first extra byte starts the next message, which then never completes or fails
          shuttle(c, s);
          receiver.onTimer(10_000);
        }
        const evs = receiver.events();
        assert.ok(evs.at(-1)! < 0, `${MESSAGES[k]!.name} extended: [${evs}]`);
        assert.ok(!evs.includes(EV_PEER));
        s.free();
        c.free();
      }
      // bit flips at sampled byte positions (first, MAC/key boundary, last, random)
      const size = MESSAGES[k]!.size;
      // NYMOTE_LONG=1: every byte of every message (each a fresh handshake)
      const positions = process.env.NYMOTE_LONG
        ? Array.from({ length: size }, (_, i) => i)
        : [0, 31, 32, size - 1, ...Array.from({ length: 6 }, () => Math.floor(Math.random() * size))];
      for (const p of positions) {
        const { s, c, receiver } = handshakeWith(server, client, k, (m) => {
          const x = m.slice();
          x[p] ^= 1 << (p % 8);
          return x;
        });
        assertDead(receiver, E_AUTH);
        s.free();
        c.free();
      }
    }
  });
}

test("a replayed client hello + auth is refused by a new server session", () => {
  const { server, client } = pair("debug");
  const s1 = CoreSession.server(server.core);
  const c1 = CoreSession.client(client.core, server.publicKey);
  const hello = c1.take();
  s1.receive(hello);
  c1.receive(s1.take());
  const auth = c1.take();
  s1.receive(auth);
  assert.deepEqual(s1.events(), [EV_HANDSHAKE]);
  // the attacker replays both client messages to a fresh server session
  const s2 = CoreSession.server(server.core);
  assert.equal(s2.receive(hello), 64);
  assert.equal(s2.take().length, 64);
  s2.receive(auth);
  assertDead(s2, E_AUTH);
  for (const x of [s1, c1, s2]) x.free();
});

/** Runs a full session where the client was enrolled with `cert`. */
function withClientCert(owner: Owner, clientCert: (d: Device) => Uint8Array, clock?: () => number) {
  const server = newDevice(owner, { clock });
  const client = newDevice(null, { clock });
  const rc = client.id.enroll(owner.publicKey, owner.networkKey, clientCert(client));
  return { server, client, rc };
}

test("certificates: missing, expired, not yet valid, revoked, another owner, someone else's", () => {
  const owner = newOwner();
  const now = Math.floor(Date.now() / 1000);

  // missing: the client speaks transport-only and sends data instead of a certificate
  {
    const server = newDevice(owner);
    const client = newDevice(owner);
    const s = CoreSession.server(server.core, { now: 0 });
    const c = CoreSession.client(client.core, server.publicKey, { transportOnly: true });
    shuttle(c, s);
    c.write(new Uint8Array(1000)); // too long for a certificate: refused as a protocol error
    shuttle(c, s);
    assertDead(s, E_PROTO);
  }
  // missing: goodbye before any certificate
  {
    const server = newDevice(owner);
    const client = newDevice(owner);
    const s = CoreSession.server(server.core, { now: 0 });
    const c = CoreSession.client(client.core, server.publicKey, { transportOnly: true });
    shuttle(c, s);
    c.close();
    shuttle(c, s);
    assertDead(s, E_PROTO);
  }
  // expired: enrolled while valid, then the device clocks move past not-after
  {
    let t = Date.now();
    const clock = () => t;
    const { server, client, rc } = withClientCert(
      owner,
      (d) => certFor(owner, d.publicKey, { notBefore: now - 10, notAfter: now + 100 }),
      clock,
    );
    assert.equal(rc, 0);
    t += 200_000;
    const s = CoreSession.server(server.core);
    const c = CoreSession.client(client.core, server.publicKey);
    shuttle(c, s);
    assertDead(s, E_AUTH);
    // enrollment also refuses an expired certificate
    assert.equal(
      client.id.enroll(owner.publicKey, owner.networkKey, certFor(owner, client.publicKey, { notBefore: now - 10, notAfter: now + 100 })),
      E_AUTH,
    );
  }
  // revoked
  {
    const server = newDevice(owner);
    const client = newDevice(owner);
    assert.equal(
      server.id.setRevocations(issueRevocationList({ sequence: 1, issuedAt: now, serials: [client.serial] }, owner.secretKey)),
      0,
    );
    const s = CoreSession.server(server.core);
    const c = CoreSession.client(client.core, server.publicKey);
    shuttle(c, s);
    assertDead(s, E_DENIED);
    // an older list cannot undo it; a list signed by someone else is refused
    assert.equal(server.id.setRevocations(issueRevocationList({ sequence: 0, issuedAt: now, serials: [] }, owner.secretKey)), E_STATE);
    assert.equal(server.id.setRevocations(issueRevocationList({ sequence: 9, issuedAt: now, serials: [] }, newOwner().secretKey)), E_AUTH);
  }
  // issued by another owner who shares the network key
  {
    const other = newOwner(owner.networkKey);
    const server = newDevice(owner);
    const client = newDevice(other);
    const s = CoreSession.server(server.core, { now: 0 });
    const c = CoreSession.client(client.core, server.publicKey);
    shuttle(c, s);
    // the client checks the server's certificate first, fails, and sends nothing
    // more; the server never sees a certificate and times out
    assertDead(c, E_AUTH);
    assert.equal(s.onTimer(10_000), E_PROTO);
    assertDead(s, E_PROTO);
    // the same from the server's side: our owner's client, their owner's server
    const s2 = CoreSession.server(client.core);
    const c2 = CoreSession.client(server.core, client.publicKey);
    shuttle(c2, s2);
    assertDead(c2, E_AUTH);
  }
  // a valid certificate of another device, presented by a device that copied it
  {
    const server = newDevice(owner);
    const victim = newDevice(owner, { name: "victim", write: [""] });
    const thief = newDevice(owner);
    const s = CoreSession.server(server.core);
    const c = CoreSession.client(thief.core, server.publicKey, { transportOnly: true });
    shuttle(c, s);
    const stolen = certFor(owner, victim.publicKey, { name: "victim", write: [""] });
    assert.equal(c.write(stolen), stolen.length);
    shuttle(c, s);
    assertDead(s, E_AUTH);
    assert.equal(server.id.verifyCertificate(stolen, victim.publicKey), 0);
    assert.equal(server.id.verifyCertificate(stolen, thief.publicKey), E_AUTH);
  }
});

test("the device key persists in the secret area; enrollment is set once", () => {
  const owner = newOwner();
  const d = newDevice(owner);
  const again = newDevice(null, { flash: d.flash });
  assert.deepEqual(again.publicKey, d.publicKey);
  assert.deepEqual(again.id.ownerKey(), owner.publicKey);
  // another owner cannot take the device over
  const other = newOwner();
  assert.equal(again.id.enroll(other.publicKey, other.networkKey, certFor(other, again.publicKey)), E_DENIED);
  // the same owner can renew the certificate
  assert.equal(again.id.enroll(owner.publicKey, owner.networkKey, certFor(owner, again.publicKey, { name: "renewed" })), 0);
  // a certificate for another key is refused
  assert.equal(again.id.enroll(owner.publicKey, owner.networkKey, certFor(owner, nacl.sign.keyPair().publicKey)), E_AUTH);
  // without flash the key is ephemeral (init returns 1)
  const core = newDevice(null).core;
  assert.ok(core.call("identity_init") >= 0);
});

test("session slots: 2 on the device build, 1,024 on the gateway (one a connected device); a freed slot is reused", () => {
  for (const [target, max] of [
    ["release", 2],
    ["gateway", 1024],
  ] as const) {
    const d = newDevice(newOwner(), { target });
    const open = Array.from({ length: max }, () => CoreSession.server(d.core));
    assert.equal(d.core.call("identity_session_server", 0, 0n), -13, target);
    open[0]!.free();
    const again = CoreSession.server(d.core);
    assert.equal(again.handle, open[0]!.handle);
  }
});

test("bad handles and ranges return codes, never trap", () => {
  const d = newDevice(newOwner());
  const core = d.core;
  const huge = 0x7fffffff;
  for (const [name, args] of [
    ["identity_session_receive", [99, 0, 1]],
    ["identity_session_take", [-1, 0, 1]],
    ["identity_session_poll_event", [8]],
    ["identity_public_key", [huge]],
    ["identity_enroll", [0, 0, huge, 10]],
    ["identity_cert_verify", [huge, 10, 0]],
    ["identity_revocations_set", [0, -1]],
    ["identity_session_may", [0, 1, huge, 5]],
  ] as const)
    assert.ok(core.call(name, ...args) < 0, name);
  const s = CoreSession.server(core);
  assert.ok(core.call("identity_session_receive", s.handle, huge, 5) < 0);
  assert.ok(core.call("identity_session_read", s.handle, huge, 5) < 0);
  // random bytes in place of a client hello: refused, and the failure is sticky
  assert.equal(s.receive(nacl.randomBytes(200)), E_AUTH);
  assert.equal(s.receive(nacl.randomBytes(200)), E_AUTH);
  assert.ok(!core.isDead);
});

test("enrollCore: an owner data directory enrolls a gateway core and a device core that then talk", () => {
  const owner = initIdentity({ dir: mkdtempSync(join(tmpdir(), "nymote-owner-")) });
  const gw = new DeviceIdentity(new Core("gateway", { flash: new MemoryFlash(64 * 1024) }));
  const dev = new DeviceIdentity(new Core("release", { flash: new MemoryFlash(64 * 1024) }));
  gw.init();
  dev.init();
  enrollCore(gw, owner, { name: "gateway", write: [""], read: [""] });
  enrollCore(dev, owner, { name: "door", write: ["door"] });
  const s = CoreSession.server(gw.core);
  const c = CoreSession.client(dev.core, gw.publicKey());
  shuttle(c, s);
  assert.equal(s.remoteName(), "door");
  assert.equal(c.remoteName(), "gateway");
  assert.deepEqual(dev.ownerKey(), owner.publicKey);
});

test("events are coalesced: a goodbye after many unpolled data frames is still reported", () => {
  const { server, client } = pair("release");
  const { s, c } = open(server, client);
  shuttle(c, s);
  assert.deepEqual(s.events(), [EV_HANDSHAKE, EV_PEER]);
  for (let i = 0; i < 20; i++) {
    c.write(new Uint8Array([i]));
    s.receive(c.take());
    assert.deepEqual(s.read(), new Uint8Array([i]));
  }
  c.close();
  s.receive(c.take());
  assert.deepEqual(s.events(), [EV_DATA, EV_CLOSED]);
});

test("frames are messages: a write of <= 4096 bytes is one frame or nothing, a read one frame", () => {
  const { server, client } = pair("release");
  const { s, c } = open(server, client);
  shuttle(c, s);
  const msgs = [100, 200, 4096, 1].map((n) => nacl.randomBytes(n));
  for (const m of msgs) assert.equal(c.write(m), m.length);
  // the send buffer holds 8260 bytes: 4096 + 34 more does not fit whole, so nothing is taken
  assert.equal(c.write(nacl.randomBytes(4096)), 0);
  const wire = c.take();
  assert.equal(wire.length, 100 + 200 + 4096 + 1 + 4 * 34);
  let off = 0;
  for (const m of msgs) {
    off += s.receive(wire.subarray(off));
    assert.deepEqual(s.read(), m);
  }
  assert.equal(off, wire.length);
});
