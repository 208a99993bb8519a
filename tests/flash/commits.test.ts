// The store on flash (store_* exports on flash_store_open's handle): commits and
// merges are acknowledged only once durable, survive a power cut at any flash
// operation, and history pruning after a gateway's acknowledgement keeps the heads
// intact. Workloads are data (actions on two branches: commits of plain and typed
// values, merges both ways, forks, prunes, compactions); an uncut run of the same
// workload is the reference every cut run is checked against (same ids, same
// values), and the uncut run is itself checked against the in-memory store.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FlashStore } from "../../host/flash/client.ts";
import { rng, SimFlash } from "../../host/flash/sim.ts";
import { parseCommit } from "../../host/git/index.ts";
import { Core } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";

const LONG = process.env.NYMOTE_LONG === "1";
const AUTHOR = "Kitchen Sensor <kitchen@nymote.local>";
const enc = new TextEncoder();
const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

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

type Action =
  | { kind: "commit"; i: number }
  | { kind: "merge"; from: string; n: number } // merges branch `from`'s head into the current branch (n: its time, after commit n/4's)
  | { kind: "fork"; name: string } // branch `name` starts at the current head
  | { kind: "branch"; name: string }
  | { kind: "prune"; of: number } // the head that action `of` produced was acknowledged
  | { kind: "compact" };

const BRANCHES = ["main", "dev"];

/**
 * Commit i on a branch: readings under the branch's own path, a PN counter both
 * branches add to (a typed merge), now and then a plain config value both write
 * (a conflict when both changed it) and a ring of larger records.
 */
function stage(s: CoreStore, i: number, branch: string): void {
  s.set(`sensors/${branch}/temp`, enc.encode(`{"t":${20 + (i % 7)},"n":${i}}`));
  s.counterAdd("counters/readings", enc.encode(branch), 1);
  if (i % 3 === 0) s.set("config/interval", enc.encode(`${60 * (1 + (i % 4))}`));
  if (i % 4 === 0) s.set(`log/${(i / 4) % 8}`, new Uint8Array(300).fill(i & 0xff));
}

/**
 * Syncing as a device does: dev is merged into main, main into dev (a
 * fast-forward), and the gateway acknowledges the result (prune): both heads are
 * then descendants of the prune point, so history behind it can go.
 */
function sync(a: Action[], branch: string, n: number): void {
  if (branch !== "main") a.push({ kind: "branch", name: "main" });
  a.push({ kind: "merge", from: "dev", n });
  const at = a.length - 1;
  a.push({ kind: "branch", name: "dev" }, { kind: "merge", from: "main", n: n + 1 }, { kind: "prune", of: at });
  if (branch !== "dev") a.push({ kind: "branch", name: branch });
}

/** The scripted workload: the branches alternate, merge each other, sync (prune), compact. */
function scripted(commits: number): Action[] {
  const a: Action[] = [
    { kind: "commit", i: 0 },
    { kind: "fork", name: "dev" },
  ];
  let branch = "main";
  for (let i = 1; i < commits; i++) {
    const want = i % 6 < 3 ? "main" : "dev";
    if (want !== branch) {
      a.push({ kind: "branch", name: want });
      branch = want;
    }
    a.push({ kind: "commit", i });
    if (i % 4 === 3) a.push({ kind: "merge", from: branch === "main" ? "dev" : "main", n: 4 * i + 1 });
    if (i % 8 === 7) sync(a, branch, 4 * i + 2);
    if (i % 12 === 11) a.push({ kind: "compact" });
  }
  return a;
}

/** A random workload of at least n actions (same kinds, random order and mix). */
function randomActions(seed: number, n: number): Action[] {
  const r = rng(seed);
  const a: Action[] = [
    { kind: "commit", i: 0 },
    { kind: "fork", name: "dev" },
  ];
  let branch = "main";
  for (let i = 1; a.length < n; i++) {
    const x = r();
    if (x < 0.5) a.push({ kind: "commit", i });
    else if (x < 0.65) a.push({ kind: "merge", from: branch === "main" ? "dev" : "main", n: 4 * i + 1 });
    else if (x < 0.85) {
      branch = branch === "main" ? "dev" : "main";
      a.push({ kind: "branch", name: branch });
    } else if (x < 0.95) sync(a, branch, 4 * i + 2);
    else a.push({ kind: "compact" });
  }
  return a;
}

