// Diff of two commits by path, as a cursor: a depth-first merge-join of the two
// trees that descends only into subtrees whose ids differ, so its cost follows the
// change, and its memory is two tree windows a level (DEPTH_MAX levels).
import { E_LIMIT, E_STATE, OK } from "../abi/errors";
import { Backend, ID_LEN } from "./backend";
import { DEPTH_MAX, PATH_MAX } from "./limits";
import { idEqual } from "./objects";
import { gitCompare, KIND_TREE, TreeReader } from "./tree";

export const DIFF_ADDED: i32 = 1;
export const DIFF_REMOVED: i32 = 2;
export const DIFF_CHANGED: i32 = 3;

// Per level: has A's current entry been loaded (1), consumed (0), ended (2); same for B.
const LOADED: u8 = 1;
const ENDED: u8 = 2;

export class DiffCursor {
  private backend: Backend | null = null;
  private readonly a: StaticArray<TreeReader> = new StaticArray<TreeReader>(DEPTH_MAX + 1);
  private readonly b: StaticArray<TreeReader> = new StaticArray<TreeReader>(DEPTH_MAX + 1);
  private readonly stateA: usize = heap.alloc(DEPTH_MAX + 1);
  private readonly stateB: usize = heap.alloc(DEPTH_MAX + 1);
  /** Path prefix of each level: prefixLen[depth]. */
  private readonly prefixLen: usize = heap.alloc(4 * (DEPTH_MAX + 1));
  private readonly path: usize = heap.alloc(PATH_MAX + 1);
  private depth: i32 = -1;

  constructor() {
    for (let i = 0; i <= DEPTH_MAX; i++) {
      this.a[i] = new TreeReader();
      this.b[i] = new TreeReader();
    }
  }

  free(): void {
    for (let i = 0; i <= DEPTH_MAX; i++) {
      this.a[i].free();
      this.b[i].free();
    }
    heap.free(this.stateA);
    heap.free(this.stateB);
    heap.free(this.prefixLen);
    heap.free(this.path);
  }

  /** Starts a diff from tree `from` to tree `to` (either 0: empty). */
  open(backend: Backend, from: usize, to: usize): i32 {
    this.backend = backend;
    this.depth = -1;
    const rc = this.push(from, to, 0);
    return rc < 0 ? rc : OK;
  }

  private push(from: usize, to: usize, plen: i32): i32 {
    const d = this.depth + 1;
    // Trees written by other tools may nest deeper than our paths allow.
    if (d > DEPTH_MAX) return E_LIMIT;
    let rc = this.a[d].open(this.backend!, from);
    if (rc < 0) return rc;
    rc = this.b[d].open(this.backend!, to);
    if (rc < 0) return rc;
    store<u8>(this.stateA + <usize>d, 0);
    store<u8>(this.stateB + <usize>d, 0);
    store<i32>(this.prefixLen + <usize>(4 * d), plen);
    this.depth = d;
    return OK;
  }

  /** The entry's full path in this.path; E_LIMIT past PATH_MAX (foreign trees). */
  private appendName(plen: i32, name: usize, n: i32): i32 {
    if (plen + 1 + n > PATH_MAX) return E_LIMIT;
    let at = plen;
    if (plen > 0) store<u8>(this.path + <usize>(at++), 0x2f);
    memory.copy(this.path + <usize>at, name, <usize>n);
    return at + n;
  }

  /**
   * The next difference: writes its path (up to cap bytes) at out and the old and
   * new value ids at ids64 (zeros for a side without the value); returns
   * pathLen | change << 16 (DIFF_*), or 0 when there is none left.
   */
  next(out: usize, cap: i32, ids64: usize): i32 {
    if (this.backend == null) return E_STATE;
    while (this.depth >= 0) {
      const d = this.depth;
      const ra = this.a[d];
      const rb = this.b[d];
      const sa = this.stateA + <usize>d;
      const sb = this.stateB + <usize>d;
      if (load<u8>(sa) == 0) {
        const rc = ra.next();
        if (rc < 0) return rc;
        store<u8>(sa, rc == 1 ? LOADED : ENDED);
      }
      if (load<u8>(sb) == 0) {
        const rc = rb.next();
        if (rc < 0) return rc;
        store<u8>(sb, rc == 1 ? LOADED : ENDED);
      }
      const hasA = load<u8>(sa) == LOADED;
      const hasB = load<u8>(sb) == LOADED;
      if (!hasA && !hasB) {
        this.depth--;
        continue;
      }
      const plen = load<i32>(this.prefixLen + <usize>(4 * d));
      let c = 0;
      if (hasA && hasB) c = gitCompare(ra.name, ra.nameLen, ra.kind == KIND_TREE, rb.name, rb.nameLen, rb.kind == KIND_TREE);
      else c = hasA ? -1 : 1;
      if (c == 0) {
        store<u8>(sa, 0);
        store<u8>(sb, 0);
        if (idEqual(ra.entryId, rb.entryId)) continue;
        const n = this.appendName(plen, ra.name, ra.nameLen);
        if (n < 0) return n;
        if (ra.kind == KIND_TREE) {
          const rc = this.push(ra.entryId, rb.entryId, n);
          if (rc < 0) return rc;
          continue;
        }
        return this.emit(DIFF_CHANGED, n, ra.entryId, rb.entryId, out, cap, ids64);
      }
      const r = c < 0 ? ra : rb;
      store<u8>(c < 0 ? sa : sb, 0);
      const n = this.appendName(plen, r.name, r.nameLen);
      if (n < 0) return n;
      if (r.kind == KIND_TREE) {
        const rc = c < 0 ? this.push(r.entryId, 0, n) : this.push(0, r.entryId, n);
        if (rc < 0) return rc;
        continue;
      }
      return c < 0 ? this.emit(DIFF_REMOVED, n, r.entryId, 0, out, cap, ids64) : this.emit(DIFF_ADDED, n, 0, r.entryId, out, cap, ids64);
    }
    return 0;
  }

  private emit(change: i32, n: i32, oldId: usize, newId: usize, out: usize, cap: i32, ids64: usize): i32 {
    memory.copy(out, this.path, <usize>min(n, cap));
    if (ids64 != 0) {
      if (oldId != 0) memory.copy(ids64, oldId, ID_LEN);
      else memory.fill(ids64, 0, ID_LEN);
      if (newId != 0) memory.copy(ids64 + ID_LEN, newId, ID_LEN);
      else memory.fill(ids64 + ID_LEN, 0, ID_LEN);
    }
    return n | (change << 16);
  }
}
