// store_* exports (bindings/abi/store.json). Every function takes a store handle
// from store_open_memory() or flash_store_open(). Ids are 32 raw bytes; a commit
// pointer of 0 means "the working tree / the branch head". Negative results are
// ABI error codes.
import { E_INVAL, E_NOMEM, E_NOTFOUND, OK } from "../abi/errors";
import { collectBeforeCommit, registerStore, releaseStore, storeOf } from "./handles";
import { MemoryBackend } from "./memory";
import { validType } from "./objects";
import { counterAdd, counterValue, lwwSet, seriesAppend, setAdd, setHas, setRemove } from "./typed";

/** Opens an empty store in memory; returns its handle (> 0) or E_NOMEM when every handle is taken. */
export function store_open_memory(): i32 {
  const h = registerStore(new MemoryBackend());
  return h > 0 ? h : E_NOMEM;
}

/** Closes a handle (a memory store's objects are freed with it). */
export function store_close(h: i32): i32 {
  const b = releaseStore(h);
  if (b == null) return E_INVAL;
  if (b instanceof MemoryBackend) (<MemoryBackend>b).dispose();
  return OK;
}

/** Stages value bytes at path (validated; see docs/store.md). */
export function store_set(h: i32, path: usize, pathLen: i32, value: usize, valueLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.set(path, pathLen, value, valueLen);
}

/** Stages the removal of path (a value or a whole subtree). */
export function store_remove(h: i32, path: usize, pathLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.remove(path, pathLen);
}

/** Number of staged writes (cleared by commit). */
export function store_staged(h: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.stage.count;
}

/** Reads the value at path in commit (0: working tree) from offset; returns its full length. */
export function store_get(h: i32, commit: usize, path: usize, pathLen: i32, offset: i32, out: usize, cap: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.get(commit, path, pathLen, offset, out, cap);
}

/** Kind at path (1 value, 2 tree) in commit (0: working tree); the object's id into idOut. */
export function store_resolve(h: i32, commit: usize, path: usize, pathLen: i32, idOut: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.resolve(commit, path, pathLen, idOut);
}

/**
 * Commits the staged writes on the current branch. author is "Name <email>";
 * extra is raw header lines carried into the commit (e.g. a gpgsig header), or
 * empty. Writes the commit id to idOut.
 */
export function store_commit(
  h: i32,
  author: usize,
  authorLen: i32,
  timeSec: i64,
  msg: usize,
  msgLen: i32,
  extra: usize,
  extraLen: i32,
  idOut: usize,
): i32 {
  collectBeforeCommit();
  const s = storeOf(h);
  return s == null ? E_INVAL : s.commit(author, authorLen, timeSec, msg, msgLen, extra, extraLen, 0, 0, idOut);
}

/** The current branch's head commit into idOut; E_NOTFOUND before the first commit. */
export function store_head(h: i32, idOut: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.headCommit(idOut);
}

/** Switches the branch that reads and commits use (nothing may be staged). */
export function store_branch(h: i32, name: usize, nameLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.setBranch(name, nameLen);
}

/** Starts listing the directory at path in commit (0: the head commit). */
export function store_list_open(h: i32, commit: usize, path: usize, pathLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.listOpen(commit, path, pathLen);
}

/** Next directory entry: name into out, id into idOut (if not 0); returns nameLen | kind << 16, 0 at the end. */
export function store_list_next(h: i32, out: usize, cap: i32, idOut: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.listNext(out, cap, idOut);
}

/** Starts a first-parent history walk from commit (0: the head), at most limit commits. */
export function store_log_open(h: i32, commit: usize, limit: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.logOpen(commit, limit);
}

/** Next commit of the walk into idOut: 1, or 0 at the end. */
export function store_log_next(h: i32, idOut: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.logNext(idOut);
}

/** Starts a diff from commit a to commit b (0: the head). */
export function store_diff_open(h: i32, a: usize, b: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.diffOpen(a, b);
}

/** Next changed path into out; old and new value ids into ids64; returns pathLen | change << 16 (1 added, 2 removed, 3 changed), 0 at the end. */
export function store_diff_next(h: i32, out: usize, cap: i32, ids64: usize): i32 {
  const s = storeOf(h);
  if (s == null) return E_INVAL;
  return s.diff == null ? E_INVAL : s.diff!.next(out, cap, ids64);
}

/** Stores a raw object (type 1 blob, 2 tree, 3 commit); its id into idOut. */
export function store_object_put(h: i32, type: i32, body: usize, len: i32, idOut: usize): i32 {
  const s = storeOf(h);
  if (s == null || !validType(type)) return E_INVAL;
  return s.backend.put(type, body, len, idOut);
}

/** The object's type (1 blob, 2 tree, 3 commit) or E_NOTFOUND. */
export function store_object_type(h: i32, id: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.backend.typeOf(id);
}

