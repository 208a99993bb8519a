// Sync sessions over TCP: the gateway listens, each device connects; one
// connection is one session (docs/sync.md).
import { createConnection, createServer, type Server, type Socket } from "node:net";
import type { Gateway, GatewayConnection } from "../gateway/gateway.ts";
import { FrameReader, frame } from "./frames.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Accepts devices on host:port (port 0: any free port); resolves with the server. */
export function serveTcp(gw: Gateway, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((sock) => acceptTcp(gw, sock));
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

function acceptTcp(gw: Gateway, sock: Socket): void {
  const reader = new FrameReader();
  let conn: GatewayConnection | null = null;
  sock.setNoDelay(true);
  sock.on("data", (chunk) => {
    let frames: Uint8Array[];
    try {
      frames = reader.push(chunk);
    } catch {
      sock.destroy();
      return;
    }
    for (const f of frames) {
      if (conn) conn.receive(f);
      else {
        const name = dec.decode(f);
        if (!gw.devices.has(name)) {
          gw.log(`tcp: unknown device ${JSON.stringify(name)}`);
          sock.destroy();
          return;
        }
        conn = gw.connect(
          name,
          (m) => sock.write(frame(m)),
          () => sock.end(),
        );
      }
    }
  });
  sock.on("close", () => conn?.close());
  sock.on("error", () => conn?.close());
}

export interface DeviceLink {
  send(m: Uint8Array): void;
  close(): void;
}

/** Connects a device to a gateway over TCP; calls onMessage per sync message and onClose once. */
export function dialTcp(name: string, host: string, port: number, onMessage: (m: Uint8Array) => void, onClose: () => void): DeviceLink {
  const sock = createConnection({ host, port });
  sock.setNoDelay(true);
  const reader = new FrameReader();
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    sock.destroy();
    onClose();
  };
  sock.write(frame(enc.encode(name)));
  sock.on("data", (chunk) => {
    try {
      for (const f of reader.push(chunk)) onMessage(f);
    } catch {
      close();
    }
  });
  sock.on("close", close);
  sock.on("error", close);
  return { send: (m) => !closed && sock.write(frame(m)), close };
}
