// Hostile devices against a gateway, inside an authenticated session (the
// evil device's certificate is valid; it attacks the sync protocol): every
// attack is refused with a reason, the connection is closed, nothing of it is
// stored, and an honest device on the same gateway keeps syncing over its
// Secret Handshake + box-stream session. Attacks on the session itself are in
// hostile-session.test.ts.
import assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import nacl from "tweetnacl";
import { signCommit } from "../../host/export/sign.ts";
import { Gateway, type GatewayConnection } from "../../host/gateway/gateway.ts";
import { Core } from "../../host/runtime/index.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { hex, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "../../host/sync/core.ts";
import { treeBody } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { SYNC_VERSION } from "./wire.ts";

const enc = new TextEncoder();
// The hostile device holds a certificate for its own key and signs what it
// forges (so each attack below is refused for the reason it tests); the
// signature attacks use other keys or none.
const owner = Owner.throwaway();
const evilKey = nacl.sign.keyPair();
const otherKey = nacl.sign.keyPair();
const signer = new Core("gateway");

/** Git object id, computed independently of the core (node:crypto). */
function gitId(type: number, body: Uint8Array): string {
  const t = type === OBJ_BLOB ? "blob" : type === OBJ_TREE ? "tree" : "commit";
  return createHash("sha256").update(`${t} ${body.length}\0`).update(body).digest("hex");
}

function objs(list: [number, Uint8Array][]): Uint8Array {
  const parts: number[] = [2];
  for (const [t, b] of list) parts.push(t, b.length >> 8, b.length & 255, ...b);
  return new Uint8Array(parts);
}

function unsignedCommit(tree: string, parents: string[], msg = "x\n"): Uint8Array {
  return enc.encode(
    `tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join("")}author evil <e@x> 1700000000 +0000\ncommitter evil <e@x> 1700000000 +0000\n\n${msg}`,
  );
}

/** A commit body signed by key (default: the evil device's own, enrolled key). */
function commitBody(tree: string, parents: string[], msg = "x\n", key: Uint8Array | null = evilKey.secretKey): Uint8Array {
  const body = unsignedCommit(tree, parents, msg);
  return key ? signCommit(signer, body, key) : body;
}

function hello(mine: string, yours: string): Uint8Array {
  return new Uint8Array([1, SYNC_VERSION, 0, 1, ...Buffer.from(mine, "hex"), ...Buffer.from(yours, "hex")]);
}

interface Rig {
  gw: Gateway;
  conn: GatewayConnection;
  sent: Uint8Array[];
  closed: () => boolean;
  good: SimDevice;
  syncGood: () => void;
}

function rig(): Rig {
  const gw = new Gateway({ owner, clock: () => 1_700_000_000 });
  // The evil device holds a valid certificate for sensors/evil and speaks raw sync after the handshake.
  gw.enroll(owner.issue(evilKey.publicKey, { name: "evil", write: ["sensors/evil"], read: ["config/evil"] }));
  const sent: Uint8Array[] = [];
  let closed = false;
  const conn = gw.connect(
    "evil",
    (m) => sent.push(m),
    () => {
      closed = true;
    },
  );
  // An honest device on the same gateway, driven synchronously.
  const good = new SimDevice({ name: "good", clock: () => 1_700_000_000 });
  const goodCert = owner.issue(good.identity.publicKey(), { name: "good", write: ["sensors/good"], read: ["config/good"] });
  good.enroll(owner.publicKey, owner.networkKey, goodCert);
  gw.enroll(goodCert);
  const q: [boolean, Uint8Array][] = [];
  const gc = gw.accept(
    (m) => q.push([true, m]),
    () => {},
  );
  good.connect((m) => q.push([false, m]), gw.publicKey);
  const syncGood = () => {
    for (let i = 0; i < 1000 && q.length > 0; i++) {
      const [toDev, m] = q.shift() as [boolean, Uint8Array];
      if (toDev) good.receive(m);
      else gc.receive(m);
    }
  };
  return { gw, conn, sent, closed: () => closed, good, syncGood };
}

function rejectReason(sent: Uint8Array[]): string {
  const r = sent.find((m) => m[0] === 5);
  assert.ok(r, "the gateway sent a REJECT");
  return Buffer.from(r.subarray(36)).toString();
}

function goodStillSyncs(r: Rig): void {
  r.good.record("temp", 21.5);
  r.good.commit();
  r.syncGood();
  assert.equal(r.gw.store.ref("devices/good"), r.good.head, "the honest device's commit was accepted");
}

