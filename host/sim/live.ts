// Simulated devices in real time against a gateway reached over TCP or MQTT
// (`nymote sim --gateway ADDR`): each device samples its signals, commits every
// few seconds, syncs over its own connection and reconnects when it drops.
import { decode } from "cbor-x";
import type { Grant, Owner } from "../sync/owner.ts";
import { dialMqtt } from "../transport/mqtt.ts";
import { type DeviceLink, dialTcp } from "../transport/tcp.ts";
import { SimDevice } from "./device.ts";
import { Signals } from "./signals.ts";

export interface LiveOptions {
  devices: number;
  /** tcp://host:port or mqtt://host:port */
  gateway: string;
  durationMs: number;
  seed: number;
  sampleMs?: number;
  commitMs?: number;
  /** Names (default dev000, dev001, ...). */
  names?: string[];
  /** After the run, wait this long at most for every commit to be acknowledged. */
  settleMs?: number;
  progress?: (line: string) => void;
  /** Enrolls each device (its certificate) before it first dials. */
  owner: Owner;
  /** The gateway's public key (the Secret Handshake server key devices pin). */
  gatewayKey: Uint8Array;
  /** A device's certificate grant; default sensors/<name> to write, config/<name> and config/all to read. */
  grant?: (name: string) => Grant;
  /** Called with each certificate issued (an in-process gateway records it). */
  onEnroll?: (cert: Uint8Array) => void;
  /** A path whose value each device holds is shown in the progress lines (the demo's config). */
  watch?: string;
  /** Called every 50 ms with the elapsed ms (the demo changes config from here). */
  onTick?: (nowMs: number) => void;
}

export interface LiveDevice {
  dev: SimDevice;
  link: DeviceLink | null;
  reconnects: number;
}

/** A stored CBOR value for a progress line ("-" when absent). */
function shown(v: Uint8Array | null): string {
  if (v === null) return "-";
  try {
    return JSON.stringify(decode(v));
  } catch {
    return "?";
  }
}

export async function runLive(o: LiveOptions): Promise<{ devices: LiveDevice[]; allAcked: boolean }> {
  const url = new URL(o.gateway);
  const names = o.names ?? Array.from({ length: o.devices }, (_, i) => `dev${String(i).padStart(3, "0")}`);
  const fleet: LiveDevice[] = names.map((name) => ({
    dev: new SimDevice({ name, read: [`config/${name}`, "config/all"] }),
    link: null,
    reconnects: 0,
  }));
  const grant = o.grant ?? ((name: string) => ({ name, write: [`sensors/${name}`], read: [`config/${name}`, "config/all"] }));
  for (const d of fleet) {
    const cert = o.owner.issue(d.dev.identity.publicKey(), grant(d.dev.name));
    d.dev.enroll(o.owner.publicKey, o.owner.networkKey, cert);
    o.onEnroll?.(cert);
  }
  const t0 = Date.now();
  const signals = names.map((_, i) => new Signals(o.seed * 1000 + i));
  let stopping = false;
  const dial = async (d: LiveDevice) => {
    if (stopping) return;
    d.reconnects++;
    const onBytes = (b: Uint8Array) => d.dev.receive(b);
    const onClose = () => {
      d.link = null;
      d.dev.disconnect();
      if (!stopping) setTimeout(() => void dial(d), 300);
    };
    try {
      const link =
        url.protocol === "mqtt:"
          ? await dialMqtt(d.dev.name, o.gateway, onBytes, onClose)
          : dialTcp(url.hostname, Number(url.port), onBytes, onClose);
      d.link = link;
      // The session's end (refused, failed, rejected) closes the transport; onClose redials.
      d.dev.connect((b) => link.send(b), o.gatewayKey, { nowMs: Date.now() - t0, ended: () => link.close() });
    } catch {
      if (!stopping) setTimeout(() => void dial(d), 500);
    }
  };
  await Promise.all(fleet.map(dial));
  const sampleMs = o.sampleMs ?? 500;
  const commitMs = o.commitMs ?? 2000;
  let lastSample = 0;
  let lastCommit = 0;
  const allAcked = () => fleet.every((d) => d.dev.head !== null && d.dev.acked === d.dev.head);
  await new Promise<void>((resolve) => {
    const timer = setInterval(() => {
      const now = Date.now() - t0;
      const running = now < o.durationMs;
      if (running && now - lastSample >= sampleMs) {
        lastSample = now;
        fleet.forEach((d, i) => {
          // Signals run on the elapsed time; readings carry the wall clock (Unix ms), as a device's would.
          for (const r of signals[i]?.sample(now) ?? []) d.dev.record(r.signal, [t0 + r.t, r.v]);
        });
      }
      if (running && now - lastCommit >= commitMs) {
        lastCommit = now;
        // Where the fleet got to since the last round, before this round's commits.
        const synced = fleet.filter((d) => d.dev.head !== null && d.dev.acked === d.dev.head).length;
        const watched = o.watch ? `   ${o.watch} on devices: ${fleet.map((d) => shown(d.dev.get(o.watch as string))).join(" ")}` : "";
        o.progress?.(
          `t=${(now / 1000).toFixed(0)}s commits ${fleet.reduce((a, d) => a + d.dev.commits, 0)}, all acknowledged on ${synced}/${fleet.length} devices${watched}`,
        );
        for (const d of fleet) d.dev.commit();
      }
      o.onTick?.(now);
      for (const d of fleet) d.dev.timer(now, 500);
      if (!running && (allAcked() || now > o.durationMs + (o.settleMs ?? 10_000))) {
        clearInterval(timer);
        resolve();
      }
    }, 50);
  });
  stopping = true;
  for (const d of fleet) d.link?.close();
  return { devices: fleet, allAcked: allAcked() };
}
