// Sync benchmarks (issue 7): wire bytes per synced reading against the
// reading's CBOR payload, round trips to converge, the device core syncing
// 1,000 pending commits from flash inside its fixed memory, and a gateway
// accepting one commit from each of 1,000 simulated devices, with a CPU
// profile summary. Every link is a Secret Handshake + box-stream session with
// the sync messages inside (as on the wire); in-process links (no sockets) so
// the numbers are the protocol's and the cores', not the kernel's.
import { Session } from "node:inspector/promises";
import { encode } from "cbor-x";
import { buildCore } from "../host/build/compile.ts";
import { SimFlash } from "../host/flash/sim.ts";
import { Gateway, type GatewayLink } from "../host/gateway/gateway.ts";
import { MemoryFlash } from "../host/runtime/index.ts";
import { type DeviceOptions, SimDevice } from "../host/sim/device.ts";
import { Owner } from "../host/sync/owner.ts";

const owner = Owner.throwaway();

interface Pair {
  gw: Gateway;
  dev: SimDevice;
  conn: GatewayLink;
  q: [boolean, Uint8Array][];
  msgs: { up: number; down: number; upBytes: number; downBytes: number };
}

function pair(gw: Gateway, dev: SimDevice): Pair {
  const p = { gw, dev, q: [] as [boolean, Uint8Array][], msgs: { up: 0, down: 0, upBytes: 0, downBytes: 0 } } as Pair;
  p.conn = gw.accept(
    (m) => p.q.push([true, m]),
    () => {},
  );
  dev.connect((m) => p.q.push([false, m]), gw.publicKey);
  return p;
}

/** Delivers in lockstep rounds (everything in flight, then the replies); returns the rounds used. */
function rounds(p: Pair): number {
  let n = 0;
  while (p.q.length > 0) {
    n++;
    const batch = p.q.splice(0);
    for (const [toDev, m] of batch) {
      if (toDev) {
        p.msgs.down++;
        p.msgs.downBytes += m.length;
        p.dev.receive(m);
      } else {
        p.msgs.up++;
        p.msgs.upBytes += m.length;
        p.conn.receive(m);
      }
    }
  }
  return n;
}

function reset(p: Pair): void {
  p.msgs = { up: 0, down: 0, upBytes: 0, downBytes: 0 };
}

function gateway(): Gateway {
  return new Gateway({ owner, clock: () => 1_700_000_000 });
}

/** A device certified by the owner (sensors/<name> to write, config/<name> to read). */
function device(o: DeviceOptions): SimDevice {
  const dev = new SimDevice({ clock: () => 1_700_000_000, ...o });
  dev.enroll(
    owner.publicKey,
    owner.networkKey,
    owner.issue(dev.identity.publicKey(), { name: o.name, write: [`sensors/${o.name}`], read: [`config/${o.name}`] }),
  );
  return dev;
}

function wireTable(): void {
  console.log("### Wire bytes per synced reading\n");
  console.log("| readings per commit | CBOR payload (B) | box-stream frames up/down | wire bytes up+down | per reading | ratio |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const batch of [1, 10, 100]) {
    const gw = gateway();
    const dev = device({ name: "kitchen" });
    const p = pair(gw, dev);
    rounds(p);
    // A first commit so the measured one has a parent with a tree (steady state).
    dev.record("temp", [0, 20.5]);
    dev.commit();
    rounds(p);
    reset(p);
    let payload = 0;
    for (let i = 0; i < batch; i++) {
      const r = [1_700_000_000_000 + i * 1000, 20 + (i % 50) / 10];
      payload += encode(r).length;
      dev.record("temp", r);
    }
    dev.commit();
    rounds(p);
    const bytes = p.msgs.upBytes + p.msgs.downBytes;
    console.log(
      `| ${batch} | ${payload} | ${p.msgs.up}/${p.msgs.down} | ${bytes} | ${(bytes / batch).toFixed(1)} | ${(bytes / payload).toFixed(2)}x |`,
    );
    gw.close();
  }
  console.log(
    "\nGoal: <= 1.3x for a batch of 100 (the payload is each reading's own CBOR encoding, `[t_ms, value]`). Wire bytes are the box-stream bytes (34-byte header a frame) of the sync messages after the handshake.\n",
  );
}

