// `nymote set`: the owner writes a value on the gateway's main. Through the
// running daemon's control socket when there is one (it recuts the views and
// notifies connected devices at once), otherwise directly in the data
// directory under its lock (devices get the value at their next sync).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { CONTROL_SOCKET, requestSet } from "./control.ts";
import { Gateway, REVOKED_PATH } from "./gateway.ts";
import { DataDirLock, LockedError } from "./lock.ts";
import { isDeterministicCbor } from "./value.ts";

/** How long `nymote set` keeps trying while a gateway that is starting holds the lock but does not listen yet. */
const START_WAIT_MS = 5000;

/**
 * The owner's write as the daemon and the direct path both apply it: one
 * deterministic CBOR item (stored byte for byte), not the revocation list
 * (`nymote identity revoke` installs that), then Gateway.set and its checks.
 */
export function applySet(gw: Gateway, path: string, value: Uint8Array): string {
  if (path === REVOKED_PATH) throw new Error(`${REVOKED_PATH} holds the revocation list: change it with nymote identity revoke`);
  if (!isDeterministicCbor(gw.core, value))
    throw new Error(`the value is not one deterministic CBOR item (RFC 8949 §4.2.1); nothing written`);
  return gw.set(path, value);
}

export interface SetResult {
  commit: string;
  /** "gateway": the running daemon applied it; "direct": written in the data directory. */
  via: "gateway" | "direct";
}

/** Sets path to value (CBOR bytes) on the main of the gateway whose data directory is dir. */
export async function setValue(dir: string, path: string, value: Uint8Array): Promise<SetResult> {
  // identity.flash holds the gateway's key: every gateway data directory has it.
  if (!existsSync(join(dir, "identity.flash"))) throw new Error(`${dir} is not a gateway data directory (no identity.flash)`);
  const deadline = Date.now() + START_WAIT_MS;
  for (;;) {
    const commit = await requestSet(dir, path, value);
    if (commit !== null) return { commit, via: "gateway" };
    let lock: DataDirLock;
    try {
      lock = DataDirLock.acquire(dir, "set");
    } catch (e) {
      // A gateway that holds the lock may still be loading its data before it listens.
      if (!(e instanceof LockedError) || Date.now() > deadline) {
        throw e instanceof LockedError && e.holder === "gateway"
          ? new Error(`${e.message}; its control socket ${join(dir, CONTROL_SOCKET)} does not answer`)
          : e;
      }
      await new Promise((r) => setTimeout(r, 100));
      continue;
    }
    try {
      const gw = new Gateway({ dataDir: dir });
      try {
        return { commit: applySet(gw, path, value), via: "direct" };
      } finally {
        gw.close();
      }
    } finally {
      lock.release();
    }
  }
}
