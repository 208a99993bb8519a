// Decay and odd geometries: random bit flips anywhere in the log never crash the
// store or hand out wrong bytes; writes with a coarse granularity (flash encryption
// programs 16 bytes at a time) keep the same crash guarantees.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FlashStore, OBJ_BLOB } from "../../host/flash/client.ts";
import { rng, SimFlash } from "../../host/flash/sim.ts";
import { Core, NymotePanic } from "../../host/runtime/index.ts";
import { boot, landings, randomWorkload, runSteps, trace, trial } from "./harness.ts";

const LONG = process.env.NYMOTE_LONG === "1";

test("random bit flips in the log: every read is the stored body or an error code, never a crash", () => {
  for (let seed = 1; seed <= (LONG ? 400 : 40); seed++) {
    const size = 48 * 1024;
    const flash = new SimFlash({ size, seed });
    const steps = randomWorkload(seed, 60);
    const run = runSteps(boot(flash, "debug"), steps, flash);
    const r = rng(seed);
    flash.flipBits(1 + Math.floor(r() * 6), 2 * 4096, size);
    const where = `seed=${seed}`;
    try {
      const s = new FlashStore(new Core("debug", { flash }));
      const h = s.open();
      if (h < 0) continue; // refusing to mount is an allowed answer to corruption
      for (const [id, body] of run.model.objects) {
        const got = s.get(Buffer.from(id, "hex"));
        if (got instanceof Uint8Array) assert.deepEqual(got, body, `${where}: corrupt bytes handed out for ${id.slice(0, 12)}`);
        else assert.ok([-5, -7].includes(got), `${where}: unexpected code ${got}`);
      }
      assert.ok(s.check() >= 0, `${where}: check failed`);
      const id = s.put(OBJ_BLOB, new TextEncoder().encode(where));
      assert.ok(id instanceof Uint8Array || id === -8, `${where}: put after decay gave ${id}`);
    } catch (e) {
      if (e instanceof NymotePanic) assert.fail(`${where}: the core crashed on decayed flash: ${e.message}`);
      throw e;
    }
  }
});

test("write granularity 16: power cuts at every operation of a random workload", () => {
  const steps = randomWorkload(77, 50);
  const size = 48 * 1024;
  const { ops } = traceGranular(steps, size);
  for (let op = 0; op <= ops.length; op += LONG ? 1 : 5) {
    for (const landed of landings(ops[op] ?? 0).map((x) => x & ~15)) trialGranular(steps, size, op, landed);
  }
  // and the default geometry's harness agrees on the same workload
  assert.ok(trace(steps, size, "debug").ops.length > 0);
  trial(steps, size, 3, 0, 77, "debug", "granularity-1");
});

function traceGranular(steps: ReturnType<typeof randomWorkload>, size: number): { ops: number[] } {
  const flash = new SimFlash({ size, writeGranularity: 16 });
  const s = boot(flash, "debug");
  flash.opLog = [];
  flash.reboot();
  runSteps(s, steps, flash);
  assert.equal(flash.violations, 0);
  return { ops: flash.opLog };
}

function trialGranular(steps: ReturnType<typeof randomWorkload>, size: number, op: number, landed: number): void {
  const where = `granularity=16 seed=77 op=${op} landed=${landed}`;
  const flash = new SimFlash({ size, writeGranularity: 16, seed: op });
  const s = boot(flash, "debug");
  flash.reboot();
  flash.cutAt(op, landed);
  const run = runSteps(s, steps, flash);
  flash.reboot();
  const t = boot(flash, "debug");
  for (const [id, body] of run.model.objects) {
    const got = t.get(Buffer.from(id, "hex"));
    if (got === -7 && run.model.maybeGone.has(id)) continue;
    assert.deepEqual(got, body, `${where}: object ${id.slice(0, 12)}`);
  }
  assert.equal(t.check(), 0, `${where}: check`);
  assert.ok(t.put(OBJ_BLOB, new TextEncoder().encode(where)) instanceof Uint8Array, `${where}: put after recovery`);
  assert.equal(flash.violations, 0, `${where}: violations`);
}

// Sector headers: each slot is stored twice (docs/flash.md), so one flipped bit in
// a header neither hides the sector's records nor lets it be erased.
const HEADER = 40; // two copies of slot A (12) and of slot B (8), granularity 1

