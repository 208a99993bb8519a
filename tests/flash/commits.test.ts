// The store on flash (store_* exports on flash_store_open's handle): commits are
// acknowledged only once durable, survive a power cut at any flash operation, and
// history pruning after a gateway's acknowledgement keeps the head intact.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FlashStore } from "../../host/flash/client.ts";
import { SimFlash } from "../../host/flash/sim.ts";
import { Core } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";

const LONG = process.env.NYMOTE_LONG === "1";
const AUTHOR = "Kitchen Sensor <kitchen@nymote.local>";
const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

interface Booted {
  flash: FlashStore;
  store: CoreStore;
}

function boot(flash: SimFlash, target: "debug" | "release"): Booted {
  const core = new Core(target, { flash });
  const f = new FlashStore(core);
  const h = f.open();
  assert.ok(h > 0, `flash_store_open returned ${h}`);
  return { flash: f, store: new CoreStore(core, h) };
}

type Action = { kind: "commit"; i: number } | { kind: "prune"; of: number } | { kind: "compact" } | { kind: "branch"; name: string };

/** Values committed by commit i (paths -> bytes): a time series and a slowly changing config. */
function values(i: number): Map<string, Uint8Array> {
  const m = new Map<string, Uint8Array>();
  m.set("sensors/kitchen/temp", enc.encode(`{"t":${20 + (i % 7)},"n":${i}}`));
  m.set("sensors/kitchen/hum", enc.encode(`${40 + (i % 3)}`));
  m.set("config/interval", enc.encode(`${60 * (1 + Math.floor(i / 10))}`));
  // A bounded ring of larger records, so the live set stays bounded while history grows.
  if (i % 4 === 0) m.set(`log/${(i / 4) % 8}`, new Uint8Array(300).fill(i & 0xff));
  return m;
}

function workload(commits: number): Action[] {
  const a: Action[] = [];
  for (let i = 0; i < commits; i++) {
    a.push({ kind: "commit", i });
    if (i === 5) a.push({ kind: "branch", name: "dev" });
    if (i === 6) a.push({ kind: "branch", name: "main" });
    if (i % 8 === 7) a.push({ kind: "prune", of: i - 2 });
    if (i % 12 === 11) a.push({ kind: "compact" });
  }
  return a;
}

interface Acked {
  /** commit id (hex) -> values and index */
  commits: Map<string, { i: number; values: Map<string, Uint8Array>; branch: string }>;
  heads: Map<string, string>;
  /** commit index acknowledged by the newest prune (older history may go) */
  prunedBelow: number;
  inflight: Action | null;
  inflightBranch: string;
}

function run(b: Booted, actions: Action[], flash: SimFlash): Acked {
  const acked: Acked = { commits: new Map(), heads: new Map(), prunedBelow: -1, inflight: null, inflightBranch: "main" };
  const byIndex = new Map<number, Uint8Array>();
  let branch = "main";
  for (const a of actions) {
    try {
      if (a.kind === "commit") {
        const vals = values(a.i);
        for (const [p, v] of vals) b.store.set(p, v);
        const id = b.store.commit({ author: AUTHOR, time: 1700000000 + a.i, message: `reading ${a.i}` });
        acked.commits.set(hex(id), { i: a.i, values: vals, branch });
        acked.heads.set(branch, hex(id));
        byIndex.set(a.i, id);
      } else if (a.kind === "prune") {
        const id = byIndex.get(a.of);
        if (!id) continue;
        const rc = b.flash.prune(id);
        if (rc !== 0) throw new Error(`prune ${rc}`);
        acked.prunedBelow = Math.max(acked.prunedBelow, a.of);
      } else if (a.kind === "compact") {
        const rc = b.flash.compact();
        if (rc !== 0) throw new Error(`compact ${rc}`);
      } else {
        b.store.checkout(a.name);
        branch = a.name;
      }
    } catch (e) {
      if (!flash.powerOff) throw e;
      acked.inflight = a;
      acked.inflightBranch = branch;
      return acked;
    }
  }
  return acked;
}

