// `nymote gateway`: a gateway daemon on a data directory, accepting devices over
// TCP and MQTT (an embedded broker unless --mqtt names one). Runs until SIGINT or
// SIGTERM; acknowledged data is durable in the data directory at every moment.
// The gateway's key and certificate live in the data directory (identity.flash);
// on first start it is certified by the owner (--owner, an owner data directory).
// Devices are whoever presents a valid certificate from that owner.
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { loadIdentity } from "../identity/keys.ts";
import { Owner } from "../sync/owner.ts";
import { type EmbeddedBroker, serveMqtt, startBroker } from "../transport/mqtt.ts";
import { serveTcp } from "../transport/tcp.ts";
import { Gateway } from "./gateway.ts";

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

export async function runGateway(o: DaemonOptions, say: (l: string) => void): Promise<() => Promise<void>> {
  const gw = new Gateway({
    dataDir: o.data,
    log: say,
    owner: o.owner ? Owner.of(loadIdentity(o.owner, process.env.NYMOTE_PASSPHRASE)) : undefined,
  });
  if (!gw.enrolled) {
    gw.close();
    throw new Error(`the gateway in ${o.data} has no certificate yet: start it once with --owner <owner data directory>`);
  }
  for (const f of o.enroll) say(`enrolled ${gw.enroll(new Uint8Array(readFileSync(f))).name}`);
  const key = Buffer.from(gw.publicKey).toString("hex");
  writeFileSync(join(o.data, GATEWAY_PUB), `${key}\n`);
  const tcp = await serveTcp(gw, o.port, o.host);
  const a = tcp.address();
  say(
    `gateway: key ${key} (${join(o.data, GATEWAY_PUB)}), data ${o.data}, tcp://${o.host}:${typeof a === "object" && a ? a.port : o.port}`,
  );
  let broker: EmbeddedBroker | null = null;
  let url = o.mqtt;
  if (!url) {
    broker = await startBroker(o.mqttPort, o.host);
    url = broker.url;
    say(`gateway: embedded MQTT broker ${url}`);
  }
  const sub = await serveMqtt(gw, url);
  say(`gateway: MQTT topics nymote/<device>/up|down on ${url}`);
  return async () => {
    await sub.close();
    await broker?.close();
    tcp.close();
    gw.close();
  };
}
