// The store from TypeScript: the same Wasm core the device runs, driven through
// host/runtime's Core. One CoreStore wraps one store handle. Values are bytes
// (deterministic CBOR by convention); paths are strings ("sensors/kitchen/temp").

import { type GitObject, type GitObjectType, GitRepo, parseCommit, parseTree, toHex } from "../git/index.ts";
import { type Core, check } from "../runtime/index.ts";

const ID_LEN = 32;
const SCRATCH = 4096;
const TYPE_NAMES: Record<number, GitObjectType> = { 1: "blob", 2: "tree", 3: "commit" };
const TYPE_CODES: Record<string, number> = { blob: 1, tree: 2, commit: 3 };

export const KIND_VALUE = 1;
export const KIND_TREE = 2;

export type DiffChange = "added" | "removed" | "changed";

export interface DiffEntry {
  path: string;
  change: DiffChange;
  /** The value's blob id before / after (undefined for the side without it). */
  from?: Uint8Array;
  to?: Uint8Array;
}

export interface ListEntry {
  name: string;
  kind: "value" | "tree";
  id: Uint8Array;
}

export interface CommitOptions {
  /** "Name <email>" */
  author: string;
  /** Seconds since the epoch; default now. */
  time?: number;
  message?: string;
  /** Raw header lines carried into the commit unchanged (e.g. "gpgsig ..."), each ending in "\n". */
  extraHeaders?: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();
const CHANGES: Record<number, DiffChange> = { 1: "added", 2: "removed", 3: "changed" };

function isZero(id: Uint8Array): boolean {
  return id.every((b) => b === 0);
}

export class CoreStore {
  readonly core: Core;
  readonly handle: number;
  /** A core buffer for ids, paths and value chunks, allocated once. */
  private readonly scratch: number;
  private closed = false;

  constructor(core: Core, handle: number) {
    this.core = core;
    this.handle = handle;
    this.scratch = core.alloc(SCRATCH + 4 * ID_LEN);
  }

  /** A new, empty in-memory store inside core. */
  static openMemory(core: Core): CoreStore {
    return new CoreStore(core, check(core.call("store_open_memory"), "store_open_memory"));
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    check(this.core.call("store_close", this.handle), "store_close");
    this.core.free(this.scratch);
  }

  private get idA(): number {
    return this.scratch + SCRATCH;
  }
  private get ids64(): number {
    return this.scratch + SCRATCH + 2 * ID_LEN;
  }

  /** Runs fn with bytes copied into the core (0/0 for undefined), freeing after. */
  private withBytes<T>(items: (Uint8Array | undefined)[], fn: (ptrs: number[]) => T): T {
    const real = items.map((x) => x ?? new Uint8Array(0));
    return this.core.with(real, (ptrs) => fn(ptrs.map((p, i) => (items[i] === undefined ? 0 : p))));
  }

  set(path: string, value: Uint8Array): void {
    this.withBytes([enc.encode(path), value], ([p, v]) =>
      check(this.core.call("store_set", this.handle, p, enc.encode(path).length, v, value.length), `set ${path}`),
    );
  }

  remove(path: string): void {
    const pb = enc.encode(path);
    this.withBytes([pb], ([p]) => check(this.core.call("store_remove", this.handle, p, pb.length), `remove ${path}`));
  }

  get staged(): number {
    return check(this.core.call("store_staged", this.handle), "store_staged");
  }

  /** The value at path in the working tree, or in commit; undefined when absent. */
  get(path: string, commit?: Uint8Array): Uint8Array | undefined {
    const pb = enc.encode(path);
    return this.withBytes([pb, commit], ([p, c]) => {
      const chunks: Uint8Array[] = [];
      let offset = 0;
      let total = 0;
      do {
        const n = this.core.call("store_get", this.handle, c, p, pb.length, offset, this.scratch, SCRATCH);
        if (n === -7) return undefined;
        total = check(n, `get ${path}`);
        const take = Math.min(SCRATCH, total - offset);
        chunks.push(this.core.read(this.scratch, take));
        offset += take;
      } while (offset < total);
      return chunks.length === 1 ? chunks[0] : new Uint8Array(Buffer.concat(chunks));
    });
  }