function roundTripsTable(): void {
  console.log("### Round trips to converge (lockstep rounds of message flights)\n");
  console.log("| scenario | rounds | messages up/down |");
  console.log("| --- | ---: | ---: |");
  const gw = gateway();
  const dev = device({ name: "kitchen", flash: new SimFlash({ size: 1 << 20 }) });
  const p = pair(gw, dev);
  console.log(
    `| first contact (Secret Handshake, certificates, HELLOs, first view, first-boot commit) | ${rounds(p)} | ${p.msgs.up}/${p.msgs.down} |`,
  );
  reset(p);
  dev.record("temp", [1, 20]);
  dev.commit();
  console.log(`| one new commit | ${rounds(p)} | ${p.msgs.up}/${p.msgs.down} |`);
  reset(p);
  dev.disconnect();
  p.conn.close();
  p.q.length = 0;
  // (the reconnect below includes its handshake)
  for (let i = 0; i < 100; i++) {
    dev.record("temp", [i, 20]);
    dev.commit();
  }
  const p2 = pair(gw, dev);
  console.log(`| reconnect with 100 pending commits (window 16) | ${rounds(p2)} | ${p2.msgs.up}/${p2.msgs.down} |`);
  reset(p2);
  gw.set("config/kitchen/interval", new Uint8Array(encode(10)));
  console.log(`| owner changes config (view → device merge → merge commit back) | ${rounds(p2)} | ${p2.msgs.up}/${p2.msgs.down} |`);
  gw.close();
  console.log("");
}

function deviceMemory(): void {
  console.log("### Device core syncing 1,000 pending commits from flash\n");
  const flash = new SimFlash({ size: 4 << 20, sectorSize: 16384 });
  const dev = device({ name: "kitchen", flash });
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    dev.record("temp", [i, 20 + (i % 7)]);
    dev.commit();
  }
  const tCommit = performance.now() - t0;
  const pagesBefore = dev.core.memoryBytes;
  const gw = gateway();
  dev.core.call("__collect");
  const before = dev.core.heapStats();
  // From here, every heap byte written shows (paint); the session and sync allocate after.
  dev.core.paintHeap();
  const p = pair(gw, dev);
  const t1 = performance.now();
  const r = rounds(p);
  const tSync = performance.now() - t1;
  const after = dev.core.heapStats();
  const peak = after.used + after.touched;
  const ok = gw.store.ref("devices/kitchen") === dev.head;
  console.log(
    "| pending commits | all acknowledged | rounds | messages up | device linear memory before / after sync | flash bytes read during sync | sync time |",
  );
  console.log("| ---: | --- | ---: | ---: | ---: | ---: | ---: |");
  console.log(
    `| 1000 | ${ok ? "yes" : "no"} | ${r} | ${p.msgs.up} | ${pagesBefore / 1024} KiB / ${dev.core.memoryBytes / 1024} KiB | ${flash.bytesRead} | ${tSync.toFixed(0)} ms |`,
  );
  console.log(
    `\nThe device core's linear memory is fixed at 2 pages (128 KiB, release build, no growth possible); the sync ran inside it. Making the 1,000 commits took ${tCommit.toFixed(0)} ms.\n`,
  );
  const kib = (n: number) => `${(n / 1024).toFixed(1)} KiB`;
  console.log("| device heap (release build) | bytes |");
  console.log("| --- | ---: |");
  console.log(`| heap the allocator manages (128 KiB minus 16 KiB stack and static data) | ${after.managed} (${kib(after.managed)}) |`);
  console.log(`| in use before the session (store on flash, identity, scratch) | ${before.used} (${kib(before.used)}) |`);
  console.log(`| peak during the session and the sync of 1,000 commits (high-water, upper bound) | ${peak} (${kib(peak)}) |`);
  console.log(`| headroom at the peak | ${after.managed - peak} (${kib(after.managed - peak)}) |`);
  console.log(
    "\nPeak = bytes in used blocks after the sync + free bytes written since the heap was painted just before the session opened (`mem_paint` / `mem_heap_stats`), so it counts every transient allocation of the handshake, the box-stream and the sync once.\n",
  );
  gw.close();
}