// After a mount, objects written since the last ref update are no longer protected:
// with a prune marker, compaction may drop whatever no ref names (docs/flash.md).
function verifyAcked(s: FlashStore, run: ReturnType<typeof runSteps>, where: string, compacted = false): void {
  const targets = new Set(s.refs().map((n) => Buffer.from(s.getRef(n) as Uint8Array).toString("hex")));
  for (const [id, body] of run.model.objects) {
    const got = s.get(Buffer.from(id, "hex"));
    if (got === -7 && (run.model.maybeGone.has(id) || (compacted && run.pruned && !targets.has(id)))) continue;
    assert.deepEqual(got, body, `${where}: acknowledged object ${id.slice(0, 12)}`);
  }
  for (const [name, id] of run.model.refs) {
    const got = s.getRef(name);
    assert.deepEqual(id === null ? -7 : got, id === null ? got : id, `${where}: ref ${name}`);
  }
}

test("a bit flip in sector headers: no acknowledged data dropped, reported (or mended), repaired by compaction", () => {
  for (let seed = 1; seed <= (LONG ? 300 : 40); seed++) {
    const size = 48 * 1024;
    const flash = new SimFlash({ size, seed });
    const run = runSteps(boot(flash, "debug"), randomWorkload(seed, 60), flash);
    const r = rng(seed * 13);
    const before = flash.bytes.slice();
    // One bit in the header of each of a few sectors in use (slot B written). A free
    // sector whose erased slot B decays reads as dirty: erased before use, no loss.
    const inUse = [...Array(size / 4096).keys()].filter(
      (x) => x >= 2 && before.subarray(x * 4096 + 24, x * 4096 + 40).some((b) => b !== 0xff),
    );
    const sectors = new Set<number>();
    for (let k = 0; k < 1 + Math.floor(r() * 4); k++) sectors.add(inUse[Math.floor(r() * inUse.length)]);
    for (const s of sectors) flash.flipBit(s * 4096 + Math.floor(r() * HEADER), Math.floor(r() * 8));
    const where = `seed=${seed} sectors=${[...sectors]}`;
    const s = new FlashStore(new Core("debug", { flash }));
    assert.equal(s.open(), 1, `${where}: mount`);
    verifyAcked(s, run, where);
    const mended = [...sectors].every((x) => flash.bytes.subarray(x * 4096, x * 4096 + HEADER).every((b, i) => b === before[x * 4096 + i]));
    const problems = s.check();
    assert.ok(problems > 0 || mended, `${where}: a decayed header went unreported`);
    assert.equal(s.compact(), 0, `${where}: compaction`);
    assert.equal(s.check(), 0, `${where}: compaction rewrote the decayed headers`);
    verifyAcked(s, run, `${where} (compacted)`, true);
    const t = boot(flash, "debug");
    verifyAcked(t, run, `${where} (remounted)`, true);
    assert.equal(t.check(), 0, `${where}: remounted`);
    assert.ok(t.put(OBJ_BLOB, new TextEncoder().encode(where)) instanceof Uint8Array, `${where}: put`);
    assert.equal(flash.violations, 0, `${where}: violations`);
  }
});

test("many bit flips in sector headers: never a crash, never wrong bytes, a loss is always reported", () => {
  for (let seed = 1; seed <= (LONG ? 300 : 40); seed++) {
    const size = 48 * 1024;
    const flash = new SimFlash({ size, seed });
    const run = runSteps(boot(flash, "debug"), randomWorkload(seed, 60), flash);
    const r = rng(seed * 17);
    for (let k = 0; k < 2 + Math.floor(r() * 12); k++) {
      const sector = 2 + Math.floor(r() * (size / 4096 - 2));
      flash.flipBit(sector * 4096 + Math.floor(r() * HEADER), Math.floor(r() * 8));
    }
    const where = `seed=${seed}`;
    try {
      const s = new FlashStore(new Core("debug", { flash }));
      if (s.open() < 0) continue; // refusing to mount is an allowed answer
      let lost = 0;
      for (const [id, body] of run.model.objects) {
        const got = s.get(Buffer.from(id, "hex"));
        if (got instanceof Uint8Array) assert.deepEqual(got, body, `${where}: wrong bytes for ${id.slice(0, 12)}`);
        else if (!run.model.maybeGone.has(id)) lost++;
      }
      const problems = s.check();
      assert.ok(problems >= 0, `${where}: check failed (${problems})`);
      if (lost > 0) assert.ok(problems > 0 && s.stats().corrupt > 0, `${where}: ${lost} objects lost silently`);
      const id = s.put(OBJ_BLOB, new TextEncoder().encode(where));
      assert.ok(id instanceof Uint8Array || id === -8, `${where}: put gave ${id}`);
    } catch (e) {
      if (e instanceof NymotePanic) assert.fail(`${where}: the core crashed on decayed headers: ${e.message}`);
      throw e;
    }
  }
});
