// Power-cut harness (LittleFS-style): a workload is data (a list of steps); it runs
// against a SimFlash that cuts power at a chosen operation and byte, the core is
// re-instantiated on the same flash ("reboot"), and the recovered store is checked
// against what was acknowledged before the cut. Every failure names the seed, the
// operation index and the landed byte count that reproduce it.
import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { FlashStore, OBJ_BLOB, OBJ_TREE } from "../../host/flash/client.ts";
import { rng, SimFlash } from "../../host/flash/sim.ts";
import { Core } from "../../host/runtime/index.ts";

export type Step =
  | { op: "put"; type: number; body: Uint8Array }
  | { op: "ref"; name: string; to: number | null } // to: index of an earlier put step, null = delete
  | { op: "prune"; to: number }
  | { op: "compact" };

export function gitId(type: number, body: Uint8Array): Uint8Array {
  const name = ["", "blob", "tree", "commit"][type];
  return new Uint8Array(createHash("sha256").update(`${name} ${body.length}\0`).update(body).digest());
}

const hex = (b: Uint8Array) => Buffer.from(b).toString("hex");

/**
 * What the store acknowledged: objects (by hex id) and refs (null: unset). Once a
 * prune marker is acknowledged, compaction may drop an object that no ref reaches
 * and that was written before the last ref update: such objects go to maybeGone
 * (until put again) and may be missing after recovery, but never wrong.
 */
export interface Model {
  objects: Map<string, Uint8Array>;
  refs: Map<string, Uint8Array | null>;
  maybeGone: Set<string>;
}

function markCollectable(model: Model, pruned: boolean, sinceRef: Set<string>): void {
  if (!pruned) return;
  const reached = new Set([...model.refs.values()].filter((v) => v !== null).map((v) => hex(v as Uint8Array)));
  for (const id of model.objects.keys()) if (!reached.has(id) && !sinceRef.has(id)) model.maybeGone.add(id);
}

export interface RunResult {
  model: Model;
  /** The step in flight when the power failed (null: the workload completed). */
  inflight: Step | null;
  ids: (Uint8Array | null)[];
  /** Every object the workload puts (hex id -> body), acknowledged or not. */
  bodies: Map<string, Uint8Array>;
  /** A prune marker was written or in flight (compaction may drop what no ref reaches). */
  pruned: boolean;
}

export function boot(flash: SimFlash, target: "debug" | "release"): FlashStore {
  const s = new FlashStore(new Core(target, { flash }));
  const h = s.open();
  if (h !== 1) throw new Error(`flash_store_open returned ${h}`);
  return s;
}

/** Runs steps until one fails; a failure other than the cut's E_IO is a bug. */
export function runSteps(store: FlashStore, steps: Step[], flash: SimFlash): RunResult {
  const model: Model = { objects: new Map(), refs: new Map(), maybeGone: new Set() };
  const ids = steps.map((s) => (s.op === "put" ? gitId(s.type, s.body) : null));
  const bodies = new Map<string, Uint8Array>();
  for (const [i, s] of steps.entries()) if (s.op === "put") bodies.set(hex(ids[i] as Uint8Array), s.body);
  let pruned = false;
  const sinceRef = new Set<string>();
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    let rc = 0;
    if (s.op === "put") {
      const r = store.put(s.type, s.body);
      rc = typeof r === "number" ? r : 0;
      if (rc === 0) {
        assert.deepEqual(r, ids[i], `step ${i}: put returned a wrong id`);
        const h = hex(ids[i] as Uint8Array);
        model.objects.set(h, s.body);
        model.maybeGone.delete(h);
        sinceRef.add(h);
      }
    } else if (s.op === "ref") {
      const cur = model.refs.get(s.name) ?? null;
      const to = s.to === null ? null : (ids[s.to] as Uint8Array);
      // Like the store (store_ref_set refuses a missing target): make sure the target
      // exists, re-putting it if compaction dropped it (a put of a present object
      // writes nothing).
      const target = s.to === null ? null : steps[s.to];
      if (target?.op === "put") {
        const r = store.put(target.type, target.body);
        rc = typeof r === "number" ? r : 0;
        if (rc === 0) model.maybeGone.delete(hex(to as Uint8Array));
      }
      if (rc === 0) rc = store.setRef(s.name, cur, to);
      if (rc === 0) {
        model.refs.set(s.name, to);
        sinceRef.clear();
      }
    } else if (s.op === "prune") {
      rc = store.prune(ids[s.to] as Uint8Array);
      if (rc === 0) pruned = true;
    } else {
      rc = store.compact();
    }
    if (rc === 0) markCollectable(model, pruned, sinceRef);
    if (rc !== 0) {
      if (!flash.powerOff) throw new Error(`step ${i} (${s.op}) failed with ${rc} without a power cut`);
      return { model, inflight: s, ids, bodies, pruned: pruned || s.op === "prune" };
    }
  }
  return { model, inflight: null, ids, bodies, pruned };
}

