// A fleet of simulated devices and a gateway on an in-process network with
// virtual time and injected faults (host/transport/faulty.ts). Deterministic
// for a seed: the same options give the same run. Used by `nymote sim` (when no
// --gateway address is given), `nymote demo` and the convergence tests.
import { SimFlash } from "../flash/sim.ts";
import { Gateway, type GatewayLink } from "../gateway/gateway.ts";
import { encodeCbor } from "../gateway/value.ts";
import type { SyncStore } from "../sync/core.ts";
import { listPaths, treeOf } from "../sync/objects.ts";
import { Owner } from "../sync/owner.ts";
import { type FaultOptions, FaultyNet } from "../transport/faulty.ts";
import { SimDevice } from "./device.ts";
import { Signals } from "./signals.ts";

export interface FleetOptions {
  devices: number;
  seed: number;
  /** Virtual milliseconds of activity (faults active), before the settle phase. */
  durationMs: number;
  faults?: FaultOptions;
  /** Probability per device per second of a reboot (session torn down mid-sync). */
  reboot?: number;
  /** Give each device a simulated NOR flash partition (its store survives reboots). */
  flash?: boolean;
  /** With flash: probability per device per second of a power cut at a random flash operation soon after. */
  powerCut?: number;
  /** Power cuts may also land in the middle of a write (a prefix of its bytes lands). */
  tornWrites?: boolean;
  sampleMs?: number;
  commitMs?: number;
  /** Owner's config changes: at virtual time `at`, main gets path = value. */
  config?: { at: number; path: string; value: unknown }[];
  /** Longest settle phase (faults healed) before giving up. */
  settleMs?: number;
  gateway?: Gateway;
  /** The owner who enrolls the devices (and the gateway, when it is not enrolled yet); default: a throwaway owner. */
  owner?: Owner;
  /** Wall-clock second virtual time 0 stands for (commit times); default: now. */
  startSec?: number;
  /** Called every virtual second. */
  progress?: (f: FleetSnapshot) => void;
}

export interface DeviceSummary {
  name: string;
  commits: number;
  /** Merges of the owner's view into the device's main, and the conflicts they recorded. */
  merges: number;
  conflicts: number;
  acked: boolean;
  config: boolean;
  inMain: boolean;
  bytesOut: number;
  bytesIn: number;
  reconnects: number;
  powerCuts: number;
}

export interface FleetSnapshot {
  now: number;
  settling: boolean;
  devices: DeviceSummary[];
}

export interface FleetResult extends FleetSnapshot {
  converged: boolean;
  gateway: Gateway;
  wireBytes: number;
  net: FaultyNet["stats"];
  problems: string[];
}

interface Slot {
  dev: SimDevice;
  flash: SimFlash | null;
  cuts: number;
  signals: Signals;
  conn: GatewayLink | null;
  epoch: number;
  reconnectAt: number;
  reconnects: number;
}

