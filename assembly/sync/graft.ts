// Grafting one tree into another by path prefix: the gateway builds each
// device's view (main's tree cut down to the device's read prefixes) and, until
// the store part's three-way merge lands, folds a device's branch into main (the
// paths under its write prefixes) and a view into a device's main. Deterministic:
// the same inputs give the same tree id on every replica.
import { E_LIMIT, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_TREE } from "../store/backend";
import { BackendSource, cmpCursor, MAX_DEPTH, PATH_MAX, TreeCursor, Writer, writeEntry } from "./gitobj";
import { prefixCovers, prefixUnder } from "./session";

/** Largest tree graft writes. */
const TREE_MAX: i32 = 1 << 20;

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
  // Trees start small and grow: device trees are a few entries, the gateway's
  // main has one per device under sensors/ (it is never sent, so no OBJ_MAX).
  const w = new Writer(heap.alloc(256), 256, TREE_MAX);
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
      if (c >= 0) writeEntry(w, cs.name, cs.nameLen, cs.isTree, cs.child);
    } else if (prefixUnder(prefixes, prefLen, path, pl) && x.isTree) {
      const r = graftAt(b, s, c <= 0 ? cb.child : 0, c >= 0 ? cs.child : 0, prefixes, prefLen, depth + 1, pl, child);
      if (r < 0) {
        rc = r;
        break;
      }
      if (r == 1) writeEntry(w, x.name, x.nameLen, true, child);
    } else if (c <= 0) writeEntry(w, cb.name, cb.nameLen, cb.isTree, cb.child);
    if (c <= 0) rc = cb.next();
    if (rc >= 0 && c >= 0) rc = cs.next();
  }
  if (rc >= 0) {
    if (!w.ok) rc = E_LIMIT;
    else if (w.len == 0 && depth > 0) rc = 0;
    else {
      rc = b.put(OBJ_TREE, w.p, w.len, out);
      if (rc == OK) rc = 1;
    }
  }
  heap.free(child);
  heap.free(w.p);
  return rc;
}