interface Outcome {
  /** Per action: the head it left (commit and merge), hex; null otherwise or not done. */
  results: (string | null)[];
  /** Acknowledged branch heads. */
  heads: Map<string, string>;
  /** The newest acknowledged prune point. */
  prunedAt: string | null;
  /** Index of the action the power cut interrupted (null: the workload completed). */
  inflight: number | null;
  inflightBranch: string;
}

/**
 * Runs actions until the power fails; any other failure is a bug. Without a flash
 * store (fs null: the in-memory reference) prunes and compactions are skipped.
 */
function run(
  store: CoreStore,
  fs: FlashStore | null,
  actions: Action[],
  flash: SimFlash | null,
  onResult?: (k: number, id: Uint8Array) => void,
): Outcome {
  const out: Outcome = { results: actions.map(() => null), heads: new Map(), prunedAt: null, inflight: null, inflightBranch: "main" };
  let branch = "main";
  for (const [k, a] of actions.entries()) {
    try {
      let head: Uint8Array | null = null;
      if (a.kind === "commit") {
        stage(store, a.i, branch);
        head = store.commit({ author: AUTHOR, time: 1700000000 + 4 * a.i, message: `reading ${a.i}` });
      } else if (a.kind === "merge") {
        const other = store.getRef(a.from);
        if (other) head = store.merge(other, { author: AUTHOR, time: 1700000000 + a.n, message: `merge ${a.from} (${a.n})` }).head;
      } else if (a.kind === "fork") {
        const at = store.head();
        if (at) store.setRef(a.name, at, undefined);
        if (at) out.heads.set(a.name, hex(at));
      } else if (a.kind === "branch") {
        store.checkout(a.name);
        branch = a.name;
      } else if (a.kind === "prune") {
        const id = out.results[a.of];
        if (!id || !fs) continue;
        const rc = fs.prune(unhex(id));
        if (rc !== 0) throw new Error(`prune ${rc}`);
        out.prunedAt = id;
      } else if (fs) {
        const rc = fs.compact();
        if (rc !== 0) throw new Error(`compact ${rc}`);
      }
      if (head) {
        out.results[k] = hex(head);
        out.heads.set(branch, hex(head));
        onResult?.(k, head);
      }
    } catch (e) {
      if (!flash?.powerOff) throw e;
      out.inflight = k;
      out.inflightBranch = branch;
      return out;
    }
  }
  return out;
}

/** Every value path of commit's tree with its bytes, one "path=hex" line each, in tree order. */
function listing(s: CoreStore, commit: Uint8Array, path = ""): string[] {
  const lines: string[] = [];
  // One listing cursor per store: read a directory whole before descending.
  for (const e of [...s.list(path, commit)]) {
    const p = path ? `${path}/${e.name}` : e.name;
    if (e.kind === "tree") lines.push(...listing(s, commit, p));
    else lines.push(`${p}=${hex(s.get(p, commit) ?? new Uint8Array(0))}`);
  }
  return lines;
}

/** The uncut run: every head's values and parents, for checking cut runs against. */
interface Reference {
  actions: Action[];
  out: Outcome;
  values: Map<string, string>;
  parents: Map<string, string[]>;
  ops: number[];
  evacuated: number;
  merges: number;
  conflicts: number;
}

