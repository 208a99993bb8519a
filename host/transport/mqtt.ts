// Sync sessions over MQTT 3.1.1: a topic pair per device, `nymote/<name>/up`
// (device → gateway) and `nymote/<name>/down`. Each payload is a 4-byte session
// id (chosen by the device per session) and bytes of that session's Secret
// Handshake + box-stream stream (one box-stream frame, or a handshake message);
// a new id from a device starts a new gateway session, payloads of other
// sessions are dropped. The topic name is only a claim: the certificate the
// session verifies must name the same device. The gateway embeds an aedes
// broker by default or joins an existing one.
import { randomBytes } from "node:crypto";
import { createServer, type Server } from "node:net";
import { Aedes } from "aedes";
import mqtt, { type MqttClient } from "mqtt";
import type { Gateway, GatewayLink } from "../gateway/gateway.ts";
import { HANDSHAKE_TIMEOUT_MS } from "../identity/device.ts";
import type { DeviceLink } from "./tcp.ts";

export interface EmbeddedBroker {
  url: string;
  close(): Promise<void>;
}

/** Starts an in-process broker on 127.0.0.1:port (0: any free port). */
export async function startBroker(port = 0, host = "127.0.0.1"): Promise<EmbeddedBroker> {
  const broker = await Aedes.createBroker();
  const server: Server = createServer(broker.handle);
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve());
  });
  const addr = server.address();
  const p = typeof addr === "object" && addr ? addr.port : port;
  return {
    url: `mqtt://${host}:${p}`,
    close: () =>
      new Promise<void>((resolve) => {
        broker.close(() => server.close(() => resolve()));
      }),
  };
}

// mqtt.js retries an unreachable broker forever; callers get a clear failure instead.
const CONNECT_DEADLINE_MS = 10_000;

function connect(url: string, clientId: string): Promise<MqttClient> {
  const c = mqtt.connect(url, { protocolVersion: 4, clientId, reconnectPeriod: 500, clean: true });
  return new Promise((resolve, reject) => {
    const fail = (e: Error) => {
      clearTimeout(deadline);
      c.end(true);
      reject(e);
    };
    const deadline = setTimeout(
      () => fail(new Error(`MQTT broker ${url} accepted no connection within ${CONNECT_DEADLINE_MS / 1000} s`)),
      CONNECT_DEADLINE_MS,
    );
    c.once("connect", () => {
      clearTimeout(deadline);
      resolve(c);
    });
    c.once("error", fail);
  });
}

/** The gateway's side: subscribes to every device's up topic on the broker at url. */
export async function serveMqtt(gw: Gateway, url: string): Promise<{ close(): Promise<void> }> {
  const client = await connect(url, `nymote-gateway-${randomBytes(4).toString("hex")}`);
  const sessions = new Map<string, { sid: number; link: GatewayLink }>();
  await client.subscribeAsync("nymote/+/up", { qos: 1 });
  client.on("message", (topic, payload) => {
    const name = topic.split("/")[1] ?? "";
    if (payload.length < 5) return;
    const sid = payload.readUInt32BE(0);
    const bytes = new Uint8Array(payload.subarray(4));
    let s = sessions.get(name);
    if (!s || s.sid !== sid) {
      s?.link.close();
      const head = Buffer.alloc(4);
      head.writeUInt32BE(sid);
      // An ended session stays in the map until the device starts another, so
      // its late payloads are dropped rather than opening new sessions.
      const link = gw.accept(
        (b) => client.publish(`nymote/${name}/down`, Buffer.concat([head, b]), { qos: 1 }),
        () => {},
        { name },
      );
      setTimeout(() => link.timer(performance.now()), HANDSHAKE_TIMEOUT_MS + 10).unref();
      s = { sid, link };
      sessions.set(name, s);
    }
    s.link.receive(bytes);
  });
  return { close: () => client.endAsync() };
}

/** A device's byte pipe to the gateway over MQTT (name: its topic pair). */
export async function dialMqtt(name: string, url: string, onBytes: (b: Uint8Array) => void, onClose: () => void): Promise<DeviceLink> {
  const client = await connect(url, `nymote-${name}-${randomBytes(4).toString("hex")}`);
  const sid = randomBytes(4).readUInt32BE(0);
  const head = Buffer.alloc(4);
  head.writeUInt32BE(sid);
  let closed = false;
  await client.subscribeAsync(`nymote/${name}/down`, { qos: 1 });
  client.on("message", (_topic, payload) => {
    if (!closed && payload.length >= 5 && payload.readUInt32BE(0) === sid) onBytes(new Uint8Array(payload.subarray(4)));
  });
  const close = () => {
    if (closed) return;
    closed = true;
    client.end(true);
    onClose();
  };
  // The session ends with the broker connection, even though mqtt.js would
  // reconnect: a clean session loses what was published meanwhile (a box-stream
  // with a gap cannot go on), and a restarted gateway has no session for this id
  // and never answers it. The caller dials a new session.
  client.on("close", close);
  return { send: (m) => !closed && client.publish(`nymote/${name}/up`, Buffer.concat([head, m]), { qos: 1 }), close };
}
