// Lowest common ancestors of two commits: Git's paint-down-to-common walk
// (commits taken newest committer time first; a commit reached from both sides
// is a candidate and stales its ancestors), then redundant candidates (ancestors
// of another candidate) are removed. Criss-cross histories yield several LCAs.
// Bounded: at most LCA_VISIT_MAX distinct commits, else E_LIMIT. Like Git without
// generation numbers, the walk trusts committer times to be roughly monotonic.
// A parent the store does not have is a shallow boundary (as Git treats a shallow
// clone's grafted commits): a device's flash store drops history behind the commit
// a gateway acknowledged (docs/flash.md, pruning), and merges must go on.
import { E_LIMIT, E_NOTFOUND, OK } from "../abi/errors";
import { Backend, ID_LEN } from "./backend";
import { CommitInfo, PARENTS_MAX } from "./commit";
import { LCA_VISIT_MAX } from "./limits";
import { idEqual } from "./objects";

const P1: i32 = 1;
const P2: i32 = 2;
const STALE: i32 = 4;
const RESULT: i32 = 8;
const QUEUED: i32 = 16;
const SEEN: i32 = 32;

// Slot: id[32] flags:i32 pad:i32 time:i64.
const SLOT: i32 = 48;
const SLOTS: i32 = (LCA_VISIT_MAX * 2) as i32;

export class LcaWalk {
  private readonly table: usize = heap.alloc(<usize>(SLOTS * SLOT));
  private readonly queue: usize = heap.alloc(<usize>(LCA_VISIT_MAX * 4));
  private queued: i32 = 0;
  private used: i32 = 0;
  private readonly info: CommitInfo = new CommitInfo();
  private readonly parents: usize = heap.alloc(<usize>(PARENTS_MAX * ID_LEN));

  free(): void {
    heap.free(this.table);
    heap.free(this.queue);
    heap.free(this.parents);
    this.info.free();
  }

  @inline private at(i: i32): usize {
    return this.table + <usize>(i * SLOT);
  }

  private reset(): void {
    memory.fill(this.table, 0, <usize>(SLOTS * SLOT));
    this.queued = 0;
    this.used = 0;
  }

  /** The slot of commit id, added (and its time read) if new; negative on error or past the bound. */
  private slot(backend: Backend, id: usize): i32 {
    let i = <i32>(load<u32>(id) & <u32>(SLOTS - 1));
    while (true) {
      const s = this.at(i);
      if (load<i32>(s + 32) == 0) break;
      if (idEqual(s, id)) return i;
      i = (i + 1) & (SLOTS - 1);
    }
    if (this.used >= LCA_VISIT_MAX) return E_LIMIT;
    const rc = this.info.read(backend, id);
    if (rc < 0) return rc;
    const s = this.at(i);
    memory.copy(s, id, ID_LEN);
    store<i32>(s + 32, SEEN);
    store<i64>(s + 40, this.info.time);
    this.used++;
    return i;
  }

  /** Copies commit id's parents into this.parents (slot() reuses this.info); their count. */
  private loadParents(backend: Backend, id: usize): i32 {
    const rc = this.info.read(backend, id);
    if (rc < 0) return rc;
    const n = this.info.parentCount;
    memory.copy(this.parents, this.info.parents, <usize>(n * ID_LEN));
    return n;
  }

  private push(i: i32): i32 {
    const s = this.at(i);
    const f = load<i32>(s + 32);
    if ((f & QUEUED) != 0) return OK;
    if (this.queued >= LCA_VISIT_MAX) return E_LIMIT;
    store<i32>(s + 32, f | QUEUED);
    store<i32>(this.queue + <usize>(this.queued++ * 4), i);
    return OK;
  }

  /** Removes and returns the queued slot with the newest time (ties: smaller id first, so results are deterministic). */
  private pop(): i32 {
    let best = 0;
    for (let q = 1; q < this.queued; q++) {
      const a = this.at(load<i32>(this.queue + <usize>(q * 4)));
      const b = this.at(load<i32>(this.queue + <usize>(best * 4)));
      const ta = load<i64>(a + 40);
      const tb = load<i64>(b + 40);
      if (ta > tb || (ta == tb && memory.compare(a, b, ID_LEN) < 0)) best = q;
    }
    const i = load<i32>(this.queue + <usize>(best * 4));
    this.queued--;
    store<i32>(this.queue + <usize>(best * 4), load<i32>(this.queue + <usize>(this.queued * 4)));
    const s = this.at(i);
    store<i32>(s + 32, load<i32>(s + 32) & ~QUEUED);
    return i;
  }

  private anyLive(): bool {
    for (let q = 0; q < this.queued; q++) if ((load<i32>(this.at(load<i32>(this.queue + <usize>(q * 4))) + 32) & STALE) == 0) return true;
    return false;
  }

