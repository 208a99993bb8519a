// Flash store: write amplification for a stream of small readings, erase-count
// spread after a long run, recovery time and RAM for a full 1 MiB and a full 4 MiB
// partition, and the cost of a lookup. Peers in the same run: raw object puts (no commits) against
// readings committed through the store, with and without pruning.
import { createHash, randomBytes } from "node:crypto";
import { FlashStore, OBJ_BLOB } from "../host/flash/client.ts";
import { SimFlash } from "../host/flash/sim.ts";
import { Core } from "../host/runtime/index.ts";
import { CoreStore } from "../host/store/index.ts";

const enc = new TextEncoder();
const AUTHOR = "Kitchen Sensor <kitchen@nymote.local>";
const reading = (i: number) => enc.encode(`{"t":${(200 + ((i * 7) % 50)) / 10},"n":${i}}`);

function mount(flash: SimFlash, target: "release" | "gateway" = "release"): { f: FlashStore; s: CoreStore; core: Core } {
  const core = new Core(target, { flash });
  const f = new FlashStore(core);
  const h = f.open();
  if (h <= 0) throw new Error(`flash_store_open: ${h}`);
  return { f, s: new CoreStore(core, h), core };
}

interface Amp {
  mode: string;
  readings: number;
  payload: number;
  written: number;
  erases: number;
}

function amplification(mode: "raw" | "commit" | "commit+prune", n: number): Amp {
  const flash = new SimFlash({ size: 256 * 1024 });
  const { f, s } = mount(flash);
  const w0 = flash.bytesWritten;
  const e0 = flash.erases;
  let payload = 0;
  let prev: Uint8Array | undefined;
  for (let i = 0; i < n; i++) {
    const v = reading(i);
    payload += v.length;
    if (mode === "raw") {
      const id = f.put(OBJ_BLOB, v);
      if (typeof id === "number") throw new Error(`put ${id}`);
    } else {
      s.set("sensors/kitchen/temp", v);
      const id = s.commit({ author: AUTHOR, time: 1700000000 + i, message: "" });
      // The gateway acknowledges every 16th commit; the device prunes behind it.
      if (mode === "commit+prune" && i % 16 === 15 && prev) f.prune(prev);
      if (i % 16 === 15) prev = id;
    }
  }
  return { mode, readings: n, payload, written: flash.bytesWritten - w0, erases: flash.erases - e0 };
}

function wear(commits: number): { sectors: number; erases: number; max: number; min: number; mean: number } {
  const flash = new SimFlash({ size: 128 * 1024 });
  const { f, s } = mount(flash);
  // Static data that never changes (configuration), then a stream of readings.
  for (let k = 0; k < 40; k++) {
    s.set(`config/${k}`, new Uint8Array(200).fill(k));
    if (k % 10 === 9) s.commit({ author: AUTHOR, time: 1700000000 + k, message: "config" }); // the device stage holds 16
  }
  let prev: Uint8Array | undefined;
  for (let i = 0; i < commits; i++) {
    s.set("sensors/kitchen/temp", reading(i));
    const id = s.commit({ author: AUTHOR, time: 1700000001 + i, message: "" });
    if (i % 16 === 15) {
      if (prev) f.prune(prev);
      prev = id;
    }
  }
  const log = flash.eraseCounts.subarray(2); // the secret area is not part of the log
  let sum = 0;
  for (const c of log) sum += c;
  return { sectors: log.length, erases: sum, max: Math.max(...log), min: Math.min(...log), mean: sum / log.length };
}

function fullPartition(size: number): SimFlash {
  const flash = new SimFlash({ size });
  const { f } = mount(flash);
  for (let i = 0; ; i++) {
    const id = f.put(OBJ_BLOB, reading(i * 1000 + 7));
    if (typeof id === "number") break;
  }
  return flash;
}