/** Copies up to cap body bytes of object id from offset into out; returns the body's full length. */
export function store_object_read(h: i32, id: usize, offset: i32, out: usize, cap: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.readObject(id, offset, out, cap);
}

/** Reads ref name into idOut; E_NOTFOUND if unset. */
export function store_ref_get(h: i32, name: usize, nameLen: i32, idOut: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.backend.getRef(name, nameLen, idOut);
}

/** Compare-and-set of ref name from expected (0: unset) to id (0: delete); E_CONFLICT on mismatch. The target must exist. */
export function store_ref_set(h: i32, name: usize, nameLen: i32, expected: usize, id: usize): i32 {
  const s = storeOf(h);
  if (s == null) return E_INVAL;
  if (id != 0 && s.backend.has(id) != 1) return E_NOTFOUND;
  return s.backend.setRef(name, nameLen, expected, id);
}

/** The index-th ref name (byte order) into out (64 bytes); its length, or E_NOTFOUND past the last. */
export function store_ref_at(h: i32, index: i32, out: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.backend.refAt(index, out);
}


/** LCAs of commits a and b into out (up to cap ids, sorted by id); their count (0: unrelated), E_LIMIT past the search bound. */
export function store_lca(h: i32, a: usize, b: usize, out: usize, cap: i32): i32 {
  const s = storeOf(h);
  return s == null || cap < 0 ? E_INVAL : s.lcas(a, b, out, cap);
}

/** The three-way merged tree of commits a and b into treeOut (nothing committed); returns the number of conflicts recorded in it. */
export function store_merge_tree(h: i32, a: usize, b: usize, treeOut: usize): i32 {
  // A merge allocates per tree level and per LCA; inside the device's fixed 128 KiB
  // the incremental GC does not keep up with merges back to back (a trap after
  // ~18 small merges): each merge starts from a collected heap.
  __collect();
  const s = storeOf(h);
  return s == null ? E_INVAL : s.mergeTree(a, b, treeOut);
}

/** Merges commit other into the current branch (fast-forward, or a merge commit by author at timeSec); new head into idOut; returns the number of conflicts. */
export function store_merge(h: i32, other: usize, author: usize, authorLen: i32, timeSec: i64, msg: usize, msgLen: i32, idOut: usize): i32 {
  __collect(); // as store_merge_tree
  const s = storeOf(h);
  return s == null ? E_INVAL : s.merge(other, author, authorLen, timeSec, msg, msgLen, idOut);
}

/** Starts listing the paths that hold a conflict record in commit (0: the head). */
export function store_conflicts_open(h: i32, commit: usize): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.conflictsOpen(commit);
}

/** Next conflicted path into out; its length, 0 at the end. */
export function store_conflicts_next(h: i32, out: usize, cap: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : s.conflictsNext(out, cap);
}

/** Adds delta to writer's own count in the PN counter at path (created if absent). */
export function store_counter_add(h: i32, path: usize, pathLen: i32, writer: usize, writerLen: i32, delta: i64): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : counterAdd(s, path, pathLen, writer, writerLen, delta);
}

/** The PN counter's value at path in commit (0: working tree); 0 when absent. */
export function store_counter_value(h: i32, commit: usize, path: usize, pathLen: i32): i64 {
  const s = storeOf(h);
  return s == null ? 0 : counterValue(s, commit, path, pathLen);
}

/** Writes an LWW register: value (one CBOR item) at time (ms) by writer. */
export function store_lww_set(h: i32, path: usize, pathLen: i32, time: i64, writer: usize, writerLen: i32, value: usize, valueLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : lwwSet(s, path, pathLen, time, writer, writerLen, value, valueLen);
}

/** Adds element (one CBOR item) to the add-wins set at path (created if absent). */
export function store_set_add(h: i32, path: usize, pathLen: i32, elem: usize, elemLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : setAdd(s, path, pathLen, elem, elemLen);
}

/** Removes element from the add-wins set at path. */
export function store_set_remove(h: i32, path: usize, pathLen: i32, elem: usize, elemLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : setRemove(s, path, pathLen, elem, elemLen);
}

/** 1 when element is in the set at path in commit (0: working tree), else 0. */
export function store_set_has(h: i32, commit: usize, path: usize, pathLen: i32, elem: usize, elemLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : setHas(s, commit, path, pathLen, elem, elemLen);
}

/** Appends [time, writer, value] (value one CBOR item) to the time-series log at path, in time order. */
export function store_series_append(h: i32, path: usize, pathLen: i32, time: i64, writer: usize, writerLen: i32, value: usize, valueLen: i32): i32 {
  const s = storeOf(h);
  return s == null ? E_INVAL : seriesAppend(s, path, pathLen, time, writer, writerLen, value, valueLen);
}