function reference(actions: Action[], size: number, target: "debug" | "release"): Reference {
  const flash = new SimFlash({ size });
  const b = boot(flash, target);
  flash.opLog = [];
  flash.reboot();
  const values = new Map<string, string>();
  const parents = new Map<string, string[]>();
  let merges = 0;
  let conflicts = 0;
  const out = run(b.store, b.flash, actions, null, (k, id) => {
    const h = hex(id);
    if (values.has(h)) return;
    values.set(h, listing(b.store, id).join("\n"));
    const obj = b.store.getObject(id);
    assert.ok(obj, "a new head is stored");
    const ps = parseCommit(obj.body).parents.map(hex);
    parents.set(h, ps);
    if (actions[k].kind === "merge" && ps.length === 2) {
      merges++;
      if (b.store.conflicts(id).length > 0) conflicts++;
    }
  });
  const ops = flash.opLog ?? [];
  return { actions, out, values, parents, ops, evacuated: b.flash.stats().evacuated, merges, conflicts };
}

/**
 * After a reboot: each branch is at its acknowledged head or at the head the
 * action in flight made; every commit reachable from the heads down to the prune
 * point reads back exactly as in the uncut run; the check passes; new commits are
 * accepted and durable.
 */
function verify(flash: SimFlash, ref: Reference, got: Outcome, target: "debug" | "release", where: string): void {
  for (const [k, id] of got.results.entries()) if (id) assert.equal(id, ref.out.results[k], `${where}: action ${k} made another head`);
  const b = boot(flash, target);
  const inflight = got.inflight === null ? null : ref.actions[got.inflight];
  const heads: string[] = [];
  for (const name of BRANCHES) {
    const now = b.store.getRef(name);
    const acked = got.heads.get(name) ?? null;
    const allowed = [acked];
    if (got.inflight !== null && (inflight?.kind === "commit" || inflight?.kind === "merge") && got.inflightBranch === name)
      allowed.push(ref.out.results[got.inflight]);
    if (inflight?.kind === "fork" && inflight.name === name) allowed.push(ref.out.heads.get(name) ?? null);
    const h = now ? hex(now) : null;
    assert.ok(allowed.includes(h), `${where}: ${name} is at ${h?.slice(0, 12)}, acknowledged ${acked?.slice(0, 12)}`);
    if (h) heads.push(h);
  }
  // The walk the store's liveness does: parents of the prune point may be gone.
  const inflightPrune = inflight?.kind === "prune" ? ref.out.results[inflight.of] : null;
  const survivors: string[] = [];
  const stack = [...heads];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (survivors.includes(id)) continue;
    survivors.push(id);
    assert.ok(ref.values.has(id), `${where}: head ${id.slice(0, 12)} unknown to the reference`);
    if (id !== got.prunedAt && id !== inflightPrune) stack.push(...(ref.parents.get(id) ?? []));
  }
  const readBack = (s: CoreStore, when: string) => {
    for (const id of survivors)
      assert.equal(
        listing(s, unhex(id)).join("\n"),
        ref.values.get(id),
        `${where}${when}: commit ${id.slice(0, 12)} reads back different values`,
      );
  };
  readBack(b.store, "");
  const bad = b.flash.check();
  assert.equal(bad, 0, `${where}: flash_store_check found ${bad} problems`);
  b.store.checkout("main");
  b.store.set("after/recovery", enc.encode(where));
  const id = b.store.commit({ author: AUTHOR, time: 1800000000, message: "after" });
  // A second mount (the head has moved on from the sector the cut hit), a
  // compaction: the same commits read back, and the store still merges.
  const again = boot(flash, target);
  assert.deepEqual(again.store.getRef("main"), id);
  assert.deepEqual(again.store.get("after/recovery"), enc.encode(where));
  assert.equal(again.flash.compact(), 0, `${where}: compaction after recovery`);
  readBack(again.store, " (second mount, compacted)");
  const dev = again.store.getRef("dev");
  if (dev) again.store.merge(dev, { author: AUTHOR, time: 1800000001, message: "merge after recovery" });
  assert.equal(again.flash.check(), 0, `${where}: check after a merge after recovery`);
  assert.equal(flash.violations, 0, `${where}: a write tried to set a 0 bit to 1`);
}

function cutTrial(ref: Reference, size: number, op: number, landed: number, target: "debug" | "release", label: string): void {
  const where = `${label} op=${op} landed=${landed} target=${target}`;
  const flash = new SimFlash({ size, seed: op + 1 });
  const b = boot(flash, target);
  flash.reboot();
  flash.cutAt(op, landed);
  const got = run(b.store, b.flash, ref.actions, flash);
  flash.reboot();
  verify(flash, ref, got, target, where);
}