  /** Kind and id at path (working tree or commit), or undefined. */
  resolve(path: string, commit?: Uint8Array): { kind: "value" | "tree"; id: Uint8Array } | undefined {
    const pb = enc.encode(path);
    return this.withBytes([pb, commit], ([p, c]) => {
      const k = this.core.call("store_resolve", this.handle, c, p, pb.length, this.idA);
      if (k === -7) return undefined;
      check(k, `resolve ${path}`);
      return { kind: k === KIND_TREE ? "tree" : "value", id: this.core.read(this.idA, ID_LEN) };
    });
  }

  commit(opts: CommitOptions): Uint8Array {
    const author = enc.encode(opts.author);
    const msg = enc.encode(opts.message ?? "");
    const extra = enc.encode(opts.extraHeaders ?? "");
    const time = BigInt(Math.floor(opts.time ?? Date.now() / 1000));
    return this.withBytes([author, msg, extra], ([a, m, e]) => {
      check(this.core.call("store_commit", this.handle, a, author.length, time, m, msg.length, e, extra.length, this.idA), "commit");
      return this.core.read(this.idA, ID_LEN);
    });
  }

  /** The current branch's head commit, or undefined before the first commit. */
  head(): Uint8Array | undefined {
    const rc = this.core.call("store_head", this.handle, this.idA);
    if (rc === -7) return undefined;
    check(rc, "head");
    return this.core.read(this.idA, ID_LEN);
  }

  /** Switches the branch reads and commits use. */
  checkout(branch: string): void {
    const b = enc.encode(branch);
    this.withBytes([b], ([p]) => check(this.core.call("store_branch", this.handle, p, b.length), `branch ${branch}`));
  }

  *list(path = "", commit?: Uint8Array): Generator<ListEntry> {
    const pb = enc.encode(path);
    this.withBytes([pb, commit], ([p, c]) => check(this.core.call("store_list_open", this.handle, c, p, pb.length), `list ${path}`));
    for (;;) {
      const r = check(this.core.call("store_list_next", this.handle, this.scratch, SCRATCH, this.idA), "list");
      if (r === 0) return;
      const n = r & 0xffff;
      yield {
        name: dec.decode(this.core.read(this.scratch, n)),
        kind: r >> 16 === KIND_TREE ? "tree" : "value",
        id: this.core.read(this.idA, ID_LEN),
      };
    }
  }

  /** First-parent history from commit (default: the head), newest first. */
  *log(limit = 100, commit?: Uint8Array): Generator<Uint8Array> {
    this.withBytes([commit], ([c]) => check(this.core.call("store_log_open", this.handle, c, limit), "log"));
    while (check(this.core.call("store_log_next", this.handle, this.idA), "log") === 1) yield this.core.read(this.idA, ID_LEN);
  }

  /** Paths whose values differ from commit a to commit b (default: the head), in tree order. */
  *diff(a: Uint8Array, b?: Uint8Array): Generator<DiffEntry> {
    this.withBytes([a, b], ([pa, pb]) => check(this.core.call("store_diff_open", this.handle, pa, pb), "diff"));
    for (;;) {
      const r = check(this.core.call("store_diff_next", this.handle, this.scratch, SCRATCH, this.ids64), "diff");
      if (r === 0) return;
      const from = this.core.read(this.ids64, ID_LEN);
      const to = this.core.read(this.ids64 + ID_LEN, ID_LEN);
      yield {
        path: dec.decode(this.core.read(this.scratch, r & 0xffff)),
        change: CHANGES[r >> 16],
        from: isZero(from) ? undefined : from,
        to: isZero(to) ? undefined : to,
      };
    }
  }

  /** Lowest common ancestors of two commits (several in a criss-cross), sorted by id. */
  lca(a: Uint8Array, b: Uint8Array): Uint8Array[] {
    return this.withBytes([a, b, new Uint8Array(8 * ID_LEN)], ([pa, pb, out]) => {
      const n = check(this.core.call("store_lca", this.handle, pa, pb, out, 8), "lca");
      return Array.from({ length: Math.min(n, 8) }, (_, i) => this.core.read(out + i * ID_LEN, ID_LEN));
    });
  }

