// A simulated device: its own instance of the device core (release target, the
// device's fixed 128 KiB memory) with its own store, writing readings from
// deterministic signals, syncing through whatever link the host gives it, and
// merging the owner's view (config) into its main when one arrives, in the core
// as firmware does (sync_view_merge, assembly/sync/view.ts).
import { encode } from "cbor-x";
import { rng } from "../flash/sim.ts";
import { CoreSession, DeviceIdentity, IO_BYTES } from "../identity/device.ts";
import { check } from "../runtime/errors.ts";
import { Core, type FlashDevice, MemoryFlash } from "../runtime/index.ts";
import { CoreStore } from "../store/index.ts";
import { hex, OBJ_TREE, type SyncEvent, SyncSession, SyncStore } from "../sync/core.ts";
import { getPath, treeOf } from "../sync/objects.ts";
import { SecureLink } from "../sync/secure.ts";

export interface DeviceOptions {
  name: string;
  write?: string[];
  read?: string[];
  /** Seconds since the epoch for commit times (deterministic in tests). */
  clock?: () => number;
  /** The device core's wall clock in ms (0: unknown); default Date.now. */
  coreClock?: () => number;
  /** The device's flash partition (default: a fresh 512 KiB one); its store and key live there. */
  flash?: FlashDevice;
  /** Seeds the core's random_bytes (so its key and commit ids repeat for a seed); default: node:crypto. */
  seed?: number;
}

const QUARANTINE = 8192;
/** Where the session keeps the owner's latest view (the incoming branch, docs/sync.md). */
const VIEW_REF = "sync/remote";

export class SimDevice {
  readonly name: string;
  readonly write: string[];
  readonly read: string[];
  core: Core;
  store: SyncStore;
  session: SyncSession | null = null;
  /** The authenticated session to the gateway the sync messages travel in. */
  link: SecureLink | null = null;
  private readonly clock: () => number;
  readonly flash: FlashDevice;
  private readonly coreClock: (() => number) | undefined;
  private staged: CoreStore;
  commits = 0;
  /** Merge commits that folded an owner's view into main. */
  merges = 0;
  /** Conflict records those merges wrote (values both sides changed that have no type to merge them). */
  conflicts = 0;
  bytesOut = 0;
  bytesIn = 0;
  readonly log: string[] = [];
  /** The device's identity (key and certificate in the flash secret area). */
  identity: DeviceIdentity;
  /** Commits the gateway has acknowledged (latest). */
  acked: string | null = null;
  private pending = new Map<string, unknown[]>();
  /** A view stored in sync/remote and not merged yet (writes were staged, or power came back). */
  private viewPending: string | null = null;
  private readonly random: ((out: Uint8Array) => void) | undefined;

  constructor(opts: DeviceOptions) {
    this.name = opts.name;
    this.write = opts.write ?? [`sensors/${opts.name}`];
    this.read = opts.read ?? [`config/${opts.name}`];
    this.clock = opts.clock ?? (() => Date.now() / 1000);
    // A device keeps its store on flash: 128 KiB of memory cannot hold history.
    this.flash = opts.flash ?? new MemoryFlash(512 * 1024);
    this.coreClock = opts.coreClock;
    if (opts.seed !== undefined) {
      const next = rng(opts.seed);
      this.random = (out) => {
        for (let i = 0; i < out.length; i++) out[i] = Math.floor(next() * 256);
      };
    }
    this.core = this.newCore();
    this.store = SyncStore.flash(this.core);
    this.staged = new CoreStore(this.core, this.store.handle);
    this.identity = new DeviceIdentity(this.core);
    this.init();
  }

  // One buffer the identity session and the sync session both copy messages
  // through (they take turns), allocated once per core.
  private ioBuf = 0;
  private io(): number {
    if (this.ioBuf === 0) this.ioBuf = this.core.alloc(IO_BYTES);
    return this.ioBuf;
  }

  /** Stores the owner's keys and this device's certificate (identity_enroll). */
  enroll(ownerKey: Uint8Array, networkKey: Uint8Array, cert: Uint8Array): void {
    check(this.identity.enroll(ownerKey, networkKey, cert), "identity_enroll");
  }

  /** The device's Ed25519 public key as hex (what its certificate and the gateway's devices.json name). */
  get publicKey(): string {
    return hex(this.identity.publicKey());
  }

  /** Power comes back after a cut: a fresh core mounts the flash store and recovers it. */
  reboot(): void {
    this.disconnect();
    this.core = this.newCore();
    this.ioBuf = 0;
    this.store = SyncStore.flash(this.core);
    this.staged = new CoreStore(this.core, this.store.handle);
    this.identity = new DeviceIdentity(this.core);
    this.pending.clear();
    this.init();
  }

  private newCore(): Core {
    return new Core("release", { flash: this.flash, random: this.random, clock: this.coreClock });
  }

