// The real `nymote gateway` process, killed with SIGKILL in the middle of
// devices' syncs and started again on the same data directory and ports, as a
// supervisor would. Set up with the CLI (`identity init`, `enroll`, `gateway
// --owner --enroll`); simulated devices (each its own device core) sync from
// this process, two over TCP and one over the gateway's embedded MQTT broker
// (which dies with it), and keep committing through every kill.
//
// After each kill, with the process dead, the data directory is read from disk
// by an independent reader (the object log parsed and every object hashed here):
// every commit any device had seen acknowledged is on its branch, every reading
// it carries is in main with the value the device wrote, the branch's readings
// equal main's, and every object reachable from a ref is present. After the last
// restart the fleet heals; then each branch equals its device's head, main holds
// every reading ever committed, the log holds each object once, and stock git
// finds an export of the directory whole (fsck --strict) and agrees.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { appendFileSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decode } from "cbor-x";
import { rng } from "../../host/flash/sim.ts";
import { loadIdentity } from "../../host/identity/keys.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "../../host/sync/core.ts";
import { parseCommit, treeEntries } from "../../host/sync/objects.ts";
import { dialMqtt } from "../../host/transport/mqtt.ts";
import { type DeviceLink, dialTcp } from "../../host/transport/tcp.ts";
import { freePort } from "./net.ts";

const SEED = 11;
const DEVICES = 3;
const KILLS = 5;
/** Each device commits one reading this often (ms), also while the gateway is down. */
const COMMIT_MS = 60;
/** After the last restart: keep committing this long, then wait at most HEAL_MS for every commit to be acknowledged. */
const TAIL_MS = 1500;
const HEAL_MS = 20_000;

const BIN = join(import.meta.dirname, "..", "..", "bin", "nymote.js");

