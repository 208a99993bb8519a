// Exhaustive and random power-cut tests of the flash store (see harness.ts). Set
// NYMOTE_LONG=1 for the long run (>= 10,000 random cuts).
import assert from "node:assert/strict";
import { test } from "node:test";
import { OBJ_BLOB, OBJ_TREE } from "../../host/flash/client.ts";
import { SimFlash } from "../../host/flash/sim.ts";
import { boot, landings, randomWorkload, type Step, trace, trial } from "./harness.ts";

const LONG = process.env.NYMOTE_LONG === "1";

// The scripted workload: objects across several sectors, a ref moved many times
// (its old records become dead), a second ref created and deleted, a prune marker,
// an explicit compaction and more writes after it, on a small partition so the log
// wraps and compaction runs by itself too.
function scripted(): Step[] {
  const steps: Step[] = [];
  const put = (type: number, len: number, fill: number) => {
    steps.push({ op: "put", type, body: new Uint8Array(len).map((_, i) => (i * 31 + fill) & 0xff) });
    return steps.length - 1;
  };
  const first = put(OBJ_BLOB, 1500, 1);
  put(OBJ_TREE, 700, 2);
  steps.push({ op: "ref", name: "main", to: first });
  for (let i = 0; i < 40; i++) {
    const b = put(i % 5 === 0 ? OBJ_TREE : OBJ_BLOB, 20 + ((i * 37) % 90), 10 + i);
    steps.push({ op: "ref", name: "main", to: b });
  }
  const dev = put(OBJ_BLOB, 300, 99);
  steps.push({ op: "ref", name: "dev", to: dev });
  steps.push({ op: "ref", name: "dev", to: null });
  steps.push({ op: "prune", to: first });
  steps.push({ op: "compact" });
  for (let i = 0; i < 40; i++) {
    const b = put(OBJ_BLOB, 40 + ((i * 53) % 200), 50 + i);
    steps.push({ op: "ref", name: "main", to: b });
  }
  return steps;
}

const SIZE = 40 * 1024; // 8 log sectors
const RANDOM_SIZE = 48 * 1024;

test("exhaustive: a power cut at every flash operation, and inside every write, of the scripted workload", () => {
  const steps = scripted();
  const { ops, evacuated } = trace(steps, SIZE, "debug");
  assert.ok(ops.length > 100, `workload too small: ${ops.length} operations`);
  assert.ok(evacuated > 0, "the workload must exercise compaction");
  let trials = 0;
  for (let op = 0; op <= ops.length; op++) {
    const len = ops[op] ?? 0;
    for (const landed of len > 0 ? landings(len) : [0]) {
      trial(steps, SIZE, op, landed, 0, "debug", "scripted");
      trials++;
    }
  }
  assert.ok(trials > ops.length);
});

test("exhaustive on the release build (128 KiB memory): every operation, nothing landed", () => {
  const steps = scripted();
  const { ops } = trace(steps, SIZE, "release");
  for (let op = 0; op <= ops.length; op += LONG ? 1 : 3) trial(steps, SIZE, op, 0, 0, "release", "scripted");
});

test(`random: ${LONG ? "10,000" : "300"} power cuts over random workloads`, () => {
  const cuts = LONG ? 10_000 : 300;
  const perWorkload = 20;
  let done = 0;
  for (let seed = 1; done < cuts; seed++) {
    const steps = randomWorkload(seed, 80);
    const { ops } = trace(steps, RANDOM_SIZE, "debug");
    for (let k = 0; k < perWorkload && done < cuts; k++, done++) {
      const op = (seed * 7 + k * 13 + k * k) % (ops.length + 1);
      const len = ops[op] ?? 0;
      const landed = len > 0 ? (seed + k) % (len + 1) : 0;
      trial(steps, RANDOM_SIZE, op, landed, seed, "debug", "random");
    }
  }
});

test("exhaustive at the object bound: objects that fill a sector each, cut at every operation and inside every write", () => {
  // DEVICE_OBJECT_MAX (assembly/store/limits.ts): 4096 − 128 − 64.
  const max = 4096 - 128 - 64;
  const steps: Step[] = [];
  for (let i = 0; i < 10; i++) {
    steps.push({ op: "put", type: i % 2 ? OBJ_TREE : OBJ_BLOB, body: new Uint8Array(max - (i % 3)).map((_, j) => (j * 7 + i) & 0xff) });
    steps.push({ op: "ref", name: "main", to: steps.length - 1 });
    if (i === 4) steps.push({ op: "prune", to: steps.length - 2 });
  }
  steps.push({ op: "compact" });
  const { ops, evacuated } = trace(steps, SIZE, "debug");
  assert.ok(evacuated > 0, "the log wraps");
  for (let op = 0; op <= ops.length; op++) {
    const len = ops[op] ?? 0;
    for (const landed of len > 0 ? landings(len) : [0]) trial(steps, SIZE, op, landed, 0, "debug", "bound");
  }
});

test(`past 256 sectors: ${LONG ? "1,000" : "60"} random power cuts on a prefilled 2 MiB partition`, () => {
  // Most of the partition in use (objects nobody references: never pruned away
  // without a prune marker), so the log's sectors sit past index 255.
  const size = 2 << 20;
  const flash = new SimFlash({ size, seed: 5 });
  const s = boot(flash, "release");
  for (let i = 0; s.stats().used < 400; i++)
    s.put(
      OBJ_BLOB,
      new Uint8Array(1200).fill(i & 0xff).map((b, j) => b ^ (j & (i >> 8))),
    );
  const image = flash.bytes.slice();
  const cuts = LONG ? 1000 : 60;
  let done = 0;
  for (let seed = 1; done < cuts; seed++) {
    const steps = randomWorkload(seed, 60);
    const { ops } = trace(steps, size, "release", image);
    for (let k = 0; k < 10 && done < cuts; k++, done++) {
      const op = (seed * 11 + k * 17) % (ops.length + 1);
      const len = ops[op] ?? 0;
      trial(steps, size, op, len > 0 ? (seed * 3 + k) % (len + 1) : 0, seed, "release", "2MiB", image);
    }
  }
});

test("a second cut inside recovery's own writes (killing a torn record, mending a header copy)", () => {
  const steps = scripted();
  const { ops } = trace(steps, SIZE, "debug");
  let hits = 0;
  for (let op = 0; op < ops.length; op += LONG ? 1 : 2) {
    const len = ops[op] ?? 0;
    if (len <= 1) continue;
    for (const second of [0, 1, 4]) if (trial(steps, SIZE, op, len >> 1, 0, "debug", "double", undefined, second)) hits++;
  }
  assert.ok(hits > 50, `recovery wrote something in only ${hits} trials`);
});