/** Every acknowledged object is intact (or, where pruning allowed it, absent). */
function verifyObjects(store: FlashStore, run: RunResult, where: string, mayGo: (id: string) => boolean): void {
  for (const [id, body] of run.model.objects) {
    const got = store.get(Buffer.from(id, "hex"));
    if (got === -7 && mayGo(id)) continue;
    assert.ok(got instanceof Uint8Array, `${where}: acknowledged object ${id.slice(0, 12)} lost (${got})`);
    assert.deepEqual(got, body, `${where}: acknowledged object ${id.slice(0, 12)} changed`);
  }
}

/**
 * has() means readable, for every object the workload put, acknowledged or not
 * (sync skips objects the store says it has: a torn copy must never pass for one).
 */
function verifyHasReadable(store: FlashStore, run: RunResult, where: string): void {
  for (const [id, body] of run.bodies) {
    const raw = Buffer.from(id, "hex");
    if (store.has(raw) !== 1) continue;
    assert.deepEqual(store.get(raw), body, `${where}: has(${id.slice(0, 12)}) but it does not read back`);
  }
}

/**
 * After a reboot: every acknowledged object and ref is intact, check passes, writes
 * work; after a second reboot (the head has moved on from the sector the cut hit)
 * and a compaction, objects are still intact and has() still means readable.
 */
export function verifyRecovered(flash: SimFlash, run: RunResult, target: "debug" | "release", where: string): void {
  const store = boot(flash, target);
  verifyObjects(store, run, where, (id) => run.model.maybeGone.has(id));
  verifyHasReadable(store, run, where);
  const names = new Set(run.model.refs.keys());
  const inflight = run.inflight;
  if (inflight?.op === "ref") names.add(inflight.name);
  for (const name of names) {
    const got = store.getRef(name);
    const val = typeof got === "number" ? null : hex(got);
    const acked = run.model.refs.get(name) ?? null;
    const allowed = [acked ? hex(acked) : null];
    if (inflight?.op === "ref" && inflight.name === name) {
      const to = inflight.to === null ? null : run.ids[inflight.to];
      allowed.push(to ? hex(to) : null);
    }
    assert.ok(
      allowed.includes(val),
      `${where}: ref ${name} is ${val?.slice(0, 12)}, expected one of ${allowed.map((a) => a?.slice(0, 12))}`,
    );
  }
  const bad = store.check();
  assert.equal(bad, 0, `${where}: flash_store_check found ${bad} problems`);
  // New writes are accepted and durable.
  const body = new TextEncoder().encode(`after recovery ${where}`);
  const id = store.put(OBJ_BLOB, body);
  assert.ok(id instanceof Uint8Array, `${where}: put after recovery failed (${id})`);
  const cur = store.getRef("after");
  assert.equal(store.setRef("after", typeof cur === "number" ? null : cur, id), 0, `${where}: ref update after recovery failed`);
  const again = boot(flash, target);
  assert.deepEqual(again.get(id), body, `${where}: write after recovery lost`);
  assert.deepEqual(again.getRef("after"), id, `${where}: ref after recovery lost`);
  verifyHasReadable(again, run, `${where} (second boot)`);
  assert.equal(again.compact(), 0, `${where}: compaction after recovery failed`);
  // The ref update above ended the protection of objects written since the last
  // one: with a prune marker, whatever no ref names may now go.
  const targets = new Set(again.refs().map((n) => hex(again.getRef(n) as Uint8Array)));
  verifyObjects(again, run, `${where} (compacted after recovery)`, (id) => run.pruned && !targets.has(id));
  verifyHasReadable(again, run, `${where} (compacted after recovery)`);
  assert.equal(flash.violations, 0, `${where}: a write tried to set a 0 bit to 1`);
}

