// Grafting one tree into another by path prefix: the gateway builds each
// device's view (main's tree cut down to the device's read prefixes) and, until
// the store part's three-way merge lands, folds a device's branch into main (the
// paths under its write prefixes) and a view into a device's main. Deterministic:
// the same inputs give the same tree id on every replica.
import { E_LIMIT, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_TREE } from "../store/backend";
import { Buf } from "../store/buf";
import { KIND_TREE, KIND_VALUE, writeEntry } from "../store/tree";
import { BackendSource, cmpCursor, MAX_DEPTH, PATH_MAX, TreeCursor } from "./gitobj";
import { prefixCovers, prefixUnder } from "./session";

const path = memory.data(PATH_MAX);
let curB: StaticArray<TreeCursor> | null = null;
let curS: StaticArray<TreeCursor> | null = null;

function cursors(): void {
  if (curB != null) return;
  const b = new StaticArray<TreeCursor>(MAX_DEPTH);
  const s = new StaticArray<TreeCursor>(MAX_DEPTH);
  for (let i = 0; i < MAX_DEPTH; i++) {
    b[i] = new TreeCursor();
    s[i] = new TreeCursor();
  }
  curB = b;
  curS = s;
}

/**
 * Writes into out the tree that equals `base` outside the prefixes and `src`
 * inside them (either tree may be 0: empty). Returns 1 (out set), 0 when the
 * result is an empty subtree (only below the root), or an error.
 */
export function graft(b: Backend, base: usize, src: usize, prefixes: usize, prefLen: i32, out: usize): i32 {
  cursors();
  return graftAt(b, new BackendSource(b), base, src, prefixes, prefLen, 0, 0, out);
}

function graftAt(b: Backend, s: BackendSource, base: usize, src: usize, prefixes: usize, prefLen: i32, depth: i32, pathLen: i32, out: usize): i32 {
  if (depth >= MAX_DEPTH) return E_LIMIT;
  const cb = (curB as StaticArray<TreeCursor>)[depth];
  const cs = (curS as StaticArray<TreeCursor>)[depth];
  let rc = cb.open(s, base);
  if (rc == OK) rc = cs.open(s, src);
  if (rc == OK) rc = cb.next();
  if (rc >= 0) rc = cs.next();
  if (rc < 0) return rc;
  const child = heap.alloc(ID_LEN);
  // Trees start small and grow (the store's Buf, bounded by its OBJECT_MAX):
  // device trees are a few entries, the gateway's main has one per device
  // under sensors/ (it is never sent, so no OBJ_MAX).
  const w = new Buf(256);
  rc = OK;
  while (rc >= 0 && (cb.valid || cs.valid)) {
    const c = cmpCursor(cb, cs);
    const x = c <= 0 ? cb : cs;
    const sep = pathLen > 0 ? 1 : 0;
    const pl = pathLen + sep + x.nameLen;
    if (pl > PATH_MAX) {
      rc = E_LIMIT;
      break;
    }
    if (sep) store<u8>(path + <usize>pathLen, 0x2f);
    memory.copy(path + <usize>(pathLen + sep), x.name, <usize>x.nameLen);
    if (prefixCovers(prefixes, prefLen, path, pl)) {
      if (c >= 0) writeEntry(w, kindOf(cs.isTree), cs.name, cs.nameLen, cs.child);
    } else if (prefixUnder(prefixes, prefLen, path, pl) && x.isTree) {
      const r = graftAt(b, s, c <= 0 ? cb.child : 0, c >= 0 ? cs.child : 0, prefixes, prefLen, depth + 1, pl, child);
      if (r < 0) {
        rc = r;
        break;
      }
      if (r == 1) writeEntry(w, KIND_TREE, x.name, x.nameLen, child);
    } else if (c <= 0) writeEntry(w, kindOf(cb.isTree), cb.name, cb.nameLen, cb.child);
    if (c <= 0) rc = cb.next();
    if (rc >= 0 && c >= 0) rc = cs.next();
  }
  if (rc >= 0) {
    if (w.err != OK) rc = E_LIMIT;
    else if (w.len == 0 && depth > 0) rc = 0;
    else {
      rc = b.put(OBJ_TREE, w.ptr, w.len, out);
      if (rc == OK) rc = 1;
    }
  }
  heap.free(child);
  w.free();
  return rc;
}

@inline
function kindOf(isTree: bool): i32 {
  return isTree ? KIND_TREE : KIND_VALUE;
}