const SIZE = 40 * 1024;
/** Random workloads may leave the branches apart for long: room for their history. */
const RANDOM_SIZE = 56 * 1024;

test("commits and merges on flash: same ids and values as the in-memory store; pruning drops old history; the log wraps", () => {
  const actions = scripted(120);
  const ref = reference(actions, SIZE, "debug");
  assert.equal(ref.out.inflight, null);
  assert.ok(ref.evacuated > 5, `compaction ran ${ref.evacuated} times`);
  assert.ok(ref.merges >= 20 && ref.conflicts > 0, `${ref.merges} merge commits, ${ref.conflicts} with conflicts`);
  // The in-memory store (gateway build) makes the same heads: merges on flash are
  // the store's merges, whatever was pruned and compacted underneath.
  const mem = run(CoreStore.openMemory(new Core("gateway")), null, actions, null);
  assert.deepEqual(mem.results, ref.out.results);
  const flash = new SimFlash({ size: SIZE });
  const b = boot(flash, "debug");
  const out = run(b.store, b.flash, actions, flash);
  verify(flash, ref, out, "debug", "uncut");
  const first = ref.out.results[0] as string;
  assert.equal(boot(flash, "debug").flash.has(unhex(first)), 0, "history behind the prune point was reclaimed");
});

test("commits and merges on flash: a power cut at every flash operation of the scripted workload", () => {
  const ref = reference(scripted(LONG ? 40 : 20), SIZE, "debug");
  assert.ok(ref.evacuated > 0 && ref.merges > 2 && ref.conflicts > 0, "the workload must exercise compaction and merges with conflicts");
  for (let op = 0; op <= ref.ops.length; op++) {
    const len = ref.ops[op] ?? 0;
    for (const landed of len > 1 ? (LONG ? [0, 1, len >> 1, len - 1] : [0, len >> 1]) : [0])
      cutTrial(ref, SIZE, op, landed, "debug", "scripted");
  }
});

test("commits and merges on flash (release build): power cuts at a spread of operations", () => {
  const ref = reference(scripted(20), SIZE, "release");
  for (let op = 1; op <= ref.ops.length; op += LONG ? 1 : 7) cutTrial(ref, SIZE, op, (ref.ops[op] ?? 0) >> 1, "release", "scripted");
});

test(`commits and merges on flash: ${LONG ? "10,000" : "600"} random power cuts over random workloads`, () => {
  const cuts = LONG ? 10_000 : 600;
  const perWorkload = 15;
  let done = 0;
  for (let seed = 1; done < cuts; seed++) {
    const ref = reference(randomActions(seed, 40), RANDOM_SIZE, "debug");
    const r = rng(seed * 31);
    for (let k = 0; k < perWorkload && done < cuts; k++, done++) {
      const op = Math.floor(r() * (ref.ops.length + 1));
      const len = ref.ops[op] ?? 0;
      cutTrial(ref, RANDOM_SIZE, op, len > 0 ? Math.floor(r() * len) : 0, "debug", `random seed=${seed}`);
    }
  }
});

test("merges back to back on the device build never run out of memory (store_merge collects first)", () => {
  // Without the collection a release core trapped (out of memory) after 18 merges.
  const flash = new SimFlash({ size: 256 * 1024 });
  const b = boot(flash, "release");
  const actions: Action[] = [
    { kind: "commit", i: 0 },
    { kind: "fork", name: "dev" },
  ];
  for (let i = 1; i <= 60; i++) {
    actions.push({ kind: "branch", name: "dev" }, { kind: "commit", i }, { kind: "branch", name: "main" });
    sync(actions, "main", 4 * i + 2);
  }
  const out = run(b.store, b.flash, actions, flash);
  assert.equal(out.inflight, null);
  assert.equal(b.store.getRef("main") && hex(b.store.getRef("main") as Uint8Array), out.heads.get("main"));
  assert.equal(b.flash.check(), 0);
});
