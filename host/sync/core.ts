// Typed host access to the sync exports (bindings/abi/sync.json): a store
// (objects, refs, graft, commit) and sessions. Each wrapper preallocates its
// scratch buffers in the core once; every call copies through them.
import type { Core } from "../runtime/index.ts";

export const OBJ_BLOB = 1;
export const OBJ_TREE = 2;
export const OBJ_COMMIT = 3;
export const ID_LEN = 32;
export const MSG_MAX = 4096;

export type Role = "device" | "gateway";

export enum SessionState {
  Hello = 0,
  Open = 1,
  FailedPeer = 2,
  FailedLocal = 3,
  Closed = 4,
}

export type SyncEvent =
  | { kind: "acked"; id: string }
  | { kind: "received"; id: string }
  | { kind: "synced"; head: string; peerHead: string }
  | { kind: "rejected" | "denied" | "failed"; code: number; id: string; reason: string };

const enc = new TextEncoder();
const dec = new TextDecoder();

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
const ZERO = "0".repeat(64);
/** bindings/abi/core.json: the call does not fit the current state (sync_view_merge: writes staged). */
const E_STATE = -14;

/** A device's store scratch: its 128 KiB also hold a session and sync (larger objects are read in pieces). */
const DEVICE_SCRATCH = 1024;

/** Path prefixes as the core takes them: each '\n'-terminated, so "" (everything) survives. */
function prefixList(prefixes: string[]): Uint8Array {
  return enc.encode(prefixes.map((p) => `${p}\n`).join(""));
}

/** Throws for a negative ABI code; returns the value otherwise. */
function ok(rc: number, what: string): number {
  if (rc < 0) throw new SyncError(rc, what);
  return rc;
}

export class SyncError extends Error {
  constructor(
    readonly code: number,
    what: string,
  ) {
    super(`${what} failed (${code})`);
  }
}

/**
 * Objects, refs, grafts, merges and commits of one store handle inside a core
 * (the store part's store_object_* / store_ref_* exports plus sync_graft,
 * sync_merge, sync_view_merge and sync_commit), with hex ids.
 */
export class SyncStore {
  private readonly ids: number;
  private readonly buf: number;

  /** bufLen: the scratch buffer objects are copied through (a device keeps it small). */
  constructor(
    readonly core: Core,
    readonly handle: number,
    private readonly bufLen = 8192,
  ) {
    this.ids = core.alloc(ID_LEN * 4);
    this.buf = core.alloc(this.bufLen);
  }

  /** A gateway store in memory with room for maxRefs refs (sync_mem_open). */
  static memory(core: Core, budget: number, maxRefs: number): SyncStore {
    return new SyncStore(core, ok(core.call("sync_mem_open", budget, maxRefs), "sync_mem_open"));
  }

  /** The store part's in-memory store (store_open_memory). */
  static storeMemory(core: Core): SyncStore {
    return new SyncStore(core, ok(core.call("store_open_memory"), "store_open_memory"), DEVICE_SCRATCH);
  }

  /** The device's flash partition (flash_store_open: mounts and recovers). */
  static flash(core: Core): SyncStore {
    return new SyncStore(core, ok(core.call("flash_store_open"), "flash_store_open"), DEVICE_SCRATCH);
  }

  private scratch(data: Uint8Array): number {
    if (data.length > this.bufLen) throw new RangeError(`${data.length} bytes exceed the ${this.bufLen}-byte scratch buffer`);
    this.core.write(this.buf, data);
    return this.buf;
  }

  private idAt(i: number, id: string | null): number {
    if (id === null) return 0;
    this.core.write(this.ids + i * ID_LEN, unhex(id));
    return this.ids + i * ID_LEN;
  }

  put(type: number, body: Uint8Array): string {
    const put = (p: number) => ok(this.core.call("store_object_put", this.handle, type, p, body.length, this.ids), "put");
    // A body past the scratch buffer (an owner's large value on the gateway) goes through a block of its own.
    if (body.length > this.bufLen) this.core.with([body], ([p]) => put(p as number));
    else put(this.scratch(body));
    return hex(this.core.read(this.ids, ID_LEN));
  }

