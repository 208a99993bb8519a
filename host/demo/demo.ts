// `nymote demo`: the first thing a user runs. An owner key and a gateway data
// directory in a throwaway folder, the gateway with its embedded MQTT broker, a
// few simulated devices (each its own device core) syncing to it over MQTT in
// real time, one config change from the owner that every device picks up, then
// a summary. Exit code 1 if anything failed to converge. (`nymote sim` runs the
// same devices on an in-process network with injected faults.)
import { mkdirSync, mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { decode } from "cbor-x";
import { Gateway } from "../gateway/gateway.ts";
import { encodeCbor } from "../gateway/value.ts";
import { initIdentity, sshFingerprint } from "../identity/keys.ts";
import { runFleet } from "../sim/fleet.ts";
import { runLive } from "../sim/live.ts";
import { getPath, history, listPaths, treeOf } from "../sync/objects.ts";
import { Owner } from "../sync/owner.ts";
import { serveMqtt, startBroker } from "../transport/mqtt.ts";

export interface DemoOptions {
  devices?: number;
  seed?: number;
  /** Seconds of device activity. */
  seconds?: number;
  dir?: string;
  out?: (line: string) => void;
}

export interface DemoResult {
  converged: boolean;
  dir: string;
  lines: string[];
}

/** What both demos start with: the output sink, sizes, a directory and the owner key. */
function prepare(o: DemoOptions, defaultSeconds: number) {
  const lines: string[] = [];
  const say = (l: string) => {
    lines.push(l);
    (o.out ?? ((x: string) => process.stdout.write(`${x}\n`)))(l);
  };
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), "nymote-demo-"));
  mkdirSync(dir, { recursive: true });
  // The owner identity, as `nymote identity init --dir <dir>/owner` makes it;
  // it certifies the gateway and every device (certificates in owner/certs/).
  const id = initIdentity({ dir: join(dir, "owner") });
  say(`owner key      ${sshFingerprint(id.publicKey)}  (${join(id.dir, "owner.pub")})`);
  return { lines, say, n: o.devices ?? 4, seconds: o.seconds ?? defaultSeconds, dir, owner: Owner.of(id) };
}

/**
 * Owner key, gateway (data directory + embedded MQTT broker), devices over
 * MQTT in real time; the owner changes config/all/interval half way.
 */
export async function demoLive(o: DemoOptions = {}): Promise<DemoResult> {
  const { lines, say, n, seconds, dir, owner } = prepare(o, 8);
  const dataDir = join(dir, "gateway");
  const gw = new Gateway({ dataDir, owner });
  const names = Array.from({ length: n }, (_, i) => `dev${String(i).padStart(3, "0")}`);
  const broker = await startBroker(0);
  const sub = await serveMqtt(gw, broker.url);
  say(`gateway        data ${dataDir}, embedded MQTT broker ${broker.url}`);
  say(
    `devices        ${names.join(", ")} (each its own device core, release build, certified by the owner), topics nymote/<device>/up|down, Secret Handshake + box-stream`,
  );
  gw.set("config/all/interval", encodeCbor(30));
  say("owner sets     config/all/interval = 30");
  const changeAt = Math.floor((seconds * 1000) / 2);
  let changed = false;
  let result: Awaited<ReturnType<typeof runLive>>;
  try {
    result = await runLive({
      devices: n,
      names,
      gateway: broker.url,
      durationMs: seconds * 1000,
      seed: o.seed ?? 1,
      sampleMs: 250,
      commitMs: 1000,
      owner,
      gatewayKey: gw.publicKey,
      onEnroll: (cert) => gw.enroll(cert),
      progress: (l) => say(`  ${l}`),
      watch: "config/all/interval",
      onTick: (now) => {
        if (!changed && now >= changeAt) {
          changed = true;
          gw.set("config/all/interval", encodeCbor(10));
          say(`  t=${(now / 1000).toFixed(0)}s owner sets config/all/interval = 10`);
        }
      },
    });
  } finally {
    await sub.close();
    await broker.close();
  }
  const mainTree = treeOf(gw.store, gw.store.ref("main"));
  const want = getPath(gw.store, mainTree, "config/all/interval");
  say("");
  say("device   commits  merges  bytes out  bytes in  interval  acked  in main");
  let converged = true;
  for (const d of result.devices) {
    const dev = d.dev;
    const acked = dev.head !== null && gw.store.ref(`devices/${dev.name}`) === dev.head;
    const got = dev.get("config/all/interval");
    const config = got !== null && want !== null && Buffer.from(got).equals(Buffer.from(want));
    const inMain = listPaths(gw.store, mainTree).some((e) => e.path.startsWith(`sensors/${dev.name}/`));
    converged &&= acked && config && inMain;
    say(
      `${dev.name.padEnd(8)} ${String(dev.commits).padStart(7)} ${String(dev.merges).padStart(7)} ${String(dev.bytesOut).padStart(10)} ${String(dev.bytesIn).padStart(9)} ${String(got ? decode(got) : "-").padStart(9)}  ${yn(acked).padEnd(5)}  ${yn(inMain)}`,
    );
    for (const l of dev.log) say(`  ${dev.name}: ${l}`);
  }
  const commits = result.devices.reduce((a, d) => a + d.dev.commits, 0);
  const devConflicts = result.devices.reduce((a, d) => a + d.dev.conflicts, 0);
  say("");
  say(
    `devices ${n}   commits ${commits}   accepted by gateway ${gw.stats.commitsAccepted}   bytes on the wire ${gw.stats.bytesIn + gw.stats.bytesOut}   conflicts ${gw.stats.conflicts} in main, ${devConflicts} on devices   denied ${gw.stats.denied}`,
  );
  say(`main has ${history(gw.store, gw.store.ref("main")).length} commits`);
  say(`all converged: ${converged ? "yes" : "no"}`);
  say(`data: ${dataDir}  (try: npx nymote log --data ${dataDir})`);
  gw.close();
  return { converged, dir, lines };
}