/** A root commit writing `path`, as the evil device would send it (signed by key, or unsigned). */
function rootCommit(
  path: string,
  key: Uint8Array | null = evilKey.secretKey,
  msg = "x\n",
): { list: [number, Uint8Array][]; commit: string } {
  const segs = path.split("/");
  const list: [number, Uint8Array][] = [];
  const blob = enc.encode("\x18\x2a");
  list.push([OBJ_BLOB, blob]);
  let id = gitId(OBJ_BLOB, blob);
  let mode = "100644";
  for (let i = segs.length - 1; i >= 0; i--) {
    const body = treeBody([{ mode, name: segs[i] as string, id }]);
    list.push([OBJ_TREE, body]);
    id = gitId(OBJ_TREE, body);
    mode = "40000";
  }
  const c = commitBody(id, [], msg, key);
  list.push([OBJ_COMMIT, c]);
  return { list, commit: gitId(OBJ_COMMIT, c) };
}

const ZERO = "0".repeat(64);

test("a write outside the certificate's write prefixes is denied with the path", () => {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  const { list, commit } = rootCommit("config/good/interval");
  r.conn.receive(objs(list));
  assert.match(rejectReason(r.sent), /outside write prefixes: config/);
  assert.ok(r.closed(), "connection closed");
  assert.equal(r.gw.store.ref("devices/evil"), null, "branch not created");
  assert.equal(r.gw.store.has(commit), false, "nothing of the commit stored");
  goodStillSyncs(r);
});

test("a write inside the prefixes is accepted (the check can pass)", () => {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  const { list, commit } = rootCommit("sensors/evil/temp");
  r.conn.receive(objs(list));
  assert.equal(r.gw.store.ref("devices/evil"), commit);
  assert.ok(
    r.sent.some((m) => m[0] === 3 && hex(m.subarray(1)) === commit),
    "ACK sent",
  );
});

test("a forged merge parent (not a view given to this device) is denied", () => {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  const first = rootCommit("sensors/evil/temp");
  r.conn.receive(objs(first.list));
  const goodView = r.gw.store.ref("views/good") as string;
  const c = commitBody(gitId(OBJ_TREE, first.list[first.list.length - 2]?.[1] as Uint8Array), [first.commit, goodView]);
  r.conn.receive(objs([[OBJ_COMMIT, c]]));
  assert.match(rejectReason(r.sent), /merge parent/);
  assert.equal(r.gw.store.ref("devices/evil"), first.commit, "branch unchanged");
  assert.equal(r.gw.store.has(gitId(OBJ_COMMIT, c)), false);
  goodStillSyncs(r);
});

test("a commit whose parent is unknown is denied when the device claims to be done", () => {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  const first = rootCommit("sensors/evil/temp");
  const forged = commitBody(gitId(OBJ_TREE, first.list[first.list.length - 2]?.[1] as Uint8Array), [hex(randomBytes(32))]);
  const id = gitId(OBJ_COMMIT, forged);
  r.conn.receive(objs([...first.list.slice(0, -1), [OBJ_COMMIT, forged]]));
  assert.equal(r.closed(), false, "waits: the parent might still be in flight");
  r.conn.receive(new Uint8Array([4, ...Buffer.from(id, "hex")]));
  assert.match(rejectReason(r.sent), /parent unknown/);
  assert.equal(r.gw.store.has(id), false);
  goodStillSyncs(r);
});

test("objects whose bytes do not match the ids the commit names are never accepted", () => {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  const { list, commit } = rootCommit("sensors/evil/temp");
  // Tamper with the blob: the tree names the original's id.
  const tampered = list.map(([t, b]): [number, Uint8Array] => (t === OBJ_BLOB ? [t, enc.encode("evil")] : [t, b]));
  r.conn.receive(objs(tampered));
  assert.equal(r.gw.store.ref("devices/evil"), null);
  r.conn.receive(new Uint8Array([4, ...Buffer.from(commit, "hex")]));
  assert.match(rejectReason(r.sent), /not matching their ids/);
  assert.equal(r.gw.store.has(commit), false);
  assert.equal(r.gw.store.has(gitId(OBJ_BLOB, enc.encode("evil"))), false, "quarantined objects dropped");
  goodStillSyncs(r);
});

test("junk frames close the connection; the gateway keeps serving", () => {
  for (const junk of [new Uint8Array([0x99, 1, 2, 3]), new Uint8Array([2, 9, 0, 1, 0]), new Uint8Array([3, 1, 2])]) {
    const r = rig();
    r.conn.receive(hello(ZERO, ZERO));
    r.conn.receive(junk);
    assert.ok(r.closed(), `closed after ${Buffer.from(junk).toString("hex")}`);
    assert.ok(
      r.sent.some((m) => m[0] === 6),
      "ERROR sent so the device can log it",
    );
    goodStillSyncs(r);
  }
});