async function gatewayScale(): Promise<void> {
  console.log("### Gateway scale: 1,000 devices, one commit each\n");
  // The cores' profiling variants (same code, function names kept) so the profile names what runs.
  await buildCore(["release", "gateway"], false, true);
  process.env.NYMOTE_CORE_NAMES = "1";
  const N = 1000;
  const gw = gateway();
  const devs: SimDevice[] = [];
  for (let i = 0; i < N; i++) {
    const name = `dev${String(i).padStart(4, "0")}`;
    // The smallest partition the flash store mounts (secret area + 4 log sectors), to keep 1,000 in RAM.
    const d = device({ name, flash: new MemoryFlash(8 * 4096) });
    d.record("temp", [0, 20]);
    d.commit();
    devs.push(d);
  }
  const profiler = new Session();
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.start");
  const t0 = performance.now();
  // All devices connect at once (each a Secret Handshake, certificates, then sync);
  // messages are delivered in arrival order, interleaving every session.
  const q: [number, boolean, Uint8Array][] = [];
  const conns = devs.map((_, i) =>
    gw.accept(
      (m) => q.push([i, true, m]),
      () => {},
    ),
  );
  for (const [i, d] of devs.entries()) d.connect((m) => q.push([i, false, m]), gw.publicKey);
  for (let k = 0; k < q.length; k++) {
    const [i, toDev, m] = q[k] as [number, boolean, Uint8Array];
    if (toDev) devs[i]?.receive(m);
    else conns[i]?.receive(m);
  }
  const ms = performance.now() - t0;
  const { profile } = await profiler.post("Profiler.stop");
  profiler.disconnect();
  const acked = devs.filter((d) => gw.store.ref(`devices/${d.name}`) === d.head).length;
  console.log("| devices | acknowledged | messages | wall time | goal |");
  console.log("| ---: | ---: | ---: | ---: | --- |");
  console.log(`| ${N} | ${acked} | ${q.length} | ${(ms / 1000).toFixed(2)} s | < 10 s |`);
  // CPU profile: self time by function, top 12.
  const self = new Map<string, number>();
  const dt = new Map<number, number>();
  const samples = profile.samples ?? [];
  const deltas = profile.timeDeltas ?? [];
  for (const [j, id] of samples.entries()) dt.set(id, (dt.get(id) ?? 0) + (deltas[j] ?? 0));
  let total = 0;
  for (const n of profile.nodes) {
    const t = dt.get(n.id) ?? 0;
    total += t;
    const f = n.callFrame;
    const where = f.url.startsWith("wasm://") ? "core" : f.url.replace(/^.*\/(host|bench|node_modules)\//, "$1/");
    const key = `${f.functionName || "(anonymous)"} ${where}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
  }
  console.log(
    "\nCPU profile (self time, top 12; `core` entries are functions of the gateway and device cores, by their AssemblyScript names):\n",
  );
  console.log("| function | self ms | share |");
  console.log("| --- | ---: | ---: |");
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`| ${k} | ${(t / 1000).toFixed(0)} | ${((100 * t) / total).toFixed(1)}% |`);
  console.log(
    "\nThe wall time includes the 1,000 device cores' work (same process: both ends of 1,000 handshakes); the gateway's merges rewrite main's `sensors` tree (one entry a device) once per accepted commit.\n",
  );
  gw.close();
  delete process.env.NYMOTE_CORE_NAMES;
}

export async function run(): Promise<void> {
  wireTable();
  roundTripsTable();
  deviceMemory();
  await gatewayScale();
}
