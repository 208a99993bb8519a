// A gateway killed in the middle of fleet syncs and started again on the same
// data directory: every commit any device had seen acknowledged is still on its
// branch and its readings are in main, the gateway comes back with the same
// key (devices pin it), and devices resume from what was acknowledged: no
// acknowledged commit crosses the wire again.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { rng } from "../../host/flash/sim.ts";
import { Gateway, type GatewayLink } from "../../host/gateway/gateway.ts";
import { DataDir } from "../../host/gateway/persist.ts";
import { logLines } from "../../host/gateway/read.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { hex, SyncSession } from "../../host/sync/core.ts";
import { history, listPaths, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { commitIds } from "../sync/wire.ts";

const DEVICES = 3;
const COMMITS = 40; // more than the sender's window of 16: several rounds each

/** The OBJS messages gateway-side sync sessions receive (their commits are identified in tests/sync/wire.ts, independently of the core). */
const objsSeen: Uint8Array[] = [];
const receive = SyncSession.prototype.receive;
SyncSession.prototype.receive = function (this: SyncSession, m: Uint8Array): number {
  if (this.role === "gateway" && m[0] === 2) objsSeen.push(m.slice());
  return receive.call(this, m);
};

interface Slot {
  dev: SimDevice;
  q: [boolean, Uint8Array][];
  conn: GatewayLink | null;
}

function connect(gw: Gateway, s: Slot): void {
  s.q = [];
  const q = s.q;
  s.conn = gw.accept(
    (b) => q.push([true, b]),
    () => {},
  );
  const conn = s.conn;
  s.dev.connect((b) => q.push([false, b]), gw.publicKey);
  void conn;
}

/** Delivers one queued message of a random device; false when all are idle. */
function step(slots: Slot[], random: () => number): boolean {
  const busy = slots.filter((s) => s.q.length > 0);
  if (busy.length === 0) return false;
  const s = busy[Math.floor(random() * busy.length)] as Slot;
  const [toDev, b] = s.q.shift() as [boolean, Uint8Array];
  if (toDev) s.dev.receive(b);
  else s.conn?.receive(b);
  return true;
}

function sensors(gw: Gateway, commit: string | null, name: string): string {
  return listPaths(gw.store, treeOf(gw.store, commit))
    .filter((e) => e.path.startsWith(`sensors/${name}/`))
    .map((e) => `${e.path}=${e.id}`)
    .join("\n");
}

for (const seed of [1, 2, 3]) {
  test(`gateway killed mid-sync and restarted on its data directory (seed ${seed})`, () => {
    const dir = mkdtempSync(join(tmpdir(), "nymote-restart-"));
    try {
      const random = rng(seed);
      let now = 1_700_000_000;
      const clock = () => now++;
      const owner = Owner.throwaway();
      let gw = new Gateway({ dataDir: dir, owner, clock });
      const key = hex(gw.publicKey);
      const slots: Slot[] = [];
      for (let i = 0; i < DEVICES; i++) {
        const name = `dev${i}`;
        const dev = new SimDevice({ name, clock, seed: seed * 100 + i });
        const cert = owner.issue(dev.identity.publicKey(), { name, write: [`sensors/${name}`], read: [`config/${name}`] });
        dev.enroll(owner.publicKey, owner.networkKey, cert);
        gw.enroll(cert);
        slots.push({ dev, q: [], conn: null });
      }
      let kills = 0;
      let interrupted = 0;
      for (let round = 0; round < 4; round++) {
        for (const s of slots) {
          for (let c = 0; c < COMMITS / 4; c++) {
            s.dev.record("temp", [round * 100 + c, 20 + c]);
            s.dev.commit();
          }
          connect(gw, s);
        }
        // Part of the way through everyone's sync, the gateway dies: no goodbye, no
        // flush, the messages in flight are lost.
        const cut = 5 + Math.floor(random() * 40);
        for (let n = 0; n < cut && step(slots, random); n++);
        const acked = slots.map((s) => s.dev.acked);
        interrupted += slots.filter((s) => s.dev.acked !== s.dev.head).length;
        for (const s of slots) {
          s.dev.disconnect();
          s.q.length = 0;
          s.conn = null;
        }
        kills++;
        gw = new Gateway({ dataDir: dir, clock });
        assert.equal(hex(gw.publicKey), key, "the gateway kept its key");
        assert.ok(gw.enrolled, "and its certificate");
        for (const [i, s] of slots.entries()) {
          const a = acked[i];
          if (!a) continue;
          const head = gw.store.ref(`devices/${s.dev.name}`);
          assert.ok(
            history(gw.store, head).some((c) => c.id === a),
            `${s.dev.name}: acknowledged ${a.slice(0, 12)} survived the kill`,
          );
          assert.equal(
            sensors(gw, gw.store.ref("main"), s.dev.name),
            sensors(gw, head, s.dev.name),
            `${s.dev.name}: its readings are in main`,
          );
        }
        // Devices resume: nothing they had acknowledged is sent again.
        // Commits must cross unless the gateway stored every head before the kill (only ACKs were lost).
        const behind = slots.some((s) => gw.store.ref(`devices/${s.dev.name}`) !== s.dev.head);
        objsSeen.length = 0;
        for (const s of slots) connect(gw, s);
        for (let n = 0; n < 100_000 && step(slots, random); n++);
        const commitsSeen = commitIds(
          objsSeen,
          slots.map((s) => s.dev.identity.publicKey()),
        );
        for (const [i, s] of slots.entries()) {
          const a = acked[i];
          assert.equal(gw.store.ref(`devices/${s.dev.name}`), s.dev.head, `${s.dev.name}: caught up after the restart`);
          if (!a) continue;
          const before = new Set(history(gw.store, a).map((c) => c.id));
          const resent = commitsSeen.filter((id) => before.has(id));
          assert.deepEqual(resent, [], `${s.dev.name}: acknowledged commits resent`);
        }
        assert.ok(commitsSeen.length > 0 || !behind, "the check can fail: commits did cross");
      }
      assert.equal(kills, 4);
      assert.ok(interrupted > 0, "some kills landed in the middle of a device's sync");
      for (const s of slots) {
        assert.equal(sensors(gw, gw.store.ref("main"), s.dev.name), sensors(gw, s.dev.head, s.dev.name));
        s.dev.disconnect();
      }
      gw.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
}

// A kill can land between any two saves. The session moves devices/<name> to
// the last commit of a received batch before the gateway merges the batch's
// commits one by one; a refs.json with that branch ahead of main would, after a
// restart, never merge the commits in between (the device does not resend
// what the gateway says it has). So every refs.json written has each device's
// readings on its branch equal to main's.
test("every refs.json the gateway writes has each device branch merged into main", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-restart-"));
  const save = DataDir.prototype.save;
  try {
    let now = 1_700_000_000;
    const clock = () => now++;
    const owner = Owner.throwaway();
    const gw = new Gateway({ dataDir: dir, owner, clock });
    const written: Record<string, string>[] = [];
    DataDir.prototype.save = function (this: DataDir, ...args: Parameters<DataDir["save"]>) {
      save.apply(this, args);
      written.push(JSON.parse(readFileSync(join(dir, "refs.json"), "utf8")) as Record<string, string>);
    };
    const slots: Slot[] = [];
    for (const [i, name] of ["dev0", "dev1"].entries()) {
      const dev = new SimDevice({ name, clock, seed: 50 + i });
      const cert = owner.issue(dev.identity.publicKey(), { name, write: [`sensors/${name}`], read: [`config/${name}`] });
      dev.enroll(owner.publicKey, owner.networkKey, cert);
      gw.enroll(cert);
      // Offline commits, one reading each at its own path: they cross in batches.
      for (let c = 0; c < COMMITS / 2; c++) {
        dev.record(`r${c}`, [c, 20 + c]);
        dev.commit();
      }
      slots.push({ dev, q: [], conn: null });
    }
    for (const s of slots) connect(gw, s);
    const random = rng(7);
    for (let n = 0; n < 100_000 && step(slots, random); n++);
    for (const s of slots) assert.equal(gw.store.ref(`devices/${s.dev.name}`), s.dev.head, `${s.dev.name}: all acknowledged`);
    for (const [i, refs] of written.entries()) {
      for (const s of slots) {
        const branch = refs[`devices/${s.dev.name}`] ?? null;
        assert.equal(
          sensors(gw, refs.main ?? null, s.dev.name),
          sensors(gw, branch, s.dev.name),
          `save ${i}: ${s.dev.name}'s branch is in main`,
        );
      }
    }
    assert.ok(
      written.length < gw.stats.commitsAccepted,
      `commits crossed in batches (${gw.stats.commitsAccepted} in ${written.length} saves)`,
    );
    for (const s of slots) s.dev.disconnect();
    gw.close();
  } finally {
    DataDir.prototype.save = save;
    rmSync(dir, { recursive: true, force: true });
  }
});

// The bookmark merged/<name> names the device head main has; a data directory
// whose device branch is ahead of it (written by an older gateway, or a branch
// moved by pullRemote) is merged when the gateway starts, before anyone is
// served; a reader of the directory merges nothing.
test("a gateway starting with a device branch ahead of its merge bookmark merges it into main", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-restart-"));
  try {
    let now = 1_700_000_000;
    const clock = () => now++;
    const owner = Owner.throwaway();
    let gw = new Gateway({ dataDir: dir, owner, clock });
    const dev = new SimDevice({ name: "dev0", clock, seed: 9 });
    const cert = owner.issue(dev.identity.publicKey(), { name: "dev0", write: ["sensors/dev0"], read: ["config/dev0"] });
    dev.enroll(owner.publicKey, owner.networkKey, cert);
    gw.enroll(cert);
    const slot: Slot = { dev, q: [], conn: null };
    const random = rng(3);
    for (let c = 0; c < 3; c++) {
      dev.record(`r${c}`, [c, 20 + c]);
      dev.commit();
      connect(gw, slot);
      for (let n = 0; n < 10_000 && step([slot], random); n++);
    }
    assert.equal(gw.store.ref("devices/dev0"), dev.head);
    const head = dev.head as string;
    const mergedBefore = history(gw.store, gw.store.ref("main")).find(
      (c) => c.parents[1] !== undefined && c.parents[1] !== head && c.message === "merge dev0\n",
    );
    assert.ok(mergedBefore, "an earlier merge of dev0 into main");
    dev.disconnect();
    gw.close();
    // Main and the bookmark back at that earlier merge; the branch stays at the head.
    const refsFile = join(dir, "refs.json");
    const refs = JSON.parse(readFileSync(refsFile, "utf8")) as Record<string, string>;
    refs.main = mergedBefore.id;
    refs["merged/dev0"] = mergedBefore.parents[1] as string;
    writeFileSync(refsFile, JSON.stringify(refs));
    // Readers (nymote log|get|devices, maybe beside a running daemon) leave the directory alone.
    const before = readFileSync(refsFile);
    assert.ok(logLines(dir).length > 0);
    assert.deepEqual(readFileSync(refsFile), before, "a reader wrote nothing");
    gw = new Gateway({ dataDir: dir, clock });
    assert.equal(sensors(gw, gw.store.ref("main"), "dev0"), sensors(gw, head, "dev0"), "main has every reading of the branch");
    assert.equal(gw.store.ref("merged/dev0"), head);
    assert.equal(history(gw.store, gw.store.ref("main"), 1)[0]?.parents[0], mergedBefore.id, "one merge on top");
    gw.close();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