  /** Paints ancestors of a (P1) and b (P2); returns the candidate count, listed as slots with RESULT. */
  private paint(backend: Backend, a: usize, b: usize): i32 {
    this.reset();
    const ia = this.slot(backend, a);
    if (ia < 0) return ia;
    store<i32>(this.at(ia) + 32, load<i32>(this.at(ia) + 32) | P1);
    let rc = this.push(ia);
    const ib = this.slot(backend, b);
    if (ib < 0) return ib;
    store<i32>(this.at(ib) + 32, load<i32>(this.at(ib) + 32) | P2);
    if (rc == OK) rc = this.push(ib);
    if (rc < 0) return rc;
    let found = 0;
    while (this.anyLive()) {
      const i = this.pop();
      const s = this.at(i);
      let flags = load<i32>(s + 32) & (P1 | P2 | STALE);
      if (flags == (P1 | P2)) {
        if ((load<i32>(s + 32) & RESULT) == 0) {
          store<i32>(s + 32, load<i32>(s + 32) | RESULT);
          found++;
        }
        flags |= STALE;
      }
      const n = this.loadParents(backend, s);
      if (n < 0) return n;
      for (let p = 0; p < n && rc >= 0; p++) {
        const j = this.slot(backend, this.parents + <usize>(p * ID_LEN));
        if (j == E_NOTFOUND) continue; // shallow boundary
        if (j < 0) {
          rc = j;
          break;
        }
        const ps = this.at(j);
        const pf = load<i32>(ps + 32);
        if ((pf & flags) == flags) continue;
        store<i32>(ps + 32, pf | flags);
        rc = this.push(j);
      }
      if (rc < 0) return rc;
    }
    return found;
  }

  /** True when commit `anc` is reachable from commit `from` (walk bounded, pruned below anc's time). */
  private reaches(backend: Backend, from: usize, anc: usize, ancTime: i64): i32 {
    this.reset();
    let i = this.slot(backend, from);
    if (i < 0) return i;
    let rc = this.push(i);
    while (rc >= 0 && this.queued > 0) {
      i = this.pop();
      const s = this.at(i);
      if (idEqual(s, anc)) return 1;
      if (load<i64>(s + 40) < ancTime) continue;
      const n = this.loadParents(backend, s);
      if (n < 0) return n;
      for (let p = 0; p < n && rc >= 0; p++) {
        const j = this.slot(backend, this.parents + <usize>(p * ID_LEN));
        if (j == E_NOTFOUND) continue; // shallow boundary
        if (j < 0) rc = j;
        else if ((load<i32>(this.at(j) + 32) & STALE) == 0) {
          store<i32>(this.at(j) + 32, load<i32>(this.at(j) + 32) | STALE);
          rc = this.push(j);
        }
      }
    }
    return rc < 0 ? rc : 0;
  }

  /**
   * The LCAs of commits a and b into out (up to cap ids), sorted by id bytes;
   * returns how many there are (0: unrelated histories) or an error.
   */
  lcas(backend: Backend, a: usize, b: usize, out: usize, cap: i32): i32 {
    if (idEqual(a, b)) {
      if (cap > 0) memory.copy(out, a, ID_LEN);
      return 1;
    }
    const found = this.paint(backend, a, b);
    if (found < 0) return found;
    // Candidates (ids and times) leave the table before the redundancy checks reuse it.
    const cands = heap.alloc(<usize>(max(found, 1) * (ID_LEN + 8)));
    let k = 0;
    for (let i = 0; i < SLOTS; i++) {
      const s = this.at(i);
      // A candidate that a later candidate's walk reached is one of its ancestors.
      if ((load<i32>(s + 32) & (RESULT | STALE)) != RESULT) continue;
      memory.copy(cands + <usize>(k * (ID_LEN + 8)), s, ID_LEN);
      store<i64>(cands + <usize>(k * (ID_LEN + 8) + ID_LEN), load<i64>(s + 40));
      k++;
    }
    let rc = OK;
    let n = 0;
    for (let x = 0; x < k && rc >= 0; x++) {
      const cx = cands + <usize>(x * (ID_LEN + 8));
      let redundant = false;
      for (let y = 0; y < k && !redundant && rc >= 0; y++) {
        if (y == x) continue;
        const cy = cands + <usize>(y * (ID_LEN + 8));
        const r = this.reaches(backend, cy, cx, load<i64>(cx + ID_LEN));
        if (r < 0) rc = r;
        else redundant = r == 1;
      }
      if (rc < 0 || redundant) continue;
      // Insert sorted by id.
      let at = min(n, cap);
      while (at > 0 && memory.compare(out + <usize>((at - 1) * ID_LEN), cx, ID_LEN) > 0) at--;
      if (at < cap) {
        const last = min(n, cap - 1);
        memory.copy(out + <usize>((at + 1) * ID_LEN), out + <usize>(at * ID_LEN), <usize>((last - at) * ID_LEN));
        memory.copy(out + <usize>(at * ID_LEN), cx, ID_LEN);
      }
      n++;
    }
    heap.free(cands);
    return rc < 0 ? rc : n;
  }
}
