// Sync benchmarks (issue 7): wire bytes per synced reading against the
// reading's CBOR payload, round trips to converge, the device core syncing
// 1,000 pending commits from flash inside its fixed memory, and a gateway
// accepting one commit from each of 1,000 simulated devices, with a CPU
// profile summary. In-process links (no sockets) so the numbers are the
// protocol's and the cores', not the kernel's.
import { Session } from "node:inspector/promises";
import { encode } from "cbor-x";
import { SimFlash } from "../host/flash/sim.ts";
import { Gateway, type GatewayConnection } from "../host/gateway/gateway.ts";
import { SimDevice } from "../host/sim/device.ts";

const BOX_HEADER = 34; // box-stream header per message (docs/identity.md)
const PLAIN_HEADER = 2; // plain framing: u16 length

interface Pair {
  gw: Gateway;
  dev: SimDevice;
  conn: GatewayConnection;
  q: [boolean, Uint8Array][];
  msgs: { up: number; down: number; upBytes: number; downBytes: number };
}

function pair(gw: Gateway, dev: SimDevice): Pair {
  const p = { gw, dev, q: [] as [boolean, Uint8Array][], msgs: { up: 0, down: 0, upBytes: 0, downBytes: 0 } } as Pair;
  p.conn = gw.connect(
    dev.name,
    (m) => p.q.push([true, m]),
    () => {},
  );
  dev.connect((m) => p.q.push([false, m]));
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

/** A gateway with dev enrolled, its key included (the gateway checks every commit's signature). */
function enrolled(dev: SimDevice): Gateway {
  const { name } = dev;
  return new Gateway({
    devices: [{ name, write: [`sensors/${name}`], read: [`config/${name}`], publicKey: dev.publicKey }],
    clock: () => 1_700_000_000,
  });
}

function wireTable(): void {
  console.log("### Wire bytes per synced reading\n");
  console.log(
    "| readings per commit | CBOR payload (B) | sync messages up/down | bytes up+down | per reading | ratio (plain frames) | ratio (box-stream) |",
  );
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const batch of [1, 10, 100]) {
    const dev = new SimDevice({ name: "kitchen", clock: () => 1_700_000_000 });
    const gw = enrolled(dev);
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
    const n = p.msgs.up + p.msgs.down;
    const plain = bytes + n * PLAIN_HEADER;
    const boxed = bytes + n * BOX_HEADER;
    console.log(
      `| ${batch} | ${payload} | ${p.msgs.up}/${p.msgs.down} | ${bytes} | ${(plain / batch).toFixed(1)} | ${(plain / payload).toFixed(2)}x | ${(boxed / payload).toFixed(2)}x |`,
    );
    gw.close();
  }
  console.log("\nGoal: <= 1.3x for a batch of 100 (the payload is each reading's own CBOR encoding, `[t_ms, value]`).\n");
}

function roundTripsTable(): void {
  console.log("### Round trips to converge (lockstep rounds of message flights)\n");
  console.log("| scenario | rounds | messages up/down |");
  console.log("| --- | ---: | ---: |");
  const dev = new SimDevice({ name: "kitchen", flash: new SimFlash({ size: 1 << 20 }), clock: () => 1_700_000_000 });
  const gw = enrolled(dev);
  const p = pair(gw, dev);
  console.log(`| first contact (HELLOs, first view, first-boot commit) | ${rounds(p)} | ${p.msgs.up}/${p.msgs.down} |`);
  reset(p);
  dev.record("temp", [1, 20]);
  dev.commit();
  console.log(`| one new commit | ${rounds(p)} | ${p.msgs.up}/${p.msgs.down} |`);
  reset(p);
  dev.disconnect();
  p.conn.close();
  p.q.length = 0;
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
  const dev = new SimDevice({ name: "kitchen", flash, clock: () => 1_700_000_000 });
  const t0 = performance.now();
  for (let i = 0; i < 1000; i++) {
    dev.record("temp", [i, 20 + (i % 7)]);
    dev.commit();
  }
  const tCommit = performance.now() - t0;
  const pagesBefore = dev.core.memoryBytes;
  const gw = enrolled(dev);
  const p = pair(gw, dev);
  const t1 = performance.now();
  const r = rounds(p);
  const tSync = performance.now() - t1;
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
  gw.close();
}

async function gatewayScale(): Promise<void> {
  console.log("### Gateway scale: 1,000 devices, one commit each\n");
  const N = 1000;
  const gw = new Gateway({ clock: () => 1_700_000_000 });
  const devs: SimDevice[] = [];
  for (let i = 0; i < N; i++) {
    const name = `dev${String(i).padStart(4, "0")}`;
    const d = new SimDevice({ name, read: [`config/${name}`, "config/all"], clock: () => 1_700_000_000 });
    gw.enroll({ name, write: [`sensors/${name}`], read: [`config/${name}`, "config/all"], publicKey: d.publicKey });
    d.record("temp", [0, 20]);
    d.commit();
    devs.push(d);
  }
  const profiler = new Session();
  profiler.connect();
  await profiler.post("Profiler.enable");
  await profiler.post("Profiler.start");
  const t0 = performance.now();
  // All devices connect at once; messages are delivered in arrival order, interleaving every session.
  const q: [number, boolean, Uint8Array][] = [];
  const conns = devs.map((d, i) =>
    gw.connect(
      d.name,
      (m) => q.push([i, true, m]),
      () => {},
    ),
  );
  for (const [i, d] of devs.entries()) d.connect((m) => q.push([i, false, m]));
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
    const key = `${f.functionName || "(anonymous)"} ${f.url ? f.url.replace(/^.*\/(host|bench|node_modules)\//, "$1/") : ""}`.trim();
    self.set(key, (self.get(key) ?? 0) + t);
  }
  console.log("\nCPU profile (self time, top 12; wasm-function entries are the gateway and device cores):\n");
  console.log("| function | self ms | share |");
  console.log("| --- | ---: | ---: |");
  for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, 12))
    console.log(`| ${k} | ${(t / 1000).toFixed(0)} | ${((100 * t) / total).toFixed(1)}% |`);
  console.log(
    "\nThe wall time includes the 1,000 device cores' work (same process); the gateway's merges rewrite main's `sensors` tree (one entry a device) once per accepted commit.\n",
  );
  gw.close();
}

export async function run(): Promise<void> {
  wireTable();
  roundTripsTable();
  deviceMemory();
  await gatewayScale();
}
