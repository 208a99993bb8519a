// Reading and writing the Git objects of a sync store from the host: values at
// paths, tree entries, commit headers, first-parent history. Used by the
// gateway, the simulated devices and `nymote log|get`.
import { hex, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE, type SyncStore } from "./core.ts";

const enc = new TextEncoder();
const dec = new TextDecoder();

export interface TreeEntry {
  mode: string;
  name: string;
  id: string;
}

export interface CommitInfo {
  id: string;
  tree: string;
  parents: string[];
  author: string;
  time: number;
  message: string;
}

export function treeEntries(body: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    const nul = body.indexOf(0, sp);
    if (sp < 0 || nul < 0 || nul + 33 > body.length) throw new Error("malformed tree");
    out.push({
      mode: dec.decode(body.subarray(i, sp)),
      name: dec.decode(body.subarray(sp + 1, nul)),
      id: hex(body.subarray(nul + 1, nul + 33)),
    });
    i = nul + 33;
  }
  return out;
}

export function treeBody(entries: TreeEntry[]): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const e of entries) {
    parts.push(enc.encode(`${e.mode} ${e.name}\0`), Buffer.from(e.id, "hex"));
  }
  return new Uint8Array(Buffer.concat(parts));
}

export function parseCommit(id: string, body: Uint8Array): CommitInfo {
  const text = dec.decode(body);
  const blank = text.indexOf("\n\n");
  const head = text.slice(0, blank < 0 ? text.length : blank).split("\n");
  const info: CommitInfo = { id, tree: "", parents: [], author: "", time: 0, message: blank < 0 ? "" : text.slice(blank + 2) };
  for (const line of head) {
    if (line.startsWith("tree ")) info.tree = line.slice(5);
    else if (line.startsWith("parent ")) info.parents.push(line.slice(7));
    else if (line.startsWith("author ")) {
      const m = /^author (.*) (\d+) [+-]\d{4}$/.exec(line);
      if (m) {
        info.author = m[1] ?? "";
        info.time = Number(m[2]);
      }
    }
  }
  return info;
}

export function readCommit(store: SyncStore, id: string): CommitInfo {
  const o = store.get(id);
  if (!o || o.type !== OBJ_COMMIT) throw new Error(`commit ${id} not found`);
  return parseCommit(id, o.body);
}

/** The tree of a commit, or null for a missing ref. */
export function treeOf(store: SyncStore, commit: string | null): string | null {
  return commit === null ? null : readCommit(store, commit).tree;
}

/** Writes value at path (segments joined by '/') over tree base; returns the new tree. */
export function setPath(store: SyncStore, base: string | null, path: string, value: Uint8Array): string {
  const segs = path.split("/");
  let id = store.put(OBJ_BLOB, value);
  let mode = "100644";
  for (let i = segs.length - 1; i >= 0; i--) {
    id = store.put(OBJ_TREE, treeBody([{ mode, name: segs[i] ?? "", id }]));
    mode = "40000";
  }
  return store.graft(base, id, [path]);
}

/** The value stored at path in tree, or null. */
export function getPath(store: SyncStore, tree: string | null, path: string): Uint8Array | null {
  let id = tree;
  for (const seg of path.split("/")) {
    if (id === null) return null;
    const o = store.get(id);
    if (!o || o.type !== OBJ_TREE) return null;
    id = treeEntries(o.body).find((e) => e.name === seg)?.id ?? null;
  }
  if (id === null) return null;
  const o = store.get(id);
  return o && o.type === OBJ_BLOB ? o.body : null;
}

/** Every leaf path under tree with its blob id. */
export function listPaths(store: SyncStore, tree: string | null, prefix = ""): { path: string; id: string }[] {
  if (tree === null) return [];
  const o = store.get(tree);
  if (!o || o.type !== OBJ_TREE) return [];
  const out: { path: string; id: string }[] = [];
  for (const e of treeEntries(o.body)) {
    const p = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.mode === "40000") out.push(...listPaths(store, e.id, p));
    else out.push({ path: p, id: e.id });
  }
  return out;
}

/** Commits reachable from head, newest first (breadth-first over all parents), at most limit. */
export function history(store: SyncStore, head: string | null, limit = Number.POSITIVE_INFINITY): CommitInfo[] {
  const out: CommitInfo[] = [];
  if (head === null) return out;
  const seen = new Set<string>([head]);
  const queue = [head];
  while (queue.length > 0 && out.length < limit) {
    const id = queue.shift() as string;
    if (!store.has(id)) continue;
    const c = readCommit(store, id);
    out.push(c);
    for (const p of c.parents) {
      if (!seen.has(p)) {
        seen.add(p);
        queue.push(p);
      }
    }
  }
  return out;
}

/** Every object id reachable from commit head (commits, trees, blobs), stopping at ids in `known`. */
export function reachable(store: SyncStore, head: string, known: Set<string>): string[] {
  const out: string[] = [];
  const stack = [head];
  while (stack.length > 0) {
    const id = stack.pop() as string;
    if (known.has(id)) continue;
    known.add(id);
    const o = store.get(id);
    if (!o) continue;
    out.push(id);
    if (o.type === OBJ_COMMIT) {
      const c = parseCommit(id, o.body);
      stack.push(c.tree, ...c.parents);
    } else if (o.type === OBJ_TREE) {
      for (const e of treeEntries(o.body)) stack.push(e.id);
    }
  }
  return out;
}