  /**
   * Every commit this store writes is signed with the device key in the core
   * (provenance_store_sign). First boot: a root commit with an empty tree, so
   * merges always have the device's own first parent. Every boot: a power cut may
   * have landed between storing the owner's view (sync/remote) and merging it
   * into main, and the session will not deliver that view again, so the merge is
   * redone (a no-op when sync/merged already names it, or main already holds it).
   */
  private init(): void {
    // The key is created on first boot and read back from the secret area after.
    this.identity.init();
    if (this.core.call("provenance_store_sign", this.store.handle, 1) < 0) throw new Error(`${this.name}: provenance_store_sign failed`);
    if (!this.store.ref("main")) {
      const empty = this.store.put(OBJ_TREE, new Uint8Array(0));
      const id = this.store.commit(empty, [], this.who, this.clock(), "first boot\n");
      this.store.setRef("main", null, id);
    }
    this.viewPending = this.store.ref(VIEW_REF);
    this.mergeView();
  }

  private get who(): string {
    return `${this.name} <${this.name}@nymote.invalid>`;
  }

  /** Queues a reading for the next commit. */
  record(signal: string, value: unknown): void {
    const list = this.pending.get(signal) ?? [];
    list.push(value);
    this.pending.set(signal, list);
  }

  /**
   * Commits the queued readings through the store (store_set + store_commit, as
   * firmware does): each signal's batch at sensors/<name>/<signal>.
   */
  commit(): string | null {
    if (this.pending.size === 0 && this.staged.staged === 0) return null;
    for (const [signal, values] of this.pending) this.staged.set(`${this.write[0]}/${signal}`, new Uint8Array(encode(values)));
    this.pending.clear();
    const id = hex(this.staged.commit({ author: this.who, time: this.clock(), message: "readings" }));
    this.commits++;
    this.mergeView();
    this.session?.notify();
    this.pump();
    return id;
  }

  /** The device's store, for typed writes as firmware makes them (series, counters); commit() commits them. */
  get data(): CoreStore {
    return this.staged;
  }

  /** The value at path in the device's main (e.g. its config). */
  get(path: string): Uint8Array | null {
    return getPath(this.store, treeOf(this.store, this.store.ref("main")), path);
  }

  /**
   * Starts a session over a fresh transport as the Secret Handshake client of
   * the gateway whose key it knows; sync starts once the gateway's certificate
   * verified. send: bytes for the transport; ended: the session is over (why).
   */
  connect(
    send: (bytes: Uint8Array) => void,
    gatewayKey: Uint8Array,
    opts: { nowMs?: number; ended?: (reason: string) => void } = {},
  ): void {
    this.disconnect();
    // A full collection returns the closed session's objects before a new one
    // is built: the device heap is small, and sessions are rare.
    this.core.call("__collect");
    const session = CoreSession.client(this.core, gatewayKey, { now: opts.nowMs, io: this.io() });
    const link: SecureLink = new SecureLink(session, {
      send: (b) => {
        this.bytesOut += b.length;
        send(b);
      },
      onOpen: () => {
        this.session = new SyncSession(this.store, "device", this.name, [], QUARANTINE, this.io());
        this.pump();
      },
      onMessage: (m) => {
        this.session?.receive(m);
        this.pump();
      },
      onEnd: (reason) => {
        if (this.link === link) {
          this.link = null;
          this.session?.close();
          this.session = null;
        }
        if (reason !== "closed by the device") this.log.push(`link: ${reason}`);
        opts.ended?.(reason);
      },
    });
    this.link = link;
    link.start();
  }

  disconnect(): void {
    const link = this.link;
    this.link = null;
    this.session?.close();
    this.session = null;
    link?.end("closed by the device");
  }

  /** Bytes from the transport. */
  receive(bytes: Uint8Array): void {
    if (!this.link) return;
    this.bytesIn += bytes.length;
    this.link.receive(bytes);
  }

  timer(nowMs: number, rtoMs = 0): void {
    this.link?.timer(nowMs);
    this.mergeView();
    if (!this.session) return;
    this.session.timer(nowMs, rtoMs);
    this.pump();
  }

  private pump(): void {
    const s = this.session;
    if (!s) return;
    for (const e of s.events()) this.onEvent(e);
    for (let m = s.take(); m; m = s.take()) this.link?.write(m);
    // The session ended (REJECT / ERROR sent or received): end the link after it.
    if (s.ended && this.session === s) this.link?.end("sync session ended");
  }

  private onEvent(e: SyncEvent): void {
    if (e.kind === "acked") this.acked = e.id;
    else if (e.kind === "received") {
      this.viewPending = e.id;
      this.mergeView();
    } else if (e.kind === "rejected" || e.kind === "failed") this.log.push(`${e.kind} (${e.code}): ${e.reason}`);
  }

  /**
   * Merges the pending view into main in the core, as firmware's sync pump does
   * (three-way from the view merged last, typed values merge, the commit signed
   * through the store); waits while writes are staged.
   */
  private mergeView(): void {
    const view = this.viewPending;
    if (view === null) return;
    const main = this.store.ref("main");
    const conflicts = this.store.mergeView(view, this.who, this.clock());
    if (conflicts === null) return;
    this.viewPending = null;
    this.conflicts += conflicts;
    if (this.store.ref("main") === main) return;
    this.merges++;
    this.session?.notify();
  }

  get head(): string | null {
    return this.store.ref("main");
  }
}
