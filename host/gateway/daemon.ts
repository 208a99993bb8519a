// `nymote gateway`: a gateway daemon on a data directory, accepting devices over
// TCP and MQTT (an embedded broker unless --mqtt names one). Runs until SIGINT or
// SIGTERM; acknowledged data is durable in the data directory at every moment.
// The gateway's key and certificate live in the data directory (identity.flash);
// on first start it is certified by the owner (--owner, an owner data directory).
// Devices are whoever presents a valid certificate from that owner.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadIdentity } from "../identity/keys.ts";
import { Owner } from "../sync/owner.ts";
import { serveMqtt, startBroker } from "../transport/mqtt.ts";
import { serveTcp } from "../transport/tcp.ts";
import { CONTROL_SOCKET, controlPath, serveControl } from "./control.ts";
import { Gateway } from "./gateway.ts";
import { DataDirLock } from "./lock.ts";
import { applySet } from "./set.ts";

export interface DaemonOptions {
  data: string;
  host: string;
  port: number;
  mqttPort: number;
  mqtt?: string;
  /** Owner data directory (`nymote identity init`): certifies the gateway on first start. */
  owner?: string;
  /** Device certificate files (`nymote enroll` output) to record before devices connect. */
  enroll: string[];
}

/** Where the gateway's public key is written (devices pin it as the server key). */
export const GATEWAY_PUB = "gateway.pub";

/**
 * Starts the gateway; returns the function that stops it. It holds the data
 * directory's lock (host/gateway/lock.ts) from before it reads anything until
 * it has stopped, and takes the owner's writes on its control socket
 * (host/gateway/control.ts, `nymote set`).
 */
export async function runGateway(o: DaemonOptions, say: (l: string) => void): Promise<() => Promise<void>> {
  mkdirSync(o.data, { recursive: true });
  const lock = DataDirLock.acquire(o.data, "gateway");
  const stops: (() => Promise<void> | void)[] = [() => lock.release()];
  const stop = async () => {
    for (const f of stops.splice(0).reverse()) await f();
  };
  try {
    await serve(o, say, stops);
    return stop;
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Starts each part, pushing what stops it onto stops (undone in reverse order). */
async function serve(o: DaemonOptions, say: (l: string) => void, stops: (() => Promise<void> | void)[]): Promise<void> {
  const owner = o.owner ? Owner.of(loadIdentity(o.owner, process.env.NYMOTE_PASSPHRASE)) : undefined;
  const gw = new Gateway({ dataDir: o.data, log: say, owner });
  stops.push(() => gw.close());
  if (!gw.enrolled) throw new Error(`the gateway in ${o.data} has no certificate yet: start it once with --owner <owner data directory>`);
  for (const f of o.enroll) say(`enrolled ${gw.enroll(new Uint8Array(readFileSync(f))).name}`);
  const key = Buffer.from(gw.publicKey).toString("hex");
  writeFileSync(join(o.data, GATEWAY_PUB), `${key}\n`);
  const tcp = await serveTcp(gw, o.port, o.host);
  stops.push(() => {
    tcp.close();
  });
  const a = tcp.address();
  say(
    `gateway: key ${key} (${join(o.data, GATEWAY_PUB)}), data ${o.data}, tcp://${o.host}:${typeof a === "object" && a ? a.port : o.port}`,
  );
  let url = o.mqtt;
  if (!url) {
    const broker = await startBroker(o.mqttPort, o.host);
    stops.push(() => broker.close());
    url = broker.url;
    say(`gateway: embedded MQTT broker ${url}`);
  }
  const sub = await serveMqtt(gw, url);
  stops.push(() => sub.close());
  const control = await serveControl(o.data, (path, value) => applySet(gw, path, value));
  if (control) {
    stops.push(control);
    say(`gateway: control socket ${controlPath(o.data)} (nymote set --data ${o.data})`);
  } else
    say(
      `gateway: no control socket: ${join(o.data, CONTROL_SOCKET)} is too long for a Unix socket path; nymote set cannot reach this gateway`,
    );
  say(`gateway: MQTT topics nymote/<device>/up|down on ${url}`);
}
