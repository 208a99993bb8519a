// The gateway: one core (gateway target) holding every replica in one object
// store: `main` (the owner's), `devices/<name>` (each device's branch as
// received) and `views/<name>` (what each device may read of main). Devices
// connect over any transport; each connection runs one sync session. Accepted
// device commits are merged into main at once; owner changes to main are cut
// into every device's view and pushed to connected devices.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Core } from "../runtime/index.ts";
import { type SyncEvent, SyncSession, SyncStore, unhex } from "../sync/core.ts";
import { readCommit, setPath, treeOf } from "../sync/objects.ts";
import { DataDir } from "./persist.ts";

export interface DeviceRecord {
  name: string;
  /** The device's Ed25519 public key, 64 hex digits (its certificate's subject): every commit it sends must be signed by it. */
  publicKey?: string;
  /** Path prefixes the device may write (from its certificate). */
  write: string[];
  /** Path prefixes the device may read. */
  read: string[];
}

export interface GatewayOptions {
  /** Data directory; without one the gateway keeps nothing across restarts. */
  dataDir?: string;
  devices?: DeviceRecord[];
  /** Wall clock in seconds for commits the gateway writes. */
  clock?: () => number;
  log?: (line: string) => void;
}

export interface GatewayStats {
  commitsAccepted: number;
  merges: number;
  conflicts: number;
  denied: number;
  bytesIn: number;
  bytesOut: number;
}

const GATEWAY_WHO = "nymote-gateway <gateway@nymote.invalid>";

/** One device's connection: feed it received messages; it calls send/close. */
export class GatewayConnection {
  readonly session: SyncSession;
  private ended = false;

  constructor(
    private readonly gw: Gateway,
    readonly device: DeviceRecord,
    private readonly sendFn: (m: Uint8Array) => void,
    private readonly closeFn: () => void,
  ) {
    this.session = new SyncSession(gw.store, "gateway", device.name, device.write, 1 << 20);
    // Without a key every commit is refused (the session says why).
    if (device.publicKey) this.session.setSigner(unhex(device.publicKey));
    this.flush();
  }

  receive(m: Uint8Array): void {
    if (this.ended) return;
    this.gw.stats.bytesIn += m.length;
    this.session.receive(m);
    this.pump();
  }

  timer(nowMs: number, rtoMs = 0): void {
    if (this.ended) return;
    this.session.timer(nowMs, rtoMs);
    this.pump();
  }

  /** Handles events (durably, before any ACK leaves), then sends what the session has. */
  pump(): void {
    for (const e of this.session.events()) this.gw.onEvent(this.device, e);
    this.flush();
    if (this.session.ended) this.close();
  }

  private flush(): void {
    for (let m = this.session.take(); m; m = this.session.take()) {
      this.gw.stats.bytesOut += m.length;
      this.sendFn(m);
    }
  }

  close(): void {
    if (this.ended) return;
    this.ended = true;
    this.gw.detach(this);
    this.session.close();
    this.closeFn();
  }

  get closed(): boolean {
    return this.ended;
  }
}

export class Gateway {
  readonly core: Core;
  readonly store: SyncStore;
  readonly devices = new Map<string, DeviceRecord>();
  readonly stats: GatewayStats = { commitsAccepted: 0, merges: 0, conflicts: 0, denied: 0, bytesIn: 0, bytesOut: 0 };
  private readonly conns = new Map<string, GatewayConnection>();
  private readonly data: DataDir | null;
  private readonly clock: () => number;
  readonly log: (line: string) => void;
  readonly deniedReasons: string[] = [];

  constructor(opts: GatewayOptions = {}) {
    this.core = new Core("gateway");
    this.store = SyncStore.memory(this.core, 48 << 20, 8192);
    this.clock = opts.clock ?? (() => Date.now() / 1000);
    this.log = opts.log ?? (() => {});
    this.data = opts.dataDir ? new DataDir(opts.dataDir) : null;
    if (this.data) {
      this.data.load(this.store);
      const p = join(this.data.dir, "devices.json");
      if (existsSync(p)) for (const d of JSON.parse(readFileSync(p, "utf8")) as DeviceRecord[]) this.devices.set(d.name, d);
    }
    for (const d of opts.devices ?? []) this.enroll(d);
  }