/** The same on an in-process lossy network in virtual time (synchronous; tests of the data directory use it). */
export function demo(o: DemoOptions = {}): DemoResult {
  const { lines, say, n, seconds, dir, owner } = prepare(o, 20);
  const dataDir = join(dir, "gateway");
  let virtualNow = 0;
  const start = Math.floor(Date.now() / 1000);
  const gw = new Gateway({ dataDir, owner, clock: () => start + Math.floor(virtualNow / 1000) });
  say(`gateway data   ${dataDir}`);
  say(`devices        ${n} simulated (device core, release build), lossy link: 5% drop, 5% duplicate, 5% reorder`);
  const changeAt = Math.floor((seconds * 1000) / 2 / 1000) * 1000;
  gw.set("config/all/interval", encodeCbor(30));
  say("owner sets     config/all/interval = 30");
  let announced = false;
  const r = runFleet({
    devices: n,
    seed: o.seed ?? 1,
    durationMs: seconds * 1000,
    gateway: gw,
    owner,
    faults: { drop: 0.05, duplicate: 0.05, reorder: 0.05, delay: [0, 30] },
    config: [{ at: changeAt, path: "config/all/interval", value: 10 }],
    progress: (s) => {
      virtualNow = s.now;
      if (!announced && s.now >= changeAt) {
        announced = true;
        say(`t=${(s.now / 1000).toFixed(0).padStart(3)}s  owner sets config/all/interval = 10`);
      }
      const acked = s.devices.filter((d) => d.acked).length;
      const cfg = s.devices.filter((d) => d.config).length;
      const commits = s.devices.reduce((a, d) => a + d.commits, 0);
      say(
        `t=${(s.now / 1000).toFixed(0).padStart(3)}s  ${s.settling ? "settling" : "running "}  commits ${String(commits).padStart(4)}  in sync ${acked}/${n}  config current ${cfg}/${n}`,
      );
    },
  });
  say("");
  say("device   commits  merges  bytes out  bytes in  interval  acked  in main  config");
  for (const d of r.devices) {
    const dev = d.name;
    const main = gw.store.ref("main");
    const tree = treeOf(gw.store, main);
    const v = getPath(gw.store, tree, "config/all/interval");
    say(
      `${dev.padEnd(8)} ${String(d.commits).padStart(7)} ${String(d.merges).padStart(7)} ${String(d.bytesOut).padStart(10)} ${String(d.bytesIn).padStart(9)} ${String(v ? decode(v) : "-").padStart(9)}  ${yn(d.acked).padEnd(5)}  ${yn(d.inMain).padEnd(7)}  ${yn(d.config)}`,
    );
  }
  const commits = r.devices.reduce((a, d) => a + d.commits, 0);
  const devConflicts = r.devices.reduce((a, d) => a + d.conflicts, 0);
  say("");
  say(
    `devices ${n}   commits ${commits}   accepted by gateway ${gw.stats.commitsAccepted}   bytes on the wire ${r.wireBytes}   conflicts ${gw.stats.conflicts} in main, ${devConflicts} on devices   denied ${gw.stats.denied}`,
  );
  say(`main has ${history(gw.store, gw.store.ref("main")).length} commits`);
  say(`all converged: ${r.converged ? "yes" : "no"}`);
  for (const p of r.problems) say(`problem: ${p}`);
  say(`data: ${dataDir}  (try: npx nymote log --data ${dataDir})`);
  gw.close();
  return { converged: r.converged, dir, lines };
}

function yn(b: boolean): string {
  return b ? "yes" : "no";
}