  /** The merged tree of two commits (nothing committed) and the number of conflicts in it. */
  mergeTree(a: Uint8Array, b: Uint8Array): { tree: Uint8Array; conflicts: number } {
    return this.withBytes([a, b], ([pa, pb]) => {
      const conflicts = check(this.core.call("store_merge_tree", this.handle, pa, pb, this.idA), "merge tree");
      return { tree: this.core.read(this.idA, ID_LEN), conflicts };
    });
  }

  /** Merges commit other into the current branch; the new head and the number of conflicts recorded. */
  merge(other: Uint8Array, opts: CommitOptions): { head: Uint8Array; conflicts: number } {
    const author = enc.encode(opts.author);
    const msg = enc.encode(opts.message ?? "merge");
    const time = BigInt(Math.floor(opts.time ?? Date.now() / 1000));
    return this.withBytes([other, author, msg], ([o, a, m]) => {
      const conflicts = check(this.core.call("store_merge", this.handle, o, a, author.length, time, m, msg.length, this.idA), "merge");
      return { head: this.core.read(this.idA, ID_LEN), conflicts };
    });
  }

  /** Paths holding a conflict record in commit (default: the head). */
  conflicts(commit?: Uint8Array): string[] {
    this.withBytes([commit], ([c]) => check(this.core.call("store_conflicts_open", this.handle, c), "conflicts"));
    const out: string[] = [];
    for (;;) {
      const n = check(this.core.call("store_conflicts_next", this.handle, this.scratch, SCRATCH), "conflicts");
      if (n === 0) return out;
      out.push(dec.decode(this.core.read(this.scratch, n)));
    }
  }

  /** Adds delta (may be negative) to writer's share of the PN counter at path. */
  counterAdd(path: string, writer: Uint8Array, delta: number | bigint): void {
    const pb = enc.encode(path);
    this.withBytes([pb, writer], ([p, w]) =>
      check(this.core.call("store_counter_add", this.handle, p, pb.length, w, writer.length, BigInt(delta)), `counter ${path}`),
    );
  }

  counterValue(path: string, commit?: Uint8Array): bigint {
    const pb = enc.encode(path);
    return this.withBytes([pb, commit], ([p, c]) => this.core.call64("store_counter_value", this.handle, c, p, pb.length));
  }

  /** Writes an LWW register at path: cborValue (one CBOR item) at time by writer. */
  lwwSet(path: string, time: number, writer: Uint8Array, cborValue: Uint8Array): void {
    const pb = enc.encode(path);
    this.withBytes([pb, writer, cborValue], ([p, w, v]) =>
      check(this.core.call("store_lww_set", this.handle, p, pb.length, BigInt(time), w, writer.length, v, cborValue.length), `lww ${path}`),
    );
  }

  setAdd(path: string, cborElement: Uint8Array): void {
    const pb = enc.encode(path);
    this.withBytes([pb, cborElement], ([p, e]) =>
      check(this.core.call("store_set_add", this.handle, p, pb.length, e, cborElement.length), `set add ${path}`),
    );
  }

  setRemove(path: string, cborElement: Uint8Array): void {
    const pb = enc.encode(path);
    this.withBytes([pb, cborElement], ([p, e]) =>
      check(this.core.call("store_set_remove", this.handle, p, pb.length, e, cborElement.length), `set remove ${path}`),
    );
  }

  setHas(path: string, cborElement: Uint8Array, commit?: Uint8Array): boolean {
    const pb = enc.encode(path);
    return this.withBytes(
      [pb, cborElement, commit],
      ([p, e, c]) => check(this.core.call("store_set_has", this.handle, c, p, pb.length, e, cborElement.length), `set has ${path}`) === 1,
    );
  }

  /** Appends [time, writer, cborValue] to the time series at path. */
  seriesAppend(path: string, time: number, writer: Uint8Array, cborValue: Uint8Array): void {
    const pb = enc.encode(path);
    this.withBytes([pb, writer, cborValue], ([p, w, v]) =>
      check(
        this.core.call("store_series_append", this.handle, p, pb.length, BigInt(time), w, writer.length, v, cborValue.length),
        `series ${path}`,
      ),
    );
  }