  get dataDir(): string | null {
    return this.data?.dir ?? null;
  }

  enroll(d: DeviceRecord): void {
    this.devices.set(d.name, d);
    if (this.data) writeFileSync(join(this.data.dir, "devices.json"), JSON.stringify([...this.devices.values()], null, 1));
    this.updateView(d);
    this.save();
  }

  /** A device connects (after authentication). Replaces an older connection of the same device. */
  connect(name: string, send: (m: Uint8Array) => void, close: () => void): GatewayConnection {
    const d = this.devices.get(name);
    if (!d) throw new Error(`unknown device ${name}`);
    this.conns.get(name)?.close();
    this.updateView(d);
    const c = new GatewayConnection(this, d, send, close);
    this.conns.set(name, c);
    return c;
  }

  detach(c: GatewayConnection): void {
    if (this.conns.get(c.device.name) === c) this.conns.delete(c.device.name);
  }

  connection(name: string): GatewayConnection | undefined {
    return this.conns.get(name);
  }

  onEvent(d: DeviceRecord, e: SyncEvent): void {
    if (e.kind === "received") {
      this.stats.commitsAccepted++;
      this.mergeDevice(d, e.id);
    } else if (e.kind === "denied") {
      this.stats.denied++;
      this.deniedReasons.push(`${d.name}: ${e.reason}`);
      this.log(`denied ${d.name}: ${e.reason}`);
    } else if (e.kind === "failed") this.log(`session ${d.name} failed (${e.code}): ${e.reason}`);
  }

  /**
   * Merges a device commit into main, durably: the store's three-way merge
   * inside the device's write prefixes, main's values outside them (docs/sync.md
   * "Merging into main"). The base is the commit's first parent: every accepted
   * commit is merged at once, so that parent is the device's last head merged
   * into main, their lowest common ancestor.
   */
  private mergeDevice(d: DeviceRecord, head: string): void {
    const main = this.store.ref("main");
    const base = readCommit(this.store, head).parents[0] ?? null;
    const m = this.store.merge(treeOf(this.store, base), treeOf(this.store, main), treeOf(this.store, head), d.write);
    const commit = this.store.commit(m.tree, main ? [main, head] : [head], GATEWAY_WHO, this.clock(), `merge ${d.name}\n`);
    this.store.setRef("main", main, commit);
    this.stats.merges++;
    this.stats.conflicts += m.conflicts;
    if (m.conflicts > 0) this.log(`merge ${d.name}: ${m.conflicts} conflict(s) recorded in main`);
    this.save();
  }

  /** The owner writes a value on main (e.g. config/kitchen/interval); devices that may read it get it. */
  set(path: string, value: Uint8Array, who = "owner <owner@nymote.invalid>"): string {
    const main = this.store.ref("main");
    const tree = setPath(this.store, treeOf(this.store, main), path, value);
    const commit = this.store.commit(tree, main ? [main] : [], who, this.clock(), `set ${path}\n`);
    this.store.setRef("main", main, commit);
    for (const d of this.devices.values()) this.updateView(d);
    this.save();
    for (const c of this.conns.values()) {
      c.session.notify();
      c.pump();
    }
    return commit;
  }

  /** Recuts views/<name> from main; true when it moved. */
  private updateView(d: DeviceRecord): boolean {
    const main = this.store.ref("main");
    const ref = `views/${d.name}`;
    const view = this.store.ref(ref);
    const tree = this.store.graft(null, treeOf(this.store, main), d.read);
    if (view && treeOf(this.store, view) === tree) return false;
    const commit = this.store.commit(tree, view ? [view] : [], GATEWAY_WHO, this.clock(), `view for ${d.name}\n`);
    this.store.setRef(ref, view, commit);
    return true;
  }

  private save(): void {
    if (!this.data) return;
    const refs: Record<string, string> = {};
    for (const name of this.store.refs()) {
      const id = this.store.ref(name);
      if (id) refs[name] = id;
    }
    this.data.save(this.store, refs);
  }

  close(): void {
    for (const c of [...this.conns.values()]) c.close();
    this.data?.close();
  }
}