export async function run(): Promise<void> {
  const n = 2000;
  console.log("### Write amplification (stream of small readings, 256 KiB partition, release build)\n");
  console.log("| mode | readings | payload bytes | flash bytes written | flash bytes / payload byte | erases | vs raw |");
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: |");
  const amps = [amplification("raw", n), amplification("commit", 300), amplification("commit+prune", n)];
  const raw = amps[0].written / amps[0].payload;
  for (const a of amps) {
    const r = a.written / a.payload;
    console.log(`| ${a.mode} | ${a.readings} | ${a.payload} | ${a.written} | ${r.toFixed(1)} | ${a.erases} | ${(r / raw).toFixed(1)}x |`);
  }
  console.log(
    "\nraw = one blob record per reading; commit = set + store_commit (blob, trees, commit, ref record; 300 commits, as the partition fills without pruning); commit+prune = the same with the gateway acknowledging every 16th commit.\n",
  );

  console.log("### Erase-count spread after a long run (128 KiB partition, 40 static config values, commits with pruning)\n");
  const w = wear(6000);
  console.log("| log sectors | erases | max | min | mean | max / mean |");
  console.log("| ---: | ---: | ---: | ---: | ---: | ---: |");
  console.log(`| ${w.sectors} | ${w.erases} | ${w.max} | ${w.min} | ${w.mean.toFixed(1)} | ${(w.max / w.mean).toFixed(2)} |`);

  console.log("\n### Recovery of a full 1 MiB and a full 4 MiB partition (flash_store_open), lookups\n");
  console.log(
    "| partition | core target | records | recovery ms (median of 5) | flash reads | bytes read | RAM bytes | has(absent id): flash reads | has(oldest object): flash reads | put(new object): flash reads |",
  );
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const [size, target] of [
    [1 << 20, "release"],
    [1 << 20, "gateway"],
    [4 << 20, "release"],
  ] as const) {
    const flash = fullPartition(size);
    const times: number[] = [];
    let reads = 0;
    let bytes = 0;
    let m: ReturnType<typeof mount> | undefined;
    for (let k = 0; k < 5; k++) {
      const r0 = flash.reads;
      const b0 = flash.bytesRead;
      const t0 = performance.now();
      m = mount(flash, target);
      times.push(performance.now() - t0);
      reads = flash.reads - r0;
      bytes = flash.bytesRead - b0;
    }
    if (!m) throw new Error("unreachable");
    times.sort((a, b) => a - b);
    const st = m.f.stats();
    let r0 = flash.reads;
    for (let k = 0; k < 50; k++) m.f.has(new Uint8Array(randomBytes(32)));
    const absent = (flash.reads - r0) / 50;
    r0 = flash.reads;
    const oldest = m.f.has(
      new Uint8Array(
        createHash("sha256")
          .update(`blob ${reading(7).length}\0`)
          .update(reading(7))
          .digest(),
      ),
    );
    if (oldest !== 1) throw new Error("oldest reading missing");
    const present = flash.reads - r0;
    // A put of a new object on the full partition: E_FULL, but only after its bounded lookup.
    r0 = flash.reads;
    for (let k = 0; k < 20; k++) m.f.put(OBJ_BLOB, new Uint8Array(randomBytes(16)));
    const put = (flash.reads - r0) / 20;
    console.log(
      `| ${size >> 20} MiB | ${target} | ${st.records} | ${times[2].toFixed(1)} | ${reads} | ${bytes} | ${st.ramBytes} | ${absent.toFixed(0)} | ${present} | ${put.toFixed(0)} |`,
    );
  }
  console.log(
    "\nRecovery reads every sector header and record header and the head sector's bodies; its RAM is the tables sized to the partition (12 bytes a sector, the Bloom index: 8 KiB up to 512 sectors, 16 bytes a sector past that; lookup cache, ref table) and the liveness walk, the same for any partition content. A lookup of an absent id scans the sectors whose Bloom slice gives a false positive (about 12 % at 60 records a sector with 32-byte slices (1 MiB), about 43 % with 16-byte slices (4 MiB)); a put stops after 4 such scans (a duplicate is cheaper than the scans).",
  );
}