  putObject(type: GitObjectType, body: Uint8Array): Uint8Array {
    const code = TYPE_CODES[type];
    if (!code) throw new Error(`the store keeps no ${type} objects`);
    return this.withBytes([body], ([p]) => {
      check(this.core.call("store_object_put", this.handle, code, p, body.length, this.idA), `put ${type}`);
      return this.core.read(this.idA, ID_LEN);
    });
  }

  /** The object, or undefined when the store does not have it. */
  getObject(id: Uint8Array): GitObject | undefined {
    return this.withBytes([id], ([p]) => {
      const t = this.core.call("store_object_type", this.handle, p);
      if (t === -7) return undefined;
      const type = TYPE_NAMES[check(t, "object type")];
      const chunks: Uint8Array[] = [];
      let offset = 0;
      let total = 0;
      do {
        total = check(this.core.call("store_object_read", this.handle, p, offset, this.scratch, SCRATCH), "object read");
        const take = Math.min(SCRATCH, total - offset);
        chunks.push(this.core.read(this.scratch, take));
        offset += take;
      } while (offset < total);
      return { type, body: new Uint8Array(Buffer.concat(chunks)) };
    });
  }

  getRef(name: string): Uint8Array | undefined {
    const nb = enc.encode(name);
    return this.withBytes([nb], ([p]) => {
      const rc = this.core.call("store_ref_get", this.handle, p, nb.length, this.idA);
      if (rc === -7) return undefined;
      check(rc, `ref ${name}`);
      return this.core.read(this.idA, ID_LEN);
    });
  }

  /** Compare-and-set: moves ref from expected (undefined: unset) to id (undefined: delete). */
  setRef(name: string, id: Uint8Array | undefined, expected: Uint8Array | undefined): void {
    const nb = enc.encode(name);
    this.withBytes([nb, expected, id], ([p, e, i]) =>
      check(this.core.call("store_ref_set", this.handle, p, nb.length, e, i), `set ref ${name}`),
    );
  }

  refs(): Map<string, Uint8Array> {
    const out = new Map<string, Uint8Array>();
    for (let i = 0; ; i++) {
      const n = this.core.call("store_ref_at", this.handle, i, this.scratch);
      if (n === -7) return out;
      const name = dec.decode(this.core.read(this.scratch, check(n, "refs")));
      out.set(name, this.getRef(name)!);
    }
  }

  /** Every object reachable from the given commits (default: every ref), each once. */
  *reachable(from?: Uint8Array[]): Generator<GitObject & { id: Uint8Array }> {
    const seen = new Set<string>();
    const stack = [...(from ?? this.refs().values())];
    while (stack.length > 0) {
      const id = stack.pop()!;
      const hex = toHex(id);
      if (seen.has(hex)) continue;
      seen.add(hex);
      const obj = this.getObject(id);
      if (!obj) throw new Error(`object ${hex} is missing from the store`);
      yield { id, ...obj };
      if (obj.type === "commit") {
        const c = parseCommit(obj.body);
        stack.push(c.tree, ...c.parents);
      } else if (obj.type === "tree") {
        for (const e of parseTree(obj.body)) stack.push(e.id);
      }
    }
  }

  /**
   * Writes every ref (as refs/heads/<name>) and every object reachable from them
   * to a sha256 Git repository at dir; HEAD points at `head` (default "main").
   */
  exportGit(dir: string, opts: { bare?: boolean; head?: string } = {}): GitRepo {
    const repo = GitRepo.init(dir, { bare: opts.bare, head: opts.head ?? "main" });
    const refs = this.refs();
    for (const o of this.reachable([...refs.values()])) repo.writeObject(o.type, o.body);
    for (const [name, id] of refs) repo.writeRef(`refs/heads/${name}`, id);
    return repo;
  }

  /** Copies objects from a Git repository into the store (bodies are re-hashed by the core). */
  importGit(repo: GitRepo, ids: Iterable<Uint8Array> = repo.objectIds()): number {
    let n = 0;
    for (const id of ids) {
      const o = repo.readObject(id);
      if (o.type === "tag") continue;
      this.putObject(o.type, o.body);
      n++;
    }
    return n;
  }
}