  has(id: string): boolean {
    return this.core.call("store_object_type", this.handle, this.idAt(0, id)) > 0;
  }

  get(id: string): { type: number; body: Uint8Array } | null {
    const p = this.idAt(0, id);
    const type = this.core.call("store_object_type", this.handle, p);
    if (type < 0) return null;
    const size = ok(this.core.call("store_object_read", this.handle, p, 0, this.buf, this.bufLen), "read");
    if (size <= this.bufLen) return { type, body: this.core.read(this.buf, size) };
    const out = new Uint8Array(size);
    for (let off = 0; off < size; off += this.bufLen) {
      ok(this.core.call("store_object_read", this.handle, p, off, this.buf, this.bufLen), "read");
      out.set(this.core.read(this.buf, Math.min(this.bufLen, size - off)), off);
    }
    return { type, body: out };
  }

  ref(name: string): string | null {
    const n = enc.encode(name);
    const rc = this.core.call("store_ref_get", this.handle, this.scratch(n), n.length, this.ids);
    return rc < 0 ? null : hex(this.core.read(this.ids, ID_LEN));
  }

  /** Compare-and-set; false when the ref moved meanwhile. */
  setRef(name: string, expected: string | null, id: string | null): boolean {
    const n = enc.encode(name);
    const rc = this.core.call("store_ref_set", this.handle, this.scratch(n), n.length, this.idAt(1, expected), this.idAt(2, id));
    if (rc === -9) return false;
    ok(rc, `set ref ${name}`);
    return true;
  }

  refs(): string[] {
    const out: string[] = [];
    for (let i = 0; ; i++) {
      const n = this.core.call("store_ref_at", this.handle, i, this.buf);
      if (n < 0) return out;
      out.push(dec.decode(this.core.read(this.buf, n)));
    }
  }

  /** The tree equal to base outside the prefixes and to src inside them (null: empty). */
  graft(base: string | null, src: string | null, prefixes: string[]): string {
    const p = prefixList(prefixes);
    this.core.write(this.buf, p);
    ok(
      this.core.call("sync_graft", this.handle, this.idAt(0, base), this.idAt(1, src), this.buf, p.length, this.ids + 3 * ID_LEN),
      "graft",
    );
    return hex(this.core.read(this.ids + 3 * ID_LEN, ID_LEN));
  }

  /**
   * The gateway's merge of a device commit into main (sync_merge): main's tree
   * outside the write prefixes, the three-way merge of base, main and the
   * device's tree inside them (null: empty). The tree and the conflicts recorded.
   */
  merge(base: string | null, main: string | null, device: string | null, prefixes: string[]): { tree: string; conflicts: number } {
    const p = enc.encode(prefixes.join("\n"));
    this.core.write(this.buf, p);
    const conflicts = ok(
      this.core.call(
        "sync_merge",
        this.handle,
        this.idAt(0, base),
        this.idAt(1, main),
        this.idAt(2, device),
        this.buf,
        p.length,
        this.ids + 3 * ID_LEN,
      ),
      "merge",
    );
    return { tree: hex(this.core.read(this.ids + 3 * ID_LEN, ID_LEN)), conflicts };
  }

  /**
   * A device merges a received view into its main in the core (sync_view_merge,
   * assembly/sync/view.ts: three-way from the view merged last, typed values
   * merge, a commit written through the store and so signed by a device store).
   * The conflicts recorded, or null while writes are staged (merge later).
   */
  mergeView(view: string, who: string, timeSec: number): number | null {
    const w = enc.encode(who);
    const rc = this.core.call("sync_view_merge", this.handle, this.idAt(0, view), this.scratch(w), w.length, BigInt(Math.floor(timeSec)));
    return rc === E_STATE ? null : ok(rc, "merge view");
  }

  commit(tree: string, parents: string[], who: string, timeSec: number, message: string): string {
    if (parents.length > 2) throw new RangeError("at most 2 parents");
    this.idAt(0, tree);
    for (const [i, p] of parents.entries()) this.idAt(1 + i, p);
    const w = enc.encode(who);
    const m = enc.encode(message);
    this.core.write(this.buf, w);
    this.core.write(this.buf + w.length, m);
    ok(
      this.core.call(
        "sync_commit",
        this.handle,
        this.ids,
        this.ids + ID_LEN,
        parents.length,
        this.buf,
        w.length,
        BigInt(Math.floor(timeSec)),
        this.buf + w.length,
        m.length,
        this.ids + 3 * ID_LEN,
      ),
      "commit",
    );
    return hex(this.core.read(this.ids + 3 * ID_LEN, ID_LEN));
  }
}