export function runFleet(o: FleetOptions): FleetResult {
  const net = new FaultyNet(o.seed, o.faults ?? {});
  const start = o.startSec ?? Math.floor(Date.now() / 1000);
  const clock = () => start + Math.floor(net.now / 1000);
  const owner = o.owner ?? Owner.throwaway();
  const gw = o.gateway ?? new Gateway({ clock, owner });
  const gatewayKey = gw.publicKey;
  const sampleMs = o.sampleMs ?? 500;
  const commitMs = o.commitMs ?? 2000;
  const settleMs = o.settleMs ?? 60_000;
  const slots: Slot[] = [];
  for (let i = 0; i < o.devices; i++) {
    const name = `dev${String(i).padStart(3, "0")}`;
    const rec = { name, write: [`sensors/${name}`], read: [`config/${name}`, "config/all"] };
    const flash = o.flash || o.powerCut ? new SimFlash({ size: 512 * 1024, seed: o.seed * 1000 + i }) : null;
    const dev = new SimDevice({ ...rec, clock, flash: flash ?? undefined, seed: o.seed * 1000 + i });
    // Enrollment: the owner's certificate goes to the device and to the gateway's records.
    const cert = owner.issue(dev.identity.publicKey(), rec);
    dev.enroll(owner.publicKey, owner.networkKey, cert);
    gw.enroll(cert);
    slots.push({
      dev,
      flash,
      cuts: 0,
      signals: new Signals(o.seed * 1000 + i),
      conn: null,
      epoch: 0,
      reconnectAt: 0,
      reconnects: 0,
    });
  }

  const link = (s: Slot): void => {
    const epoch = ++s.epoch;
    const alive = () => s.epoch === epoch;
    const drop = () => {
      if (!alive()) return;
      s.epoch++;
      s.conn?.close();
      s.conn = null;
      s.dev.disconnect();
      s.reconnectAt = net.now + 200 + Math.floor(net.random() * 300);
    };
    // Bytes cross the faulty network; a corrupted one fails the box-stream MAC and ends the session.
    // A delivery runs device code that writes flash: a power cut can land in it.
    const conn = gw.accept(
      (b) => net.send(b, (x) => alive() && guarded(s, () => s.dev.receive(x))),
      () => alive() && net.at(0, drop),
      { nowMs: net.now },
    );
    s.conn = conn;
    s.dev.connect((b) => net.send(b, (x) => alive() && conn.receive(x)), gatewayKey, {
      nowMs: net.now,
      ended: () => alive() && net.at(0, drop),
    });
    s.reconnects++;
  };

  /**
   * Runs a device step; a power cut inside it (the flash lost power: an I/O error
   * or a core that trapped on it) reboots the device. Any other failure, a core
   * out of memory included, fails the run rather than passing for a power cut.
   */
  const guarded = (s: Slot, fn: () => void): void => {
    try {
      fn();
    } catch (e) {
      if (!s.flash?.powerOff) throw e;
    }
    if (s.flash?.powerOff) powerBack(s);
  };
  const powerBack = (s: Slot): void => {
    s.cuts++;
    s.epoch++;
    s.conn?.close();
    s.conn = null;
    s.flash?.reboot();
    s.dev.reboot();
    s.reconnectAt = net.now + 300;
  };

  const summary = (settling: boolean): FleetSnapshot => ({ now: net.now, settling, devices: slots.map((s) => summarize(gw, s)) });
  const pendingConfig = [...(o.config ?? [])].sort((a, b) => a.at - b.at);
  let lastProgress = 0;
  const tick = (now: number, settling: boolean) => {
    while (pendingConfig.length > 0 && (pendingConfig[0]?.at ?? 0) <= now) {
      const c = pendingConfig.shift();
      if (c) gw.set(c.path, encodeCbor(c.value));
    }
    for (const s of slots) {
      if (s.flash?.powerOff) powerBack(s);
      if (!settling) {
        if (now % sampleMs === 0) for (const r of s.signals.sample(now)) s.dev.record(r.signal, [r.t, r.v]);
        if (now % commitMs === 0 && now > 0) guarded(s, () => s.dev.commit());
        if (o.powerCut && s.flash && !s.flash.powerOff && net.random() < (o.powerCut * 100) / 1000) {
          // The cut lands on one of the next flash operations, possibly mid-write.
          s.flash.cutAt(s.flash.ops + 1 + Math.floor(net.random() * 40), o.tornWrites ? Math.floor(net.random() * 64) : 0);
        }
        if (o.reboot && s.conn && net.random() < (o.reboot * 100) / 1000) {
          s.epoch++;
          s.conn.close();
          s.conn = null;
          s.dev.disconnect();
          s.reconnectAt = now + 500;
        }
      }
      if (s.flash?.powerOff) powerBack(s);
      if (!s.conn && now >= s.reconnectAt) guarded(s, () => link(s));
      guarded(s, () => s.dev.timer(now, 400));
      s.conn?.timer(now, 400);
    }
    if (o.progress && now - lastProgress >= 1000) {
      lastProgress = now;
      o.progress(summary(settling));
    }
  };

  net.run(o.durationMs, 100, (now) => tick(now, false));
  // Faults heal; readings stop; everything must converge.
  net.faults = {};
  for (const s of slots) {
    s.flash?.clearCut();
    guarded(s, () => s.dev.commit());
  }
  const deadline = net.now + settleMs;
  const done = () => slots.every((s) => converged(gw, s));
  while (net.now < deadline && !done()) net.run(net.now + 500, 100, (now) => tick(now, true));

  const final = summary(true);
  const problems: string[] = [];
  for (const d of final.devices) {
    if (!d.acked) problems.push(`${d.name}: not every commit acknowledged`);
    if (!d.config) problems.push(`${d.name}: lacks the owner's latest config`);
    if (!d.inMain) problems.push(`${d.name}: readings not in the gateway's main`);
  }
  // A gateway refusing a device's commit is a failure; a session that ended
  // because power was cut under it (local E_IO) is part of the test.
  for (const s of slots) for (const l of s.dev.log) if (l.startsWith("rejected")) problems.push(`${s.dev.name}: ${l}`);
  return { ...final, converged: done(), gateway: gw, wireBytes: net.stats.bytes, net: net.stats, problems };
}

function summarize(gw: Gateway, s: Slot): DeviceSummary {
  const st = state(gw, s);
  return {
    name: s.dev.name,
    commits: s.dev.commits,
    merges: s.dev.merges,
    conflicts: s.dev.conflicts,
    ...st,
    bytesOut: s.dev.bytesOut,
    bytesIn: s.dev.bytesIn,
    reconnects: s.reconnects,
    powerCuts: s.cuts,
  };
}

function state(gw: Gateway, s: Slot): { acked: boolean; config: boolean; inMain: boolean } {
  const d = s.dev;
  const head = d.head;
  const acked = head !== null && gw.store.ref(`devices/${d.name}`) === head;
  const mainTree = treeOf(gw.store, gw.store.ref("main"));
  const devTree = treeOf(d.store, head);
  // The owner's config as this device may read it, on both sides; the device's
  // readings as it wrote them, in the gateway's main.
  const config = listing(gw.store, mainTree, d.read) === listing(d.store, devTree, d.read);
  const inMain = listing(gw.store, mainTree, d.write) === listing(d.store, devTree, d.write);
  return { acked, config, inMain };
}

/** path=id lines of every leaf under the prefixes (read only: writes nothing). */
function listing(store: SyncStore, tree: string | null, prefixes: string[]): string {
  return listPaths(store, tree)
    .filter((e) => prefixes.some((p) => e.path === p || e.path.startsWith(`${p}/`)))
    .map((e) => `${e.path}=${e.id}`)
    .join("\n");
}

function converged(gw: Gateway, s: Slot): boolean {
  const st = state(gw, s);
  return st.acked && st.config && st.inMain;
}
