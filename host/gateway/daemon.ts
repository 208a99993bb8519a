// `nymote gateway`: a gateway daemon on a data directory, accepting devices over
// TCP and MQTT (an embedded broker unless --mqtt names one). Runs until SIGINT or
// SIGTERM; acknowledged data is durable in the data directory at every moment.

import { type EmbeddedBroker, serveMqtt, startBroker } from "../transport/mqtt.ts";
import { serveTcp } from "../transport/tcp.ts";
import { Gateway } from "./gateway.ts";

export interface DaemonOptions {
  data: string;
  host: string;
  port: number;
  mqttPort: number;
  mqtt?: string;
  /** name:write1,write2:read1,read2 — interim enrollment until certificates carry capabilities. */
  enroll: string[];
  /** Enroll unknown simulator devices (devNNN) with sensors/<name> and config/<name>,config/all. */
  openEnrollment: boolean;
}

export async function runGateway(o: DaemonOptions, say: (l: string) => void): Promise<() => Promise<void>> {
  const gw = new Gateway({ dataDir: o.data, log: say });
  for (const e of o.enroll) {
    const [name = "", write = "", read = ""] = e.split(":");
    gw.enroll({ name, write: write.split(",").filter(Boolean), read: read.split(",").filter(Boolean) });
  }
  if (o.openEnrollment) {
    for (let i = 0; i < 1000; i++) {
      const name = `dev${String(i).padStart(3, "0")}`;
      if (!gw.devices.has(name)) gw.devices.set(name, { name, write: [`sensors/${name}`], read: [`config/${name}`, "config/all"] });
    }
  }
  const tcp = await serveTcp(gw, o.port, o.host);
  const a = tcp.address();
  say(`gateway: data ${o.data}, tcp://${o.host}:${typeof a === "object" && a ? a.port : o.port}`);
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
