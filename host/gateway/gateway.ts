// The gateway: one core (gateway target) holding every replica in one object
// store: `main` (the owner's), `devices/<name>` (each device's branch as
// received) and `views/<name>` (what each device may read of main). Devices
// connect over any transport; each connection is a Secret Handshake +
// box-stream session (the gateway is the server, with its own key and
// certificate from the owner) whose verified device certificate decides the
// device's name and prefixes, then one sync session inside it. Accepted device
// commits are merged into main at once; owner changes to main are cut into
// every device's view and pushed to connected devices.
import { existsSync, mkdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { decodeVerifiedCertificate } from "../identity/cert.ts";
import { CoreSession, DeviceIdentity } from "../identity/device.ts";
import { check, NymoteError } from "../runtime/errors.ts";
import { Core, MemoryFlash } from "../runtime/index.ts";
import { CoreStore } from "../store/index.ts";
import { hex, type SyncEvent, SyncSession, SyncStore, unhex } from "../sync/core.ts";
import { getPath, readCommit, setPath, treeOf } from "../sync/objects.ts";
import type { Owner } from "../sync/owner.ts";
import { SecureLink } from "../sync/secure.ts";
import { FileFlash } from "./keyflash.ts";
import { DataDir, replaceFile } from "./persist.ts";

/** A device as its certificate describes it (devices.json keeps one per name). */
export interface DeviceRecord {
  name: string;
  /** The device's Ed25519 public key, 64 hex digits (its certificate's subject): every commit it sends must be signed by it. */
  publicKey: string;
  /** The certificate in force (COSE_Sign1, base64). */
  cert: string;
  serial: number;
  /** Path prefixes the device may write (from its certificate). */
  write: string[];
  /** Path prefixes the device may read. */
  read: string[];
}

/** What a transport holds for one incoming connection. */
export interface GatewayLink {
  /** Bytes from the device. */
  receive(bytes: Uint8Array): void;
  /** Drives the handshake deadline and the sync resend timer (ms on the clock given to accept). */
  timer(nowMs: number, rtoMs?: number): void;
  /** The transport went away. */
  close(): void;
}

/** Where the owner's revocation list lives on main (docs/identity.md). */
export const REVOKED_PATH = "_nymote/revoked";

export interface GatewayOptions {
  /** Data directory; without one the gateway keeps nothing across restarts. */
  dataDir?: string;
  /** Enrolls the gateway itself with this owner if it is not enrolled yet. */
  owner?: Owner;
  /** Wall clock in seconds for commits the gateway writes. */
  clock?: () => number;
  log?: (line: string) => void;
  /** Bytes of objects the in-memory store holds (default STORE_BUDGET; tests fill a small one). */
  storeBudget?: number;
  /** Reads the data directory only (`nymote log|get|devices` beside a running daemon): never writes it. */
  readOnly?: boolean;
}

export interface GatewayStats {
  commitsAccepted: number;
  merges: number;
  conflicts: number;
  denied: number;
  bytesIn: number;
  bytesOut: number;
  /** Connections ended by a failure on the gateway's side (logged). */
  failures: number;
}

/**
 * Largest object body a device stores (assembly/store/limits.ts
 * DEVICE_OBJECT_MAX: one record in one 4 KiB flash sector). A value larger than
 * this under a device's read prefixes would fail every sync with that device.
 */
export const DEVICE_OBJECT_MAX = 3904;

/**
 * Bytes of objects the interim in-memory store holds (docs/sync.md "Status"):
 * below AssemblyScript's 1 GiB largest block, since its arena grows by one
 * block; the gateway build's memory may grow to 4 GiB for the regrowth.
 */
const STORE_BUDGET = 1000 << 20;
/** `merged/<name>`: the device head merged into main last (the next merge's base). */
const MERGED = "merged/";
/** How far back commitsSince counts (for the statistics only). */
const COUNT_REACH = 4096;
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
    this.session.receive(m);
    this.pump();
  }

  timer(nowMs: number, rtoMs = 0): void {
    if (this.ended) return;
    this.session.timer(nowMs, rtoMs);
    this.pump();
  }

  /**
   * Handles events, then makes them durable in one save, then sends what the
   * session has (its ACKs). One save after all of them: the session moves
   * devices/<name> to the last commit it accepted before the first event is
   * handled, so a save between two merges would make that ref durable ahead of
   * main, and a restart would never merge the commits in between.
   */
  pump(): void {
    const events = this.session.events();
    for (const e of events) this.gw.onEvent(this.device, e);
    if (events.some((e) => e.kind === "received")) this.gw.save();
    this.flush();
    if (this.session.ended) this.close();
  }

  private flush(): void {
    for (let m = this.session.take(); m; m = this.session.take()) this.sendFn(m);
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
  /** The gateway's own key and certificate (in the core, like a device's). */
  readonly identity: DeviceIdentity;
  readonly devices = new Map<string, DeviceRecord>();
  readonly stats: GatewayStats = { commitsAccepted: 0, merges: 0, conflicts: 0, denied: 0, bytesIn: 0, bytesOut: 0, failures: 0 };
  private readonly conns = new Map<string, GatewayConnection>();
  private readonly data: DataDir | null;
  private readonly readOnly: boolean;
  /** The store part's view of the same handle: path validation and lookups (store_resolve). */
  private readonly paths: CoreStore;
  private readonly clock: () => number;
  readonly log: (line: string) => void;
  readonly deniedReasons: string[] = [];
  /** Why sessions were refused or ended before sync (handshake, certificate). */
  readonly refusals: string[] = [];

  constructor(opts: GatewayOptions = {}) {
    if (opts.dataDir) mkdirSync(opts.dataDir, { recursive: true });
    const flash = opts.dataDir ? new FileFlash(join(opts.dataDir, "identity.flash")) : new MemoryFlash(6 * 4096);
    this.core = new Core("gateway", { flash });
    this.store = SyncStore.memory(this.core, opts.storeBudget ?? STORE_BUDGET, 8192);
    this.paths = new CoreStore(this.core, this.store.handle);
    this.identity = new DeviceIdentity(this.core);
    check(this.identity.init(), "identity_init");
    this.clock = opts.clock ?? (() => Date.now() / 1000);
    this.log = opts.log ?? (() => {});
    this.readOnly = opts.readOnly === true;
    this.data = opts.dataDir ? new DataDir(opts.dataDir, this.readOnly) : null;
    if (this.data) {
      this.data.load(this.store);
      const p = join(this.data.dir, "devices.json");
      if (existsSync(p)) for (const d of JSON.parse(readFileSync(p, "utf8")) as DeviceRecord[]) this.devices.set(d.name, d);
      if (!this.readOnly) this.catchUp();
    }
    if (opts.owner && !this.enrolled) {
      const o = opts.owner;
      const cert = o.issue(this.identity.publicKey(), { name: "gateway", write: [""], read: [""] });
      check(this.identity.enroll(o.publicKey, o.networkKey, cert), "identity_enroll");
    }
    this.loadRevocations();
  }

  get dataDir(): string | null {
    return this.data?.dir ?? null;
  }

  /** The gateway's Ed25519 public key: what devices pin as the server key. */
  get publicKey(): Uint8Array {
    return this.identity.publicKey();
  }

  /** Whether the gateway holds an owner's certificate (it can accept devices). */
  get enrolled(): boolean {
    return this.identity.ownerKey() !== null;
  }

  /**
   * Enrollment: records the device a certificate from the owner describes
   * (name, key, prefixes) in devices.json. The core verifies it first.
   */
  enroll(cert: Uint8Array): DeviceRecord {
    const rc = this.identity.verifyCertificate(cert);
    if (rc < 0) throw new Error(`certificate refused (${rc})`);
    const c = decodeVerifiedCertificate(cert);
    const d: DeviceRecord = {
      name: c.name,
      publicKey: hex(c.device),
      cert: Buffer.from(cert).toString("base64"),
      serial: c.serial,
      write: c.write,
      read: c.read,
    };
    this.record(d);
    this.save();
    return d;
  }

  private record(d: DeviceRecord): void {
    this.devices.set(d.name, d);
    if (this.data) replaceFile(join(this.data.dir, "devices.json"), JSON.stringify([...this.devices.values()], null, 1));
    this.updateView(d);
  }

  /**
   * A device's connection arrives (any transport): runs the Secret Handshake
   * as the server, then sync for the device its certificate names. `name`: the
   * name the transport claims (MQTT topic), which must match the certificate.
   */
  accept(send: (bytes: Uint8Array) => void, close: () => void, opts: { nowMs?: number; name?: string } = {}): GatewayLink {
    let conn: GatewayConnection | null = null;
    let closed = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      conn?.close();
      close();
    };
    const session = CoreSession.server(this.core, { now: opts.nowMs });
    const link: SecureLink = new SecureLink(session, {
      send: (b) => {
        this.stats.bytesOut += b.length;
        send(b);
      },
      onOpen: () => {
        const cert = session.remoteCert();
        const why = cert ? this.admit(cert, opts.name) : "no certificate";
        if (typeof why === "string") return link.end(why);
        conn = this.connect(
          why.name,
          (m) => link.write(m),
          () => link.end("sync session ended"),
        );
      },
      onMessage: (m) => conn?.receive(m),
      onEnd: (reason) => {
        if (!conn) {
          this.refusals.push(reason);
          this.log(`session refused: ${reason}`);
        } else if (reason !== "sync session ended" && reason !== "the peer said goodbye")
          this.log(`session ${conn.device.name} ended: ${reason}`);
        finish();
      },
    }).start();
    // A failure while serving one device (its merge hits a full store, a bug)
    // ends that connection with the reason logged; the gateway serves on.
    const guarded = (f: () => void) => {
      if (closed) return;
      try {
        f();
      } catch (e) {
        this.log(`session ${conn?.device.name ?? "(handshake)"} ended by a gateway failure: ${e instanceof Error ? e.message : String(e)}`);
        this.stats.failures++;
        finish();
      }
    };
    return {
      receive: (b) =>
        guarded(() => {
          this.stats.bytesIn += b.length;
          link.receive(b);
        }),
      timer: (now, rto) =>
        guarded(() => {
          link.timer(now);
          conn?.timer(now, rto);
        }),
      close: () => {
        link.end("transport closed");
        finish();
      },
    };
  }

  /** The device a verified certificate names, recorded; or why it is refused. */
  private admit(cert: Uint8Array, claimed?: string): DeviceRecord | string {
    const c = decodeVerifiedCertificate(cert);
    const key = hex(c.device);
    if (claimed !== undefined && claimed !== c.name) return `transport names ${claimed} but the certificate names ${c.name}`;
    const known = this.devices.get(c.name);
    if (known && known.publicKey !== key)
      return `certificate for ${c.name} names key ${key.slice(0, 16)}…, enrolled with ${known.publicKey.slice(0, 16)}…`;
    if (!known || known.serial !== c.serial) {
      this.record({
        name: c.name,
        publicKey: key,
        cert: Buffer.from(cert).toString("base64"),
        serial: c.serial,
        write: c.write,
        read: c.read,
      });
      this.save();
    }
    return this.devices.get(c.name) as DeviceRecord;
  }

  /** Installs the owner's revocation list (checked by the core) and keeps it on main. */
  revoke(list: Uint8Array): void {
    check(this.identity.setRevocations(list), "identity_revocations_set");
    this.set(REVOKED_PATH, list);
  }

  private loadRevocations(): void {
    if (!this.enrolled) return;
    const list = getPath(this.store, treeOf(this.store, this.store.ref("main")), REVOKED_PATH);
    if (list) check(this.identity.setRevocations(list), "identity_revocations_set");
  }

  /** Sync for an authenticated device. Replaces an older connection of the same device. */
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
    if (e.kind === "received") this.mergeDevice(d, e.id);
    else if (e.kind === "denied") {
      this.stats.denied++;
      this.deniedReasons.push(`${d.name}: ${e.reason}`);
      this.log(`denied ${d.name}: ${e.reason}`);
    } else if (e.kind === "failed") this.log(`session ${d.name} failed (${e.code}): ${e.reason}`);
  }

  /**
   * Merges a device's new head into main (in memory; the connection saves): the store's three-way merge
   * inside the device's write prefixes, main's values outside them (docs/sync.md
   * "Merging into main"). The base is the device head merged last
   * (`merged/<name>`), the lowest common ancestor of main and the new head; the
   * session reports only the latest head when it accepted several commits
   * together, and every commit since that base is merged at once.
   */
  private mergeDevice(d: DeviceRecord, head: string): void {
    const mergedRef = `${MERGED}${d.name}`;
    const last = this.store.ref(mergedRef);
    if (last === head) return;
    const main = this.store.ref("main");
    const m = this.store.merge(treeOf(this.store, last), treeOf(this.store, main), treeOf(this.store, head), d.write);
    const commit = this.store.commit(m.tree, main ? [main, head] : [head], GATEWAY_WHO, this.clock(), `merge ${d.name}\n`);
    this.store.setRef("main", main, commit);
    this.store.setRef(mergedRef, last, head);
    this.stats.commitsAccepted += this.commitsSince(head, last);
    this.stats.merges++;
    this.stats.conflicts += m.conflicts;
    if (m.conflicts > 0) this.log(`merge ${d.name}: ${m.conflicts} conflict(s) recorded in main`);
  }

  /** Merges every device branch that is ahead of its bookmark (docs/sync.md "Merging into main"). */
  private catchUp(): void {
    let moved = false;
    for (const d of this.devices.values()) {
      const head = this.store.ref(`devices/${d.name}`);
      if (head === null || head === this.store.ref(`${MERGED}${d.name}`)) continue;
      this.mergeDevice(d, head);
      moved = true;
    }
    if (moved) this.save();
  }

  /** Commits on head's first-parent chain down to since (not counted), at most COUNT_REACH. */
  private commitsSince(head: string, since: string | null): number {
    let n = 0;
    for (let id: string | undefined = head; id !== undefined && id !== since && n < COUNT_REACH; n++) {
      id = readCommit(this.store, id).parents[0];
    }
    return n;
  }

  /**
   * The owner writes a value on main (e.g. config/kitchen/interval); devices
   * that may read it get it. Refused, with nothing written: a path the store
   * does not accept (docs/store.md), a path that holds a tree (the value would
   * replace everything under it), and a value larger than DEVICE_OBJECT_MAX
   * that some enrolled device may read.
   */
  set(path: string, value: Uint8Array, who = "owner <owner@nymote.invalid>"): string {
    if (this.readOnly) throw new Error("this gateway was opened read-only");
    const main = this.store.ref("main");
    this.checkPath(path, main);
    const tree = setPath(this.store, treeOf(this.store, main), path, value);
    if (value.length > DEVICE_OBJECT_MAX) {
      // The device's view of the new tree (the core's prefix rule, as the certificate's) holds the value.
      const readers = [...this.devices.values()].filter((d) => getPath(this.store, this.store.graft(null, tree, d.read), path) !== null);
      if (readers.length > 0)
        throw new Error(
          `${path}: a value of ${value.length} bytes is larger than a device can store (${DEVICE_OBJECT_MAX} bytes) and ${readers.map((d) => `${d.name} (reads ${d.read.map((r) => r || "everything").join(", ")})`).join(", ")} may read it; nothing written`,
        );
    }
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

  /** Throws unless path is a store path (store_resolve validates it) that holds no tree in main. */
  private checkPath(path: string, main: string | null): void {
    const invalid = (why: string) =>
      new Error(
        `${JSON.stringify(path)} is not a store path (${why}): '/'-separated segments, none empty, ".", ".." or ".git", at most 64 bytes each, 8 deep and 255 bytes in all`,
      );
    // store_resolve takes "" as the root.
    if (path === "") throw invalid("empty");
    let at: { kind: "value" | "tree" } | undefined;
    try {
      at = this.paths.resolve(path, main ? unhex(main) : undefined);
    } catch (e) {
      throw e instanceof NymoteError ? invalid(e.codeName) : e;
    }
    if (at?.kind === "tree")
      throw new Error(`${path} holds a tree in main: a value there would replace everything under it; nothing written`);
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

  /** Makes the store's refs, and every object they reach, durable in the data directory. */
  save(): void {
    if (!this.data || this.readOnly) return;
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