/** One sync session (docs/sync.md), driven by the host: receive, take, events, timer. */
export class SyncSession {
  readonly handle: number;
  private readonly msg: number;
  private readonly ownMsg: boolean;
  private readonly ev: number;
  private closed = false;

  /** msgBuf: a MSG_MAX-byte core buffer to copy messages through, shared with the caller (default: its own). */
  constructor(
    readonly store: SyncStore,
    readonly role: Role,
    name: string,
    writePrefixes: string[] = [],
    quarantineCap = 8192,
    msgBuf = 0,
  ) {
    const core = store.core;
    const n = enc.encode(name);
    const w = prefixList(writePrefixes);
    this.ownMsg = msgBuf === 0;
    this.msg = msgBuf || core.alloc(MSG_MAX);
    this.ev = core.alloc(256);
    core.write(this.msg, n);
    core.write(this.msg + n.length, w);
    this.handle = ok(
      core.call("sync_open", store.handle, role === "device" ? 0 : 1, this.msg, n.length, this.msg + n.length, w.length, quarantineCap),
      "sync_open",
    );
  }

  /** Gateway: the device's Ed25519 public key; commits not signed by it are refused (sync_signer). */
  setSigner(publicKey: Uint8Array): void {
    if (publicKey.length !== 32) throw new RangeError("an Ed25519 public key is 32 bytes");
    this.store.core.write(this.msg, publicKey);
    ok(this.store.core.call("sync_signer", this.handle, this.msg), "sync_signer");
  }

  /** Feeds one whole message; returns the core's code (negative once the session ended). */
  receive(m: Uint8Array): number {
    if (m.length === 0 || m.length > MSG_MAX) return -1;
    this.store.core.write(this.msg, m);
    return this.store.core.call("sync_receive", this.handle, this.msg, m.length);
  }

  /** The next message to send, or null. */
  take(): Uint8Array | null {
    const n = ok(this.store.core.call("sync_take", this.handle, this.msg, MSG_MAX), "take");
    return n === 0 ? null : this.store.core.read(this.msg, n);
  }

  events(): SyncEvent[] {
    const out: SyncEvent[] = [];
    const core = this.store.core;
    for (;;) {
      const r = core.call("sync_poll_event", this.handle, this.ev, 256);
      if (r <= 0) return out;
      const code = r & 0xff;
      const b = core.read(this.ev, r >>> 8);
      if (code === 1) out.push({ kind: "acked", id: hex(b.subarray(0, 32)) });
      else if (code === 2) out.push({ kind: "received", id: hex(b.subarray(0, 32)) });
      else if (code === 3) out.push({ kind: "synced", head: hex(b.subarray(0, 32)), peerHead: hex(b.subarray(32, 64)) });
      else {
        const kind = code === 4 ? "rejected" : code === 5 ? "denied" : "failed";
        const v = new DataView(b.buffer, b.byteOffset);
        out.push({ kind, code: v.getInt32(0, true), id: hex(b.subarray(4, 36)), reason: dec.decode(b.subarray(36)) });
      }
    }
  }

  timer(nowMs: number, rtoMs = 0): void {
    this.store.core.call("sync_on_timer", this.handle, BigInt(Math.floor(nowMs)), rtoMs);
  }

  notify(): void {
    if (!this.closed) this.store.core.call("sync_notify", this.handle);
  }

  get state(): SessionState {
    return this.store.core.call("sync_state", this.handle) as SessionState;
  }

  get ended(): boolean {
    const s = this.state;
    return s === SessionState.FailedPeer || s === SessionState.FailedLocal || s === SessionState.Closed;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    const core = this.store.core;
    if (core.isDead) return;
    core.call("sync_close", this.handle);
    if (this.ownMsg) core.free(this.msg);
    core.free(this.ev);
  }
}

export const zeroId = ZERO;
