// What export and backup read from a gateway data directory. Until the gateway
// (host/gateway, docs/sync.md) fixes its own layout, a gateway directory is:
//   GATEWAY_DIR/            a Git directory in SHA-256 format, bare or with .git (host/git)
//     refs/heads/main       the owner's merged history
//     refs/heads/<device>   one branch per device, named as the device
//     devices.json          [{ "name": "...", "publicKey": "<64 hex>" }], the device
//                           keys from their certificates (docs/identity.md)
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { LooseRepo } from "./loose.ts";

export interface DeviceKey {
  /** Device name: its branch and its principal in allowed_signers. */
  name: string;
  /** Ed25519 public key, 32 bytes. */
  publicKey: Uint8Array;
}

export interface Gateway {
  dir: string;
  store: LooseRepo;
  devices: DeviceKey[];
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;

export function devicesFile(dir: string): string {
  return join(dir, "devices.json");
}

export function readDevices(dir: string): DeviceKey[] {
  const file = devicesFile(dir);
  if (!existsSync(file)) return [];
  const list = JSON.parse(readFileSync(file, "utf8")) as { name: string; publicKey: string }[];
  return list.map(({ name, publicKey }) => {
    if (!NAME.test(name)) throw new Error(`devices.json: bad device name ${JSON.stringify(name)}`);
    if (!/^[0-9a-f]{64}$/.test(publicKey)) throw new Error(`devices.json: device ${name}: public key is not 32 bytes of hex`);
    return { name, publicKey: new Uint8Array(Buffer.from(publicKey, "hex")) };
  });
}

/** Opens the store of a gateway directory (a SHA-256 Git directory, bare or with .git). */
export function openStore(dir: string): LooseRepo {
  try {
    return new LooseRepo(dir);
  } catch (e) {
    throw new Error(`${dir} is not a gateway data directory (${(e as Error).message})`);
  }
}

export function openGateway(dir: string): Gateway {
  return { dir, store: openStore(dir), devices: readDevices(dir) };
}
