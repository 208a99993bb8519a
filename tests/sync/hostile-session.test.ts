// Hostile devices at the session layer: every device↔gateway sync runs inside
// the identity part's Secret Handshake + box-stream, and the certificate the
// device presents decides who it is. A wrong network key, another owner's
// certificate, an expired or revoked one, a certificate claiming an enrolled
// name with another key, a transport claiming another name, junk bytes: the
// session is refused with a logged reason before any sync, nothing is stored,
// and an honest device on the same gateway keeps syncing.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { test } from "node:test";
import { Gateway } from "../../host/gateway/gateway.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { listPaths, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { enrolled, grant, type Link, link } from "./link.ts";

interface Rig {
  owner: Owner;
  gw: Gateway;
  log: string[];
  good: Link;
  goodStillSyncs: () => void;
}

function rig(): Rig {
  const owner = Owner.throwaway();
  const log: string[] = [];
  const gw = new Gateway({ owner, clock: () => 1_700_000_000, log: (l) => log.push(l) });
  const good = link(gw, enrolled(owner, "good").dev);
  assert.equal(gw.store.ref("devices/good"), good.dev.head, "the honest device synced");
  const goodStillSyncs = () => {
    good.dev.record("temp", [Date.now(), 21.5]);
    good.dev.commit();
    good.run();
    assert.equal(gw.store.ref("devices/good"), good.dev.head, "the honest device's new commit was accepted");
  };
  return { owner, gw, log, good, goodStillSyncs };
}

/** The attacker's session ended before sync: refused with a reason (on either side), closed, nothing of it stored. */
function refused(r: Rig, l: Link, name: string, reason: RegExp): void {
  assert.ok(l.closed(), "the connection is closed");
  assert.equal(r.gw.connection(name), undefined, "the gateway never ran sync for it");
  assert.ok(
    [...r.gw.refusals, ...l.dev.log].some((x) => reason.test(x)),
    `reason logged: gateway ${r.gw.refusals.join("; ")} / device ${l.dev.log.join("; ")}`,
  );
  assert.ok(
    r.log.some((x) => x.startsWith("session refused:")),
    "the gateway logged it",
  );
  assert.equal(r.gw.store.ref(`devices/${name}`), null, "no branch for it");
  assert.ok(!listPaths(r.gw.store, treeOf(r.gw.store, r.gw.store.ref("main"))).some((e) => e.path.startsWith(`sensors/${name}`)));
  r.goodStillSyncs();
}

test("a device with a valid certificate syncs (the checks can pass)", () => {
  const r = rig();
  const l = link(r.gw, enrolled(r.owner, "kitchen").dev);
  l.dev.record("temp", [1, 20]);
  l.dev.commit();
  l.run();
  assert.equal(r.gw.store.ref("devices/kitchen"), l.dev.head);
  assert.equal(r.gw.devices.get("kitchen")?.publicKey, l.dev.publicKey, "the record carries the certificate's key");
  assert.deepEqual(r.gw.refusals, []);
});

test("a device of another owner (other network key) is refused at the handshake", () => {
  const r = rig();
  const l = link(r.gw, enrolled(Owner.throwaway(), "intruder").dev);
  // The gateway never answers a hello it cannot authenticate; the device gives up at its deadline.
  l.dev.timer(performance.now() + 10_001);
  refused(r, l, "intruder", /E_AUTH/);
  assert.ok(
    l.dev.log.some((x) => /E_PROTO/.test(x)),
    `the device logged its timeout: ${l.dev.log.join("; ")}`,
  );
});

test("a certificate from another owner key (network key leaked) is refused", () => {
  const r = rig();
  const forger = Owner.throwaway(r.owner.networkKey);
  const l = link(r.gw, enrolled(forger, "forged").dev);
  refused(r, l, "forged", /E_AUTH/);
});

test("a certificate whose signature does not verify is refused", () => {
  const r = rig();
  // The device cannot even store a forged certificate (enrollment verifies it);
  // so the forgery is a certificate naming the owner as issuer, signed by someone else.
  const dev = new SimDevice({ name: "forged2", clock: () => 1_700_000_000 });
  const other = Owner.throwaway(r.owner.networkKey);
  const cert = other.issue(dev.identity.publicKey(), grant("forged2"));
  assert.ok(dev.identity.enroll(r.owner.publicKey, r.owner.networkKey, cert) < 0, "the device refuses it too");
  assert.throws(() => r.gw.enroll(cert), /refused/, "enrollment refuses it");
});