function verify(flash: SimFlash, acked: Acked, target: "debug" | "release", where: string): void {
  const b = boot(flash, target);
  for (const [name, head] of acked.heads) {
    const got = b.store.getRef(name);
    assert.ok(got, `${where}: branch ${name} lost`);
    const h = hex(got);
    if (h !== head) {
      // Only the commit in flight may have moved the branch, to a commit it made.
      assert.ok(acked.inflight?.kind === "commit" && acked.inflightBranch === name, `${where}: ${name} moved without an ack`);
      const vals = values(acked.inflight.i);
      for (const [p, v] of vals) assert.deepEqual(b.store.get(p, got), v, `${where}: in-flight commit torn at ${p}`);
    }
  }
  // Every acknowledged commit at or after the prune point reads back exactly.
  for (const [id, c] of acked.commits) {
    if (c.i < acked.prunedBelow && c.branch === "main") continue;
    const cid = Buffer.from(id, "hex");
    for (const [p, v] of c.values) assert.deepEqual(b.store.get(p, cid), v, `${where}: commit ${c.i} lost ${p}`);
  }
  const bad = b.flash.check();
  assert.equal(bad, 0, `${where}: flash_store_check found ${bad} problems`);
  // It accepts new commits, and they are durable.
  b.store.set("after/recovery", enc.encode(where));
  const id = b.store.commit({ author: AUTHOR, time: 1800000000, message: "after" });
  const again = boot(flash, target);
  assert.deepEqual(again.store.getRef("main"), id);
  assert.deepEqual(again.store.get("after/recovery"), enc.encode(where));
  assert.equal(flash.violations, 0, `${where}: a write tried to set a 0 bit to 1`);
}

const SIZE = 40 * 1024;

function opsOf(actions: Action[], target: "debug" | "release"): { ops: number[]; evacuated: number } {
  const flash = new SimFlash({ size: SIZE });
  const b = boot(flash, target);
  flash.opLog = [];
  flash.reboot();
  run(b, actions, flash);
  return { ops: flash.opLog, evacuated: b.flash.stats().evacuated };
}

test("commits on flash: pruning drops old history, keeps the head, and the log wraps many times", () => {
  const flash = new SimFlash({ size: SIZE });
  const b = boot(flash, "debug");
  const actions = workload(120);
  const acked = run(b, actions, flash);
  assert.equal(acked.inflight, null);
  const st = b.flash.stats();
  assert.ok(st.evacuated > 5, `compaction ran ${st.evacuated} times`);
  assert.ok(st.appendedBytes + st.copiedBytes > 3 * SIZE, "the workload wrote several partitions' worth");
  verify(flash, acked, "debug", "uncut");
  const first = [...acked.commits.entries()].find(([, c]) => c.i === 0)?.[0] as string;
  const after = boot(flash, "debug");
  assert.equal(after.flash.has(Buffer.from(first, "hex")), 0, "history behind the prune point was reclaimed");
});

test("commits on flash: a power cut at every flash operation of a commit workload", () => {
  const actions = workload(LONG ? 40 : 24);
  const { ops, evacuated } = opsOf(actions, "debug");
  assert.ok(evacuated > 0, "the workload must exercise compaction");
  const step = LONG ? 1 : 2;
  for (let op = 0; op <= ops.length; op += step) {
    const len = ops[op] ?? 0;
    for (const landed of LONG && len > 1 ? [0, len >> 1] : [0]) {
      const flash = new SimFlash({ size: SIZE, seed: op });
      const b = boot(flash, "debug");
      flash.reboot();
      flash.cutAt(op, landed);
      const acked = run(b, actions, flash);
      flash.reboot();
      verify(flash, acked, "debug", `commits op=${op} landed=${landed} target=debug`);
    }
  }
});

test("commits on flash (release build): power cuts at a spread of operations", () => {
  const actions = workload(24);
  const { ops } = opsOf(actions, "release");
  for (let op = 1; op <= ops.length; op += LONG ? 1 : 7) {
    const flash = new SimFlash({ size: SIZE, seed: op });
    const b = boot(flash, "release");
    flash.reboot();
    flash.cutAt(op, (ops[op] ?? 0) >> 1);
    const acked = run(b, actions, flash);
    flash.reboot();
    verify(flash, acked, "release", `commits op=${op} landed=${(ops[op] ?? 0) >> 1} target=release`);
  }
});