test("a flood of unreferenced objects hits the quarantine bound and closes the connection", () => {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  const blob = new Uint8Array(4000);
  for (let i = 0; i < 400 && !r.closed(); i++) {
    blob.set(randomBytes(8));
    r.conn.receive(objs([[OBJ_BLOB, blob]]));
  }
  assert.ok(r.closed(), "closed before 1.6 MB were held");
  assert.equal(r.gw.store.has(gitId(OBJ_BLOB, blob)), false);
  goodStillSyncs(r);
});

/** Sends a root commit (its objects) and checks the gateway refused it for a bad signature, storing nothing. */
function refusedForSignature(list: [number, Uint8Array][], reason: RegExp): void {
  const r = rig();
  r.conn.receive(hello(ZERO, ZERO));
  r.conn.receive(objs(list));
  const rej = r.sent.find((m) => m[0] === 5);
  assert.ok(rej, "REJECT sent");
  assert.equal(((rej[1] as number) << 24) >> 24, -6, "code E_AUTH");
  assert.match(rejectReason(r.sent), reason);
  assert.ok(r.closed(), "connection closed");
  assert.equal(r.gw.store.ref("devices/evil"), null, "branch not created");
  assert.equal(r.gw.stats.commitsAccepted, 0);
  for (const [t, b] of list) if (t === OBJ_COMMIT) assert.equal(r.gw.store.has(gitId(t, b)), false, "commit not stored");
  goodStillSyncs(r);
}

test("an unsigned commit is refused", () => {
  refusedForSignature(rootCommit("sensors/evil/temp", null).list, /not signed/);
});

test("a commit signed by another key than the device's is refused", () => {
  refusedForSignature(rootCommit("sensors/evil/temp", otherKey.secretKey).list, /does not verify/);
});

test("a commit with any byte changed after signing is refused", () => {
  const { list } = rootCommit("sensors/evil/temp");
  const signed = list[list.length - 1]?.[1] as Uint8Array;
  const text = Buffer.from(signed).toString("latin1");
  // The author line, the message, and a base64 character inside the armor
  // (not the last one before "=": its low bits are padding, RFC 4648 §3.5).
  const positions = [text.indexOf("author ") + 8, text.length - 2, text.indexOf("-----BEGIN SSH SIGNATURE-----") + 60];
  for (const at of positions) {
    const changed = new Uint8Array(signed);
    changed[at] = (changed[at] as number) === 0x41 ? 0x42 : 0x41;
    refusedForSignature([...list.slice(0, -1), [OBJ_COMMIT, changed]], /does not verify|not signed/);
  }
});

test("a valid signature over a different commit is refused", () => {
  // Same tree, another message: the evil device's real signature of commit A
  // spliced into commit B.
  const a = rootCommit("sensors/evil/temp", evilKey.secretKey, "a\n");
  const b = rootCommit("sensors/evil/temp", null, "b\n");
  const sigA = Buffer.from(a.list[a.list.length - 1]?.[1] as Uint8Array).toString("latin1");
  const header = sigA.slice(sigA.indexOf("gpgsig-sha256 "), sigA.indexOf("\n\n") + 1);
  const bodyB = Buffer.from(b.list[b.list.length - 1]?.[1] as Uint8Array).toString("latin1");
  const eoh = bodyB.indexOf("\n\n") + 1;
  const spliced = new Uint8Array(Buffer.from(bodyB.slice(0, eoh) + header + bodyB.slice(eoh), "latin1"));
  assert.ok(Buffer.from(spliced).toString().includes("-----END SSH SIGNATURE-----\n\nb\n"));
  refusedForSignature([...b.list.slice(0, -1), [OBJ_COMMIT, spliced]], /does not verify/);
});

test("a device recorded without a public key (a devices.json from before certificates) gets nothing accepted", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-keyless-"));
  writeFileSync(join(dir, "devices.json"), JSON.stringify([{ name: "keyless", write: ["sensors/keyless"], read: [] }]));
  const gw = new Gateway({ dataDir: dir });
  const sent: Uint8Array[] = [];
  const conn = gw.connect(
    "keyless",
    (m) => sent.push(m),
    () => {},
  );
  conn.receive(hello(ZERO, ZERO));
  conn.receive(objs(rootCommit("sensors/keyless/t").list));
  assert.match(rejectReason(sent), /no public key/);
  assert.equal(gw.store.ref("devices/keyless"), null);
  gw.close();
  rmSync(dir, { recursive: true, force: true });
});
