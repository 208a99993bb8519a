// The staged working tree: writes since the last commit, as a small table of
// (path, set value id | remove). It is kept normalised so that each path has at
// most one op and no op hides a later one:
// - a new op on P drops earlier ops on P and below P/;
// - a set of P/x turns an earlier set of a value at a prefix of P into a remove
//   (the value there is replaced by a subtree).
import { E_FULL } from "../abi/errors";
import { ID_LEN } from "./backend";
import { PATH_MAX, STAGE_MAX } from "./limits";
import { isUnder } from "./path";

export const OP_SET: i32 = 1;
export const OP_DEL: i32 = 2;

// Slot: op:i32 len:i32 path[PATH_MAX] id[32].
const SLOT: i32 = 8 + PATH_MAX + ID_LEN + 1;

export class Stage {
  private readonly slots: usize = heap.alloc(<usize>(STAGE_MAX * SLOT));
  count: i32 = 0;

  @inline slot(i: i32): usize {
    return this.slots + <usize>(i * SLOT);
  }
  @inline op(i: i32): i32 {
    return load<i32>(this.slot(i));
  }
  @inline pathLen(i: i32): i32 {
    return load<i32>(this.slot(i) + 4);
  }
  @inline path(i: i32): usize {
    return this.slot(i) + 8;
  }
  @inline id(i: i32): usize {
    return this.slot(i) + 8 + <usize>PATH_MAX;
  }

  private drop(i: i32): void {
    memory.copy(this.slot(i), this.slot(i + 1), <usize>((this.count - i - 1) * SLOT));
    this.count--;
  }

  /** Records an op on a validated path; E_FULL when the table is full (commit first). */
  add(op: i32, p: usize, n: i32, id: usize): i32 {
    if (this.count >= STAGE_MAX && !this.covers(p, n)) return E_FULL;
    let i = 0;
    while (i < this.count) {
      const q = this.path(i);
      const qn = this.pathLen(i);
      if ((qn == n && memory.compare(q, p, <usize>n) == 0) || isUnder(p, n, q, qn)) {
        this.drop(i);
        continue;
      }
      if (op == OP_SET && this.op(i) == OP_SET && isUnder(q, qn, p, n)) store<i32>(this.slot(i), OP_DEL);
      i++;
    }
    const s = this.slot(this.count++);
    store<i32>(s, op);
    store<i32>(s + 4, n);
    memory.copy(s + 8, p, <usize>n);
    if (op == OP_SET) memory.copy(s + 8 + <usize>PATH_MAX, id, ID_LEN);
    return 0;
  }

  /**
   * What the stage says about path p: OP_SET (id copied out), OP_DEL (gone), or 0
   * (not staged: read the committed tree).
   */
  lookup(p: usize, n: i32, idOut: usize): i32 {
    for (let i = 0; i < this.count; i++) {
      const qn = this.pathLen(i);
      if (qn == n && memory.compare(this.path(i), p, <usize>n) == 0) {
        if (this.op(i) == OP_SET) memory.copy(idOut, this.id(i), ID_LEN);
        return this.op(i);
      }
    }
    for (let i = 0; i < this.count; i++) {
      // A staged op on a prefix (remove, or a value) hides everything below it,
      // and a staged set below p makes p a directory: no value either way.
      if (isUnder(this.path(i), this.pathLen(i), p, n)) return OP_DEL;
      if (this.op(i) == OP_SET && isUnder(p, n, this.path(i), this.pathLen(i))) return OP_DEL;
    }
    return 0;
  }

  /** True when adding an op on p frees a slot (an op on p or below it is staged). */
  private covers(p: usize, n: i32): bool {
    for (let i = 0; i < this.count; i++) {
      const q = this.path(i);
      const qn = this.pathLen(i);
      if ((qn == n && memory.compare(q, p, <usize>n) == 0) || isUnder(p, n, q, qn)) return true;
    }
    return false;
  }

  clear(): void {
    this.count = 0;
  }

  free(): void {
    heap.free(this.slots);
  }
}