test("an expired certificate is refused (the device did not know the time)", () => {
  const r = rig();
  const now = Math.floor(Date.now() / 1000);
  // A device whose clock is unknown (0) skips validity at enrollment; the gateway does not.
  const dev = new SimDevice({ name: "stale", clock: () => 1_700_000_000, coreClock: () => 0 });
  const cert = r.owner.issue(dev.identity.publicKey(), { ...grant("stale"), notBefore: now - 7200, notAfter: now - 3600 });
  assert.ok(
    new SimDevice({ name: "x" }).identity.enroll(r.owner.publicKey, r.owner.networkKey, cert) < 0,
    "a device that knows the time refuses it",
  );
  dev.enroll(r.owner.publicKey, r.owner.networkKey, cert);
  const l = link(r.gw, dev);
  refused(r, l, "stale", /E_AUTH/);
});

test("a revoked certificate is refused", () => {
  const r = rig();
  const { dev, cert } = enrolled(r.owner, "lost");
  const serial = r.gw.enroll(cert).serial;
  r.gw.revoke(r.owner.revoke([serial], 1));
  const l = link(r.gw, dev);
  refused(r, l, "lost", /revoked/);
});

test("a certificate claiming an enrolled name with another key is refused", () => {
  const r = rig();
  const l = link(r.gw, enrolled(r.owner, "good").dev);
  assert.ok(l.closed());
  assert.ok(
    r.gw.refusals.some((x) => /certificate for good names key/.test(x)),
    r.gw.refusals.join("; "),
  );
  assert.equal(r.gw.devices.get("good")?.publicKey, r.good.dev.publicKey, "the record keeps the first key");
  r.goodStillSyncs();
});

test("a transport claiming another device's name (MQTT topic) is refused", () => {
  const r = rig();
  const l = link(r.gw, enrolled(r.owner, "mallory").dev, { name: "good" });
  refused(r, l, "mallory", /transport names good but the certificate names mallory/);
});

test("junk bytes instead of a handshake are refused; a stalled handshake times out", () => {
  const r = rig();
  let closed = false;
  const c = r.gw.accept(
    () => {},
    () => {
      closed = true;
    },
    { nowMs: 0 },
  );
  c.receive(new Uint8Array(randomBytes(64)));
  assert.ok(closed, "closed after a hello that fails the network key's MAC");
  let closed2 = false;
  const c2 = r.gw.accept(
    () => {},
    () => {
      closed2 = true;
    },
    { nowMs: 0 },
  );
  c2.timer(5_000);
  assert.equal(closed2, false);
  c2.timer(10_001);
  assert.ok(closed2, "closed at the handshake deadline");
  assert.ok(r.gw.refusals.some((x) => /E_PROTO/.test(x)));
  r.goodStillSyncs();
});

test("a device receives only the paths its certificate's read prefixes allow (segment, trailing '/', empty)", () => {
  const r = rig();
  for (const p of ["config/kitchen/interval", "config/kitchenette/interval", "config/hall/mode", "config/hallway", "secret/key"])
    r.gw.set(p, new Uint8Array([0x01]));
  const cases: [string[], string[]][] = [
    [["config/kitchen"], ["config/kitchen/interval"]],
    [["config/hall/"], ["config/hall/mode"]],
    [[""], ["config/hall/mode", "config/hallway", "config/kitchen/interval", "config/kitchenette/interval", "secret/key"]],
  ];
  for (const [i, [read, want]] of cases.entries()) {
    const name = `reader${i}`;
    const l = link(r.gw, enrolled(r.owner, name, { grant: { read } }).dev);
    // What crossed the wire: the view the device received (sync/remote).
    const got = listPaths(l.dev.store, treeOf(l.dev.store, l.dev.store.ref("sync/remote"))).map((e) => e.path);
    assert.deepEqual(got.sort(), want, `read ${JSON.stringify(read)}`);
  }
  r.goodStillSyncs();
});