function cli(args: string[]): string {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: "utf8" });
  assert.equal(r.status, 0, `nymote ${args.join(" ")}: ${r.stderr}`);
  return r.stdout;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, ok: () => boolean, ms: number): Promise<void> {
  const deadline = Date.now() + ms;
  while (!ok()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

// ---------------------------------------------------------------------------
// The data directory as it is on disk, read without the gateway's code:
// objects.log is records of (type u8, length u32 LE, Git object body), refs.json
// maps ref names to commit ids (host/gateway/persist.ts). Ids are recomputed
// here (Git SHA-256 object format).

const TYPE_NAME: Record<number, string> = { [OBJ_BLOB]: "blob", [OBJ_TREE]: "tree", [OBJ_COMMIT]: "commit" };

interface Disk {
  objects: Map<string, { type: number; body: Buffer }>;
  refs: Record<string, string>;
  records: number;
  /** Ids stored by more than one record. */
  duplicates: string[];
  /** Bytes after the last whole record: what a kill inside write(2) leaves. */
  tornTail: number;
  /** Problems: bad types, dangling references, wrong object types. */
  corrupt: string[];
}

function readDisk(dir: string): Disk {
  const log = readFileSync(join(dir, "objects.log"));
  const objects = new Map<string, { type: number; body: Buffer }>();
  const duplicates: string[] = [];
  const corrupt: string[] = [];
  let off = 0;
  let records = 0;
  while (off + 5 <= log.length) {
    const type = log[off] as number;
    const len = log.readUInt32LE(off + 1);
    if (off + 5 + len > log.length) break;
    const body = log.subarray(off + 5, off + 5 + len);
    const name = TYPE_NAME[type];
    if (!name) corrupt.push(`record at ${off}: object type ${type}`);
    const id = createHash("sha256").update(`${name} ${len}\0`).update(body).digest("hex");
    if (objects.has(id)) duplicates.push(id);
    objects.set(id, { type, body });
    records++;
    off += 5 + len;
  }
  const refs = JSON.parse(readFileSync(join(dir, "refs.json"), "utf8")) as Record<string, string>;
  // fsck: everything reachable from a ref is present with the type that names it.
  const seen = new Set<string>();
  const stack: [string, number, string][] = Object.entries(refs).map(([r, id]) => [id, OBJ_COMMIT, r]);
  while (stack.length > 0) {
    const [id, want, from] = stack.pop() as [string, number, string];
    if (seen.has(id)) continue;
    seen.add(id);
    const o = objects.get(id);
    if (!o) {
      corrupt.push(`${from} names ${id}, which is not in objects.log`);
      continue;
    }
    if (o.type !== want) corrupt.push(`${id} is a ${TYPE_NAME[o.type]}, ${from} names it as a ${TYPE_NAME[want]}`);
    if (o.type === OBJ_COMMIT) {
      const c = parseCommit(id, o.body);
      stack.push([c.tree, OBJ_TREE, id]);
      for (const p of c.parents) stack.push([p, OBJ_COMMIT, id]);
    } else if (o.type === OBJ_TREE) {
      for (const e of treeEntries(o.body)) stack.push([e.id, e.mode === "40000" ? OBJ_TREE : OBJ_BLOB, id]);
    }
  }
  return { objects, refs, records, duplicates, tornTail: log.length - off, corrupt };
}

function commitOf(d: Disk, id: string) {
  const o = d.objects.get(id);
  assert.ok(o && o.type === OBJ_COMMIT, `commit ${id.slice(0, 12)} on disk`);
  return parseCommit(id, o.body);
}

/** First-parent chain from a ref's commit, newest first. */
function chain(d: Disk, head: string | undefined): string[] {
  const out: string[] = [];
  for (let id = head; id; id = commitOf(d, id).parents[0]) out.push(id);
  return out;
}

/** The id at path (segments joined by '/') under a commit's tree, or null. */
function lookup(d: Disk, commit: string | undefined, path: string): string | null {
  if (!commit) return null;
  let id = commitOf(d, commit).tree;
  for (const seg of path.split("/")) {
    const tree = d.objects.get(id);
    if (!tree || tree.type !== OBJ_TREE) return null;
    const next = treeEntries(tree.body).find((e) => e.name === seg);
    if (!next) return null;
    id = next.id;
  }
  return id;
}

// ---------------------------------------------------------------------------
// The fleet: devices in this process, dialing the daemon over TCP or MQTT,
// redialing while it is down.

interface Fleet {
  dev: SimDevice;
  /** Syncs over the gateway's embedded MQTT broker (which dies with it) instead of TCP. */
  mqtt: boolean;
  link: DeviceLink | null;
  /** Readings committed: seq → [path under sensors/<name>, value]. */
  readings: [string, number[]][];
  /** Commit id → the last reading seq it carries. */
  seqOf: Map<string, number>;
  /** Every distinct acknowledged head the device saw, in order. */
  acks: string[];
}

/** What a kill follows: a commit tick of the fleet, or an acknowledgement a device saw. */
type Moment = "commit" | "ack";

/** Where reading seq lives: 32 to a tree, so no tree nears the 4 KiB object limit. */
const slot = (seq: number) => `b${Math.floor(seq / 32)}/r${seq % 32}`;

/** The highest reading seq a commit of the device carries (-1: the first-boot commit, or none acknowledged yet). */
function ackedSeq(f: Fleet, acked: string | null): number {
  if (acked === null) return -1;
  const seq = f.seqOf.get(acked);
  assert.ok(seq !== undefined, `${f.dev.name}: ${acked.slice(0, 12)} is one of its commits`);
  return seq;
}

test("nymote gateway killed with SIGKILL mid-sync, restarted on its data directory: no acknowledged reading lost", async (t) => {
  const root = mkdtempSync(join(tmpdir(), "nymote-daemon-kill-"));
  const ownerDir = join(root, "owner");
  const data = join(root, "gateway");
  // The kill schedule draws from its own generator, so it is the same for a seed however the run's timing goes.
  const schedule = rng(SEED);
  const values = rng(SEED + 1);
  const firstOn = Math.floor(schedule() * 2);
  let proc: ChildProcess | null = null;
  let output = "";
  let stopped = false;
  const fleet: Fleet[] = [];
  let ticker: ReturnType<typeof setInterval> | null = null;
  // Whatever fails, no child outlives the test and the fleet's sockets close.
  const cleanup = () => {
    stopped = true;
    if (ticker) clearInterval(ticker);
    for (const f of fleet) f.link?.close();
    if (proc && proc.exitCode === null && proc.signalCode === null) proc.kill("SIGKILL");
    rmSync(root, { recursive: true, force: true });
  };
  t.after(cleanup);
  const orphan = () => proc?.kill("SIGKILL");
  process.once("exit", orphan);
  t.after(() => process.off("exit", orphan));
  const fail = (why: string) => new Error(`${why}\n--- gateway output ---\n${output.slice(-4000)}`);

  cli(["identity", "init", "--dir", ownerDir]);
  const owner = loadIdentity(ownerDir);
  const certs: string[] = [];
  let clockSec = 1_700_000_000;
  for (let i = 0; i < DEVICES; i++) {
    const name = `dev${i}`;
    const dev = new SimDevice({ name, seed: SEED * 100 + i, clock: () => clockSec++ });
    const cert = join(root, `${name}.cose`);
    cli([
      "enroll",
      dev.publicKey,
      "--name",
      name,
      "--write",
      `sensors/${name}`,
      "--read",
      `config/${name}`,
      "--dir",
      ownerDir,
      "--out",
      cert,
    ]);
    dev.enroll(owner.publicKey, owner.networkKey, new Uint8Array(readFileSync(cert)));
    certs.push(cert);
    fleet.push({ dev, mqtt: i === DEVICES - 1, link: null, readings: [], seqOf: new Map([[dev.head as string, -1]]), acks: [] });
  }
  const tcpPort = await freePort();
  const mqttPort = await freePort();

  /**
   * Starts the daemon (the first time certified by the owner, with the device
   * certificates); resolves once it serves. While it was down, a client socket of
   * this machine may have been given one of its ports as a local port: then it
   * exits with EADDRINUSE and is started again shortly after.
   */
  const start = async (first: boolean): Promise<ChildProcess> => {
    const args = [BIN, "gateway", "--data", data, "--port", String(tcpPort), "--mqtt-port", String(mqttPort)];
    if (first) args.push("--owner", ownerDir, "--enroll", ...certs);
    for (let attempt = 1; ; attempt++) {
      const p = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
      proc = p;
      let out = "";
      let err = "";
      p.stdout?.on("data", (b) => {
        out += b;
        output += b;
      });
      p.stderr?.on("data", (b) => {
        err += b;
        output += b;
      });
      const exited = () => p.exitCode !== null || p.signalCode !== null;
      await until("the gateway to serve TCP and MQTT or exit", () => exited() || out.includes("gateway: MQTT topics"), 30_000).catch(
        (e: Error) => {
          throw fail(e.message);
        },
      );
      if (!exited()) return p;
      if (attempt < 5 && err.includes("EADDRINUSE")) {
        await sleep(300);
        continue;
      }
      throw fail(`the gateway exited (${p.exitCode ?? p.signalCode})`);
    }
  };

  proc = await start(true);
  const gatewayKey = new Uint8Array(Buffer.from(readFileSync(join(data, "gateway.pub"), "utf8").trim(), "hex"));

  const t0 = Date.now();
  let acksSeen = 0;
  const dial = async (f: Fleet): Promise<void> => {
    if (stopped) return;
    let link: DeviceLink | null = null;
    const onBytes = (b: Uint8Array) => {
      f.dev.receive(b);
      const a = f.dev.acked;
      if (a && a !== f.acks[f.acks.length - 1]) {
        f.acks.push(a);
        acksSeen++;
        trigger?.("ack");
      }
    };
    const onClose = () => {
      if (link === null || f.link !== link) return;
      f.link = null;
      f.dev.disconnect();
      setTimeout(() => void dial(f), 100);
    };
    try {
      link = f.mqtt
        ? await dialMqtt(f.dev.name, `mqtt://127.0.0.1:${mqttPort}`, onBytes, onClose)
        : dialTcp("127.0.0.1", tcpPort, onBytes, onClose);
    } catch {
      // The broker is down with the gateway: try again.
      setTimeout(() => void dial(f), 100);
      return;
    }
    if (stopped) return link.close();
    const l = link;
    f.link = l;
    f.dev.connect((b) => l.send(b), gatewayKey, { nowMs: Date.now() - t0, ended: () => l.close() });
  };
  for (const f of fleet) void dial(f);

  let committing = true;
  let lastCommit = 0;
  /** While a kill is pending: called after each commit tick and each acknowledgement a device sees. */
  let trigger: ((on: Moment) => void) | null = null;
  ticker = setInterval(() => {
    const now = Date.now() - t0;
    if (committing && now - lastCommit >= COMMIT_MS) {
      lastCommit = now;
      for (const f of fleet) {
        const seq = f.readings.length;
        const value = [seq, Math.floor(values() * 4000) - 1000];
        f.readings.push([slot(seq), value]);
        f.dev.record(slot(seq), value);
        const id = f.dev.commit();
        if (id) f.seqOf.set(id, seq);
      }
      trigger?.("commit");
    }
    for (const f of fleet) f.dev.timer(now, 500);
  }, 10);

  /** A device has a commit on the wire: its session is open and its head is not acknowledged yet. */
  const inFlight = () => fleet.some((f) => f.dev.session !== null && f.dev.acked !== f.dev.head);

  /**
   * SIGKILL at a seeded moment in the middle of the syncs: once every device
   * (TCP and MQTT) saw an acknowledgement since the (re)start and a seeded number
   * of them arrived, then at the first moment of the
   * kill's kind (kinds alternate) at which some device has a commit in flight:
   * a seeded 0-9 ms after a commit tick, or 0-2 ms after a device saw an
   * acknowledgement (what it saw must be durable already).
   */
  const killMidSync = async (k: number): Promise<{ on: Moment; open: (DeviceLink | null)[] }> => {
    const target = acksSeen + 1 + Math.floor(schedule() * 12);
    const before = fleet.map((f) => f.acks.length);
    const on: Moment = (k + firstOn) % 2 === 0 ? "ack" : "commit";
    const within = on === "ack" ? 3 : 10;
    const synced = () => acksSeen >= target && fleet.every((f, i) => f.acks.length > (before[i] as number));
    await until(`acknowledgements to every device before kill ${k}`, synced, 30_000).catch((e: Error) => {
      throw fail(e.message);
    });
    const p = proc as ChildProcess;
    const exited = new Promise((r) => p.once("exit", r));
    const open = await new Promise<(DeviceLink | null)[]>((resolve, reject) => {
      const deadline = setTimeout(() => {
        trigger = null;
        reject(fail(`kill ${k}: no moment with a commit in flight within 30 s`));
      }, 30_000);
      trigger = (m) => {
        if (m !== on) return;
        setTimeout(
          () => {
            if (trigger === null || !inFlight()) return;
            trigger = null;
            clearTimeout(deadline);
            p.kill("SIGKILL");
            resolve(fleet.map((f) => f.link));
          },
          Math.floor(schedule() * within),
        );
      };
    });
    await exited;
    return { on, open };
  };

  /** Checks the data directory of the dead gateway against what each device saw acknowledged. */
  const checkDisk = (when: string, final: boolean) => {
    const d = readDisk(data);
    assert.deepEqual(d.corrupt, [], `${when}: the data directory is consistent`);
    if (final) {
      assert.equal(d.tornTail, 0, `${when}: no torn record left in objects.log`);
      assert.deepEqual(d.duplicates, [], `${when}: every object stored once`);
    }
    for (const f of fleet) {
      const name = f.dev.name;
      const branch = d.refs[`devices/${name}`];
      const onBranch = new Set(chain(d, branch));
      for (const a of f.acks) assert.ok(onBranch.has(a), `${when}: ${name}'s acknowledged ${a.slice(0, 12)} is on devices/${name}`);
      const upTo = ackedSeq(f, f.dev.acked);
      for (let seq = 0; seq <= upTo; seq++) {
        const [path, value] = f.readings[seq] as [string, number[]];
        const id = lookup(d, d.refs.main, `sensors/${name}/${path}`);
        assert.ok(id, `${when}: ${name}'s acknowledged reading ${seq} (sensors/${name}/${path}) is in main`);
        assert.deepEqual(decode(d.objects.get(id)?.body as Buffer), [value], `${when}: ${name}'s reading ${seq} in main`);
      }
      // The branch and main agree on the device's readings: nothing accepted is left unmerged.
      assert.equal(
        lookup(d, d.refs.main, `sensors/${name}`),
        lookup(d, branch, `sensors/${name}`),
        `${when}: main has devices/${name}'s readings`,
      );
    }
    return d;
  };

  // One kill (seeded) also lands inside write(2): the kernel stops a write to a
  // regular file at a page boundary when a fatal signal is pending, leaving part
  // of a record. Made certain here by appending a seeded prefix of a record.
  const tornAt = 1 + Math.floor(schedule() * KILLS);
  const tear = (d: Disk) => {
    const last = [...d.objects.values()].at(-1);
    assert.ok(last, "objects.log holds a record");
    const record = Buffer.concat([Buffer.from([last.type, 0, 0, 0, 0]), last.body]);
    record.writeUInt32LE(last.body.length, 1);
    appendFileSync(join(data, "objects.log"), record.subarray(0, 1 + Math.floor(schedule() * (record.length - 1))));
  };
  for (let k = 1; k <= KILLS; k++) {
    const { on, open } = await killMidSync(k);
    // Bytes the gateway wrote before it died may still arrive; after every
    // connection of that gateway closed, what the devices hold is final.
    await until("the killed gateway's connections to close", () => fleet.every((f, i) => f.link !== open[i] || f.link === null), 10_000);
    t.diagnostic(
      `seed ${SEED} kill ${k} after ${on === "ack" ? "an acknowledgement" : "a commit"}${k === tornAt ? ", torn write" : ""}: at ${Date.now() - t0} ms, acks ${acksSeen}: ${fleet.map((f) => `${f.dev.name} acked ${ackedSeq(f, f.dev.acked)} of ${f.readings.length - 1}`).join(", ")}`,
    );
    const disk = checkDisk(`after kill ${k}`, false);
    if (k === tornAt && disk.tornTail === 0) tear(disk);
    proc = await start(false);
  }

  // Heal: commit a little longer, stop committing, wait until everything is acknowledged.
  await sleep(TAIL_MS);
  committing = false;
  await until("every device's head to be acknowledged", () => fleet.every((f) => f.dev.acked === f.dev.head), HEAL_MS).catch((e: Error) => {
    throw fail(`${e.message}: ${fleet.map((f) => `${f.dev.name} ${f.dev.log.slice(-2).join("; ")}`).join(" | ")}`);
  });
  stopped = true;
  for (const f of fleet) f.link?.close();
  const p = proc as ChildProcess;
  const exited = new Promise<number | null>((r) => p.once("exit", (code) => r(code)));
  p.kill("SIGTERM");
  assert.equal(await exited, 0, "the gateway stops cleanly on SIGTERM");

  const d = checkDisk("after healing", true);
  for (const f of fleet) {
    const name = f.dev.name;
    assert.equal(d.refs[`devices/${name}`], f.dev.head, `${name}: the gateway's branch is the device's head`);
    assert.equal(f.dev.store.ref("sync/acked"), f.dev.head, `${name}: the device's sync/acked ref`);
    assert.equal(ackedSeq(f, f.dev.head), f.readings.length - 1, `${name}: its head carries its last reading`);
    assert.ok(f.readings.length > 10 * KILLS, `${name} committed ${f.readings.length} readings`);
  }
  // The gateway's own reader agrees (the CLI on the stopped gateway's data directory).
  const f0 = fleet[0] as Fleet;
  assert.match(
    cli(["log", "--data", data, "--ref", `devices/${f0.dev.name}`, "-n", "1"]),
    new RegExp(`^${(f0.dev.head as string).slice(0, 12)} `),
  );
  const [lastPath, lastValue] = f0.readings[f0.readings.length - 1] as [string, number[]];
  assert.deepEqual(JSON.parse(cli(["get", `sensors/${f0.dev.name}/${lastPath}`, "--data", data])), [lastValue]);
  // Stock git on an export of the data directory: no corrupt or missing object,
  // each branch is the device's head with one commit a reading (and the first
  // boot), and main has one entry a reading.
  const repo = join(root, "history.git");
  cli(["export-git", "--dir", data, repo]);
  const git = (...args: string[]) => {
    const r = spawnSync("git", ["-C", repo, ...args], { encoding: "utf8" });
    assert.equal(r.status, 0, `git ${args.join(" ")}: ${r.stderr}`);
    return r.stdout.trim();
  };
  git("fsck", "--strict", "--no-dangling");
  for (const f of fleet) {
    const name = f.dev.name;
    assert.equal(git("rev-parse", `devices/${name}`), f.dev.head, `git: devices/${name}`);
    assert.equal(Number(git("rev-list", "--count", "--first-parent", `devices/${name}`)), f.readings.length + 1, `git: ${name}'s commits`);
    assert.equal(
      git("ls-tree", "-r", "--name-only", "main", `sensors/${name}/`).split("\n").length,
      f.readings.length,
      `git: ${name}'s readings in main`,
    );
  }
});
