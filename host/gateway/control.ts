// The running gateway's control socket: a Unix domain socket in its data
// directory (`gateway.sock`, mode 0600, so only the owner's user can connect)
// through which `nymote set` hands the daemon the owner's writes. One JSON line
// each way per connection:
//   request  {"op":"set","path":"config/kitchen/interval","value":"<base64 CBOR>"}
//   reply    {"ok":true,"commit":"<main's new commit id>"} | {"ok":false,"error":"<why>"}
import { chmodSync, unlinkSync } from "node:fs";
import { createConnection, createServer, type Socket } from "node:net";
import { join } from "node:path";

export const CONTROL_SOCKET = "gateway.sock";
/** sockaddr_un.sun_path holds 108 bytes with its NUL; a longer path would be cut short silently. */
const SUN_PATH_MAX = 107;
/** A request carries at most one value (the gateway's 8 MiB object bound) in base64, plus the path. */
const LINE_MAX = 12 << 20;
/** How long `nymote set` waits for the daemon's reply. */
const REPLY_MS = 30_000;

type Reply = { ok: true; commit: string } | { ok: false; error: string };

/** Where the daemon on dir listens, or null when the path is too long for a Unix socket. */
export function controlPath(dir: string): string | null {
  const p = join(dir, CONTROL_SOCKET);
  return Buffer.byteLength(p) <= SUN_PATH_MAX ? p : null;
}

/** Reads one '\n'-terminated line (at most LINE_MAX bytes) from a socket. */
function readLine(sock: Socket, onLine: (line: string) => void, onTooLong: () => void): void {
  const parts: Buffer[] = [];
  let size = 0;
  const onData = (b: Buffer) => {
    const nl = b.indexOf(0x0a);
    parts.push(nl < 0 ? b : b.subarray(0, nl));
    size += nl < 0 ? b.length : nl;
    if (size > LINE_MAX) {
      sock.off("data", onData);
      onTooLong();
    } else if (nl >= 0) {
      sock.off("data", onData);
      onLine(Buffer.concat(parts).toString("utf8"));
    }
  };
  sock.on("data", onData);
}

/** Parses a request line; a string says what is wrong with it. */
function parseRequest(line: string): { path: string; value: Uint8Array } | string {
  let r: unknown;
  try {
    r = JSON.parse(line);
  } catch {
    return "the request is not JSON";
  }
  const q = r as { op?: unknown; path?: unknown; value?: unknown };
  if (q.op !== "set") return `unknown op ${JSON.stringify(q.op)} (this gateway knows "set")`;
  if (typeof q.path !== "string" || typeof q.value !== "string") return "set needs a path and a base64 value";
  return { path: q.path, value: new Uint8Array(Buffer.from(q.value, "base64")) };
}

/**
 * Listens on dir's control socket (a stale one from a killed daemon is
 * replaced: the caller holds the data directory's lock) and answers each
 * request with set(path, value)'s commit id or its error. Null when dir's path
 * is too long for a Unix socket. Returns the function that closes and removes it.
 */
export async function serveControl(dir: string, set: (path: string, value: Uint8Array) => string): Promise<(() => Promise<void>) | null> {
  const path = controlPath(dir);
  if (path === null) return null;
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "ENOENT") throw e;
  }
  const server = createServer((sock) => {
    sock.on("error", () => sock.destroy());
    const answer = (r: Reply) => sock.end(`${JSON.stringify(r)}\n`);
    readLine(
      sock,
      (line) => {
        const q = parseRequest(line);
        if (typeof q === "string") return answer({ ok: false, error: q });
        try {
          answer({ ok: true, commit: set(q.path, q.value) });
        } catch (e) {
          answer({ ok: false, error: e instanceof Error ? e.message : String(e) });
        }
      },
      () => answer({ ok: false, error: `request longer than ${LINE_MAX} bytes` }),
    );
  });
  // The socket file is created by bind(2), inside listen(): with this umask it is
  // born 0600, so no other user can connect even for an instant.
  const umask = process.umask(0o177);
  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(path, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } finally {
    process.umask(umask);
  }
  chmodSync(path, 0o600);
  return () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      try {
        unlinkSync(path);
      } catch {
        // already gone (node removes it on close)
      }
    });
}

/**
 * Asks the gateway running on dir to set path to value; its commit id, or null
 * when no gateway listens there (no socket, or a stale one). Throws the
 * gateway's error when it refuses.
 */
export function requestSet(dir: string, path: string, value: Uint8Array): Promise<string | null> {
  const sockPath = controlPath(dir);
  if (sockPath === null) return Promise.resolve(null);
  return new Promise((resolve, reject) => {
    const sock = createConnection(sockPath);
    let connected = false;
    const timer = setTimeout(() => {
      sock.destroy();
      reject(new Error(`the gateway on ${dir} did not answer within ${REPLY_MS / 1000} s`));
    }, REPLY_MS);
    const done = (f: () => void) => {
      clearTimeout(timer);
      sock.destroy();
      f();
    };
    sock.on("error", (e: NodeJS.ErrnoException) => {
      if (!connected && (e.code === "ENOENT" || e.code === "ECONNREFUSED")) done(() => resolve(null));
      else done(() => reject(new Error(`control socket ${sockPath}: ${e.message}`)));
    });
    sock.on("close", () => done(() => reject(new Error(`the gateway on ${dir} closed the control connection without answering`))));
    sock.on("connect", () => {
      connected = true;
      sock.write(`${JSON.stringify({ op: "set", path, value: Buffer.from(value).toString("base64") })}\n`);
    });
    readLine(
      sock,
      (line) =>
        done(() => {
          try {
            const r = JSON.parse(line) as Reply;
            if (r.ok) resolve(r.commit);
            else reject(new Error(r.error));
          } catch {
            reject(new Error(`the gateway on ${dir} answered something that is not JSON`));
          }
        }),
      () => done(() => reject(new Error(`the gateway on ${dir} answered with an overlong line`))),
    );
  });
}
