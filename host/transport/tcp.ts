// Sync sessions over TCP: the gateway listens, each device connects; one
// connection is one Secret Handshake + box-stream session (the socket carries
// only its bytes) with one sync session inside (docs/sync.md).
import { createConnection, createServer, type Server } from "node:net";
import type { Gateway } from "../gateway/gateway.ts";
import { HANDSHAKE_TIMEOUT_MS } from "../identity/device.ts";

/** Accepts devices on host:port (port 0: any free port); resolves with the server. */
export function serveTcp(gw: Gateway, port: number, host = "127.0.0.1"): Promise<Server> {
  const server = createServer((sock) => {
    sock.setNoDelay(true);
    const link = gw.accept(
      (b) => !sock.destroyed && sock.write(b),
      () => sock.end(),
    );
    // A peer that stalls in the handshake is cut off at the session's deadline.
    const timer = setTimeout(() => link.timer(performance.now()), HANDSHAKE_TIMEOUT_MS + 10);
    timer.unref();
    sock.on("data", (chunk) => link.receive(new Uint8Array(chunk)));
    sock.on("close", () => {
      clearTimeout(timer);
      link.close();
    });
    sock.on("error", () => link.close());
  });
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, host, () => resolve(server));
  });
}

/** A device's byte pipe to its gateway. */
export interface DeviceLink {
  send(bytes: Uint8Array): void;
  close(): void;
}

/** Connects to a gateway over TCP; calls onBytes with what arrives and onClose once. */
export function dialTcp(host: string, port: number, onBytes: (b: Uint8Array) => void, onClose: () => void): DeviceLink {
  const sock = createConnection({ host, port });
  sock.setNoDelay(true);
  let closed = false;
  const close = () => {
    if (closed) return;
    closed = true;
    sock.destroy();
    onClose();
  };
  sock.on("data", (chunk) => onBytes(new Uint8Array(chunk)));
  sock.on("close", close);
  sock.on("error", close);
  return { send: (b) => !closed && sock.write(b), close };
}
