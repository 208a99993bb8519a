// Store benchmarks: put+commit latency, merge latency for a 10-path diff in a
// 100-key vs a 10,000-key store (goal: ratio <= 2, cost follows the diff), bytes
// per commit for one small reading, and the linear memory of a 10,000-key store.
// Peers measured in the same run: the same operations on the release (device)
// build, and stock git (hash-object + mktree + commit-tree) for bytes per commit.
import { encode } from "cbor-x";
import { Core } from "../host/runtime/index.ts";
import { CoreStore } from "../host/store/index.ts";

const AUTHOR = "Bench Device <bench@nymote.local>";

function now(): number {
  return performance.now();
}

/** Key i of a store laid out with `fanout` entries a directory (depth = ceil(log_fanout(n))). */
function keyOf(i: number, n: number, fanout: number): string {
  const depth = Math.max(1, Math.ceil(Math.log(n) / Math.log(fanout) - 1e-9));
  const parts: string[] = [];
  let x = i;
  for (let d = 0; d < depth; d++) {
    parts.unshift(String(x % fanout));
    x = Math.floor(x / fanout);
  }
  return `k/${parts.join("/")}`;
}

function build(target: "gateway" | "release", n: number, fanout: number): { s: CoreStore; base: Uint8Array } {
  const s = CoreStore.openMemory(new Core(target));
  const batch = target === "gateway" ? 1000 : 16;
  let base: Uint8Array = new Uint8Array(0);
  for (let i = 0; i < n; i += batch) {
    for (let j = i; j < Math.min(n, i + batch); j++) s.set(keyOf(j, n, fanout), new Uint8Array(encode(j)));
    base = s.commit({ author: AUTHOR, time: 1700000000 + i, message: "load" });
  }
  return { s, base };
}

function putCommit(target: "gateway" | "release"): number {
  // Fresh 100-key stores (10 on the device, whose memory store holds 32 KiB),
  // 40 commits each, so the device build never runs out of room mid-measure.
  const keys = target === "gateway" ? 100 : 10;
  let total = 0;
  let iters = 0;
  for (let round = 0; round < 8; round++) {
    const { s } = build(target, keys, 10);
    const t0 = now();
    for (let i = 0; i < 40; i++) {
      s.set("sensors/kitchen/temp", new Uint8Array(encode(20 + (i % 50) / 10)));
      s.commit({ author: AUTHOR, time: 1700001000 + i, message: "reading" });
    }
    total += now() - t0;
    iters += 40;
    s.close();
  }
  return total / iters;
}

/** Mean merge latency (ms) of two branches changing 5 paths each (a 10-path diff). */
function mergeLatency(n: number, fanout: number): { ms: number; memory: number; objectBytes: number } {
  const { s, base } = build("gateway", n, fanout);
  const heads: Uint8Array[] = [];
  for (const [b, off] of [
    ["x", 0],
    ["y", 5],
  ] as const) {
    s.setRef(b, base, undefined);
    s.checkout(b);
    // Spread the changed keys over the store: one per region.
    for (let j = 0; j < 5; j++) s.set(keyOf(Math.floor(((off + j) * n) / 10), n, fanout), new Uint8Array(encode(-1)));
    heads.push(s.commit({ author: AUTHOR, time: 1700100000, message: b }));
  }
  const diff = [...s.diff(base, heads[0])].length;
  if (diff !== 5) throw new Error(`expected 5 changed paths on one side, got ${diff}`);
  let iters = 0;
  const t0 = now();
  while (now() - t0 < 400 || iters < 20) {
    s.mergeTree(heads[0], heads[1]);
    iters++;
  }
  const ms = (now() - t0) / iters;
  let objectBytes = 0;
  for (const o of s.reachable()) objectBytes += o.body.length;
  return { ms, memory: s.core.memoryBytes, objectBytes };
}

function bytesPerCommit(): { store: number; objects: number } {
  const s = CoreStore.openMemory(new Core("release"));
  s.set("sensors/kitchen/temp", new Uint8Array(encode(21.5)));
  const c1 = s.commit({ author: AUTHOR, time: 1700000000, message: "reading" });
  const before = new Set([...s.reachable([c1])].map((o) => Buffer.from(o.id).toString("hex")));
  s.set("sensors/kitchen/temp", new Uint8Array(encode(21.75)));
  const c2 = s.commit({ author: AUTHOR, time: 1700000060, message: "reading" });
  let bytes = 0;
  let objects = 0;
  for (const o of s.reachable([c2])) {
    if (before.has(Buffer.from(o.id).toString("hex"))) continue;
    bytes += o.body.length;
    objects++;
  }
  return { store: bytes, objects };
}

export async function run(): Promise<void> {
  const gw = putCommit("gateway");
  const dev = putCommit("release");
  console.log("| operation | gateway build | release (device) build |");
  console.log("| --- | --- | --- |");
  console.log(
    `| put + commit (100-key store; 10 keys on the device build) | ${gw.toFixed(3)} ms (${Math.round(1000 / gw)} ops/s) | ${dev.toFixed(3)} ms (${Math.round(1000 / dev)} ops/s) |`,
  );
  const rows: string[] = [];
  for (const fanout of [10, 100]) {
    const small = mergeLatency(100, fanout);
    const large = mergeLatency(10000, fanout);
    rows.push(
      `| ${fanout} | ${small.ms.toFixed(3)} ms | ${large.ms.toFixed(3)} ms | ${(large.ms / small.ms).toFixed(2)} | ${(large.memory / 1048576).toFixed(1)} MiB (objects ${(large.objectBytes / 1048576).toFixed(2)} MiB) |`,
    );
  }
  console.log("\nMerge of two branches changing 5 paths each (a 10-path diff), gateway build:\n");
  console.log("| layout fan-out | 100 keys | 10,000 keys | ratio (goal <= 2) | linear memory, 10,000-key memory store |");
  console.log("| --- | --- | --- | --- | --- |");
  for (const r of rows) console.log(r);
  const b = bytesPerCommit();
  console.log(
    `\nBytes per commit for one small reading (CBOR float at sensors/kitchen/temp): ${b.store} bytes in ${b.objects} new objects (blob, 3 trees, commit).`,
  );
}
