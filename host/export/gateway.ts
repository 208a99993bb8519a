// What export and backup read from (and restore writes to) a gateway data
// directory. Two layouts are understood, told apart by their files:
//
// - the gateway's data directory (host/gateway, docs/sync.md; interim until the
//   store's host-backed directory lands): `objects.log` (append-only records:
//   type u8 (1 blob, 2 tree, 3 commit), length u32 LE, Git object body; a torn
//   last record is ignored) and `refs.json` ({ name: hex id }), branches `main`,
//   `devices/<name>` and the derived `views/<name>` and `merged/<name>`;
// - a Git directory in SHA-256 format, bare or with .git (host/git), branches in
//   refs/heads/.
//
// Both keep `devices.json`: [{ "name": "...", "publicKey": "<64 hex>", ... }]; a
// device's key (from its certificate, docs/identity.md) is what its commits'
// SSH signatures are checked against. Records without a key are listed but
// cannot be verified.
import { closeSync, existsSync, fsyncSync, openSync, readFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import { type GitObject, LooseRepo, type ObjectType, objectId, writeAtomic } from "./loose.ts";

export interface DeviceKey {
  /** Device name: its principal in allowed_signers. */
  name: string;
  /** Ed25519 public key, 32 bytes; null when the record carries none yet. */
  publicKey: Uint8Array | null;
}

/** The object store and branches of a gateway directory, whatever its layout. */
export interface GatewayStore {
  readonly layout: "git" | "log";
  has(id: string): boolean;
  read(id: string): GitObject;
  write(type: ObjectType, body: Uint8Array): string;
  /** Every object id, sorted. */
  ids(): string[];
  /** Branches by name, sorted. */
  refs(): Map<string, string>;
  setRef(name: string, id: string | null): void;
  /** Paths (relative to the gateway directory) the store owns: not backed up as files. */
  readonly ownPaths: string[];
  /** Makes everything written durable. */
  flush(): void;
}

const NAME = /^[A-Za-z0-9._-]{1,64}$/;
const LOG = "objects.log";
const REFS = "refs.json";
const TYPES: Record<number, ObjectType> = { 1: "blob", 2: "tree", 3: "commit" };
const CODES: Record<string, number> = { blob: 1, tree: 2, commit: 3 };

export function readDevices(dir: string): DeviceKey[] {
  const file = join(dir, "devices.json");
  if (!existsSync(file)) return [];
  const list = JSON.parse(readFileSync(file, "utf8")) as { name: string; publicKey?: string }[];
  return list.map(({ name, publicKey }) => {
    if (!NAME.test(name)) throw new Error(`devices.json: bad device name ${JSON.stringify(name)}`);
    if (publicKey !== undefined && !/^[0-9a-f]{64}$/.test(publicKey))
      throw new Error(`devices.json: device ${name}: public key is not 32 bytes of hex`);
    return { name, publicKey: publicKey ? new Uint8Array(Buffer.from(publicKey, "hex")) : null };
  });
}

class GitStore implements GatewayStore {
  readonly layout = "git";
  readonly ownPaths: string[];
  constructor(
    readonly dir: string,
    private readonly repo: LooseRepo,
  ) {
    const rel = repo.gitDir === dir ? "" : ".git/";
    this.ownPaths = [`${rel}objects`, `${rel}refs`];
  }
  has(id: string) {
    return this.repo.has(id);
  }
  read(id: string) {
    return this.repo.read(id);
  }
  write(type: ObjectType, body: Uint8Array) {
    return this.repo.write(type, body);
  }
  ids() {
    return this.repo.ids();
  }
  refs() {
    return this.repo.refs();
  }
  setRef(name: string, id: string | null) {
    this.repo.setRef(name, id);
  }
  flush() {}
}

/** The gateway's object log and refs file, read whole (a gateway's history fits in memory). */
class LogStore implements GatewayStore {
  readonly layout = "log";
  readonly ownPaths = [LOG, REFS];
  private readonly objects = new Map<string, GitObject>();
  private readonly branches: Map<string, string>;
  private pending: Buffer[] = [];

  constructor(readonly dir: string) {
    const p = join(dir, LOG);
    if (existsSync(p)) {
      const log = readFileSync(p);
      for (let off = 0; off + 5 <= log.length; ) {
        const type = TYPES[log[off]];
        const len = log.readUInt32LE(off + 1);
        if (off + 5 + len > log.length) break;
        if (!type) throw new Error(`${p}: unknown object type ${log[off]} at ${off}`);
        const body = new Uint8Array(log.subarray(off + 5, off + 5 + len));
        this.objects.set(objectId(type, body), { type, body });
        off += 5 + len;
      }
    }
    const r = join(dir, REFS);
    const json = existsSync(r) ? (JSON.parse(readFileSync(r, "utf8")) as Record<string, string>) : {};
    this.branches = new Map(Object.entries(json).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }
  has(id: string) {
    return this.objects.has(id);
  }
  read(id: string) {
    const o = this.objects.get(id);
    if (!o) throw new Error(`object ${id} is not in ${join(this.dir, LOG)}`);
    return o;
  }
  write(type: ObjectType, body: Uint8Array) {
    const id = objectId(type, body);
    if (!this.objects.has(id)) {
      const code = CODES[type];
      if (!code) throw new Error(`the gateway's object log cannot hold a ${type}`);
      this.objects.set(id, { type, body });
      const h = Buffer.alloc(5);
      h[0] = code;
      h.writeUInt32LE(body.length, 1);
      this.pending.push(h, Buffer.from(body));
    }
    return id;
  }
  ids() {
    return [...this.objects.keys()].sort();
  }
  refs() {
    return new Map(this.branches);
  }
  setRef(name: string, id: string | null) {
    if (id === null) this.branches.delete(name);
    else this.branches.set(name, id);
    this.flush();
  }
  flush() {
    if (this.pending.length > 0) {
      const fd = openSync(join(this.dir, LOG), "a");
      try {
        writeSync(fd, Buffer.concat(this.pending));
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
      this.pending = [];
    }
    const sorted = Object.fromEntries([...this.branches].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    writeAtomic(join(this.dir, REFS), JSON.stringify(sorted, null, 1));
  }
}

export function isLogLayout(dir: string): boolean {
  return existsSync(join(dir, REFS)) || existsSync(join(dir, LOG));
}

/** Opens the store of a gateway directory in whichever layout it has. */
export function openStore(dir: string): GatewayStore {
  if (isLogLayout(dir)) return new LogStore(dir);
  try {
    return new GitStore(dir, new LooseRepo(dir));
  } catch (e) {
    throw new Error(`${dir} is not a gateway data directory (${(e as Error).message})`);
  }
}

/** Creates an empty store of the given layout in dir (restore). */
export function createStore(dir: string, layout: "git" | "log"): GatewayStore {
  return layout === "log"
    ? new LogStore(dir)
    : new GitStore(dir, new LooseRepo(dir, !existsSync(join(dir, "config")) && !existsSync(join(dir, ".git", "config"))));
}

export interface Gateway {
  dir: string;
  store: GatewayStore;
  devices: DeviceKey[];
}

export function openGateway(dir: string): Gateway {
  return { dir, store: openStore(dir), devices: readDevices(dir) };
}

/** Branch of device `name` in a store: `devices/<name>` (the gateway's), else `<name>`. */
export function deviceBranch(store: GatewayStore, name: string): string | undefined {
  const refs = store.refs();
  return [`devices/${name}`, name].find((b) => refs.has(b));
}
