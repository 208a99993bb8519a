// Shared set-up for the identity tests: an owner (host keys), and devices (cores
// on their own flash) enrolled by that owner, plus an in-memory link between two
// sessions that moves bytes in chunks of a chosen size.
import nacl from "tweetnacl";
import type { Target } from "../../host/build/compile.ts";
import { type CoreSession, DeviceIdentity } from "../../host/identity/device.ts";
import { issueCertificate } from "../../host/identity/index.ts";
import { Core, MemoryFlash } from "../../host/runtime/index.ts";

export const TARGET: Target = (process.env.NYMOTE_TARGET as Target | undefined) ?? "debug";
export const TARGETS: Target[] = ["debug", "release"];

export interface Owner {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
  networkKey: Uint8Array;
  serial: number;
}

export function newOwner(networkKey: Uint8Array = nacl.randomBytes(32)): Owner {
  const kp = nacl.sign.keyPair();
  return { publicKey: kp.publicKey, secretKey: kp.secretKey, networkKey, serial: 0 };
}

export interface CertOptions {
  name?: string;
  write?: string[];
  read?: string[];
  notBefore?: number;
  notAfter?: number;
  serial?: number;
}

export function certFor(owner: Owner, device: Uint8Array, o: CertOptions = {}): Uint8Array {
  const now = Math.floor(Date.now() / 1000);
  return issueCertificate(
    {
      serial: o.serial ?? ++owner.serial,
      device,
      name: o.name ?? "device",
      write: o.write ?? [],
      read: o.read ?? [],
      notBefore: o.notBefore ?? now - 60,
      notAfter: o.notAfter ?? now + 3600,
    },
    owner.secretKey,
  );
}

export interface Device {
  core: Core;
  id: DeviceIdentity;
  publicKey: Uint8Array;
  flash: MemoryFlash;
  serial: number;
}

export function newDevice(
  owner: Owner | null,
  o: CertOptions & { target?: Target; clock?: () => number; flash?: MemoryFlash } = {},
): Device {
  const flash = o.flash ?? new MemoryFlash(64 * 1024);
  const core = new Core(o.target ?? TARGET, { flash, clock: o.clock });
  const id = new DeviceIdentity(core);
  id.init();
  const publicKey = id.publicKey();
  let serial = 0;
  if (owner) {
    serial = o.serial ?? owner.serial + 1;
    const rc = id.enroll(owner.publicKey, owner.networkKey, certFor(owner, publicKey, { ...o, serial }));
    if (rc < 0) throw new Error(`enroll failed: ${rc}`);
  }
  return { core, id, publicKey, flash, serial };
}

/**
 * Moves bytes both ways until nothing moves, `chunk` bytes at a time (a function
 * gets the remaining length and returns the next piece size). Returns the bytes
 * each side sent.
 */
export function shuttle(a: CoreSession, b: CoreSession, chunk: (left: number) => number = (n) => n): { ab: number; ba: number } {
  let ab = 0;
  let ba = 0;
  const pending: [Uint8Array, Uint8Array] = [new Uint8Array(0), new Uint8Array(0)];
  for (let guard = 0; guard < 100000; guard++) {
    const outA = a.take();
    const outB = b.take();
    ab += outA.length;
    ba += outB.length;
    pending[0] = concat(pending[0], outA);
    pending[1] = concat(pending[1], outB);
    let moved = outA.length + outB.length;
    for (const [i, to] of [
      [0, b],
      [1, a],
    ] as const) {
      const buf = pending[i];
      if (buf.length === 0) continue;
      const n = Math.max(1, Math.min(buf.length, chunk(buf.length)));
      const used = to.receive(buf.subarray(0, n));
      if (used < 0) {
        pending[i] = new Uint8Array(0);
        continue;
      }
      moved += used;
      pending[i] = buf.subarray(used);
    }
    if (moved === 0) break;
  }
  return { ab, ba };
}

export function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  if (a.length === 0) return b;
  if (b.length === 0) return a;
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}