/** A deterministic random workload (objects, ref moves and deletes, prunes, compactions). */
export function randomWorkload(seed: number, n: number): Step[] {
  const r = rng(seed);
  const steps: Step[] = [];
  const puts: number[] = [];
  const names = ["main", "dev", "sensor/t"];
  for (let i = 0; i < n; i++) {
    const x = r();
    if (puts.length === 0 || x < 0.45) {
      const big = r() < 0.1;
      const len = big ? 500 + Math.floor(r() * 1500) : Math.floor(r() * 120);
      const body = new Uint8Array(len).map(() => Math.floor(r() * 256));
      // Random bytes are no valid commit: raw objects here are blobs and trees.
      const type = [OBJ_BLOB, OBJ_BLOB, OBJ_TREE][Math.floor(r() * 3)];
      puts.push(steps.length);
      steps.push({ op: "put", type, body });
    } else if (x < 0.85) {
      const to = r() < 0.08 ? null : puts[Math.floor(r() * puts.length)];
      steps.push({ op: "ref", name: names[Math.floor(r() * names.length)], to });
    } else if (x < 0.93) {
      steps.push({ op: "prune", to: puts[Math.floor(r() * puts.length)] });
    } else {
      steps.push({ op: "compact" });
    }
  }
  return steps;
}

/** Landed byte counts to try inside a write of len bytes. */
export function landings(len: number): number[] {
  if (len <= 0) return [0];
  return [...new Set([0, 1, Math.floor(len / 2), len - 1].filter((x) => x >= 0 && x < len))];
}

/** Runs the workload once uncut (on a copy of `image`, if given) and returns its operation log. */
export function trace(steps: Step[], size: number, target: "debug" | "release", image?: Uint8Array): { ops: number[]; evacuated: number } {
  const flash = new SimFlash({ size }, image?.slice());
  const store = boot(flash, target);
  flash.opLog = [];
  flash.reboot();
  runSteps(store, steps, flash);
  return { ops: flash.opLog, evacuated: store.stats().evacuated };
}

/**
 * One power-cut trial: cut at mutating operation `op` with `landed` bytes landed (on
 * a copy of `image`, if given); with recoveryLanded, a second cut in recovery's first
 * write. Returns whether that second cut hit (recovery wrote something).
 */
export function trial(
  steps: Step[],
  size: number,
  op: number,
  landed: number,
  seed: number,
  target: "debug" | "release",
  label: string,
  image?: Uint8Array,
  recoveryLanded?: number,
): boolean {
  const where = `${label} seed=${seed} op=${op} landed=${landed} target=${target}${recoveryLanded === undefined ? "" : ` recovery cut landed=${recoveryLanded}`}`;
  const flash = new SimFlash({ size, seed: seed * 7919 + op }, image?.slice());
  const store = boot(flash, target);
  flash.reboot(); // operation indices count from the start of the workload
  flash.cutAt(op, landed);
  const run = runSteps(store, steps, flash);
  flash.reboot();
  if (recoveryLanded !== undefined) {
    // A second cut inside recovery's own first write (a torn record's kill, a
    // header copy's mend), if it makes one; then power comes back again.
    flash.cutAt(0, recoveryLanded);
    const s = new FlashStore(new Core(target, { flash }));
    const h = s.open();
    assert.ok(h === 1 || (h === -4 && flash.powerOff), `${where}: recovery mount returned ${h}`);
    const hit = flash.powerOff;
    flash.reboot();
    verifyRecovered(flash, run, target, where);
    return hit;
  }
  verifyRecovered(flash, run, target, where);
  return false;
}
