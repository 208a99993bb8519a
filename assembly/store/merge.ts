// Three-way merge, as in Irmin and Git: the merge base is the LCA of the two
// commits (several LCAs in a criss-cross are first merged into a virtual base,
// recursively), then trees merge path by path, descending only where the three
// versions differ, and values merge by their type (types.ts). What cannot merge
// becomes a conflict record at its path (both sides kept); nothing is dropped.
// Every rule is symmetric in the two sides, so merge(a, b) and merge(b, a) give
// the same tree.
import { E_CORRUPT, E_LIMIT, E_NOMEM, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_BLOB, OBJ_TREE } from "./backend";
import { Buf } from "./buf";
import { CommitInfo } from "./commit";
import { LcaWalk } from "./lca";
import { DEPTH_MAX, LCA_RECURSION_MAX, OBJECT_MAX } from "./limits";
import { idEqual } from "./objects";
import { gitCompare, KIND_TREE, KIND_VALUE, TreeReader, writeEntry } from "./tree";
import {
  checkedTag,
  conflictRecord,
  conflictSide,
  lwwWinner,
  mergeAwset,
  mergeLog,
  mergePn,
  Sink,
  TAG_AWSET,
  TAG_CONFLICT,
  TAG_LOG,
  TAG_LWW,
  TAG_PN,
} from "./types";

/** LCAs a merge accepts (criss-crosses of more are E_LIMIT). */
export const LCA_MAX: i32 = 8;
// A value name that may still meet a directory of the same name in the output:
// at most one a byte of name length (each is a prefix of the next).
const CLASH_STACK: i32 = 64;

/** Same object, or both absent (0). */
@inline function same(a: usize, b: usize): bool {
  if (a == 0 || b == 0) return a == b;
  return idEqual(a, b);
}

export class Merger {
  readonly backend: Backend;
  /** Conflicts recorded by the last merge. */
  conflicts: i32 = 0;
  /** The LCA table (12 KiB on the device, 768 KiB on the gateway), made on first use: a merge of given trees needs none. */
  private walk: LcaWalk | null = null;
  private readonly info: CommitInfo = new CommitInfo();

  constructor(backend: Backend) {
    this.backend = backend;
  }

  free(): void {
    const w = this.walk;
    if (w !== null) w.free();
    this.info.free();
  }

  /** LCAs of a and b into out (cap ids); their count. */
  lcas(a: usize, b: usize, out: usize, cap: i32): i32 {
    let w = this.walk;
    if (w === null) this.walk = w = new LcaWalk();
    return w.lcas(this.backend, a, b, out, cap);
  }

  private treeOf(commit: usize, out: usize): i32 {
    const rc = this.info.read(this.backend, commit);
    if (rc < 0) return rc;
    memory.copy(out, this.info.tree, ID_LEN);
    return OK;
  }

  /**
   * The merged tree of commits a and b into treeOut; returns the number of
   * conflicts recorded in it (0: clean) or an error.
   */
  mergeCommits(a: usize, b: usize, treeOut: usize): i32 {
    this.conflicts = 0;
    const ids = heap.alloc(<usize>(ID_LEN * (LCA_MAX + 3)));
    const base = ids + <usize>(ID_LEN * LCA_MAX);
    const ta = base + ID_LEN;
    const tb = ta + ID_LEN;
    let rc = this.lcas(a, b, ids, LCA_MAX);
    const n = rc;
    if (n > LCA_MAX) rc = E_LIMIT;
    if (rc >= 0) rc = this.treeOf(a, ta);
    if (rc >= 0) rc = this.treeOf(b, tb);
    if (rc >= 0) rc = this.virtualBase(ids, n, 0, base);
    if (rc >= 0) {
      this.conflicts = 0;
      rc = this.mergeTrees(rc == 1 ? base : 0, ta, tb, treeOut, 0);
      // An empty merge result is the empty tree.
      if (rc == 0) rc = this.backend.put(OBJ_TREE, 0, 0, treeOut);
    }
    heap.free(ids);
    return rc < 0 ? rc : this.conflicts;
  }

  /**
   * The merge base of n LCAs (sorted by id): one LCA's tree, or the LCAs merged
   * pairwise over their own merge bases, at most LCA_RECURSION_MAX deep.
   * Returns 1 with the tree in out, 0 for none (unrelated histories).
   */
  private virtualBase(lcas: usize, n: i32, depth: i32, out: usize): i32 {
    if (n == 0) return 0;
    let rc = this.treeOf(lcas, out);
    if (rc < 0) return rc;
    if (n == 1) return 1;
    if (depth >= LCA_RECURSION_MAX) return E_LIMIT;
    const inner = heap.alloc(<usize>(ID_LEN * (LCA_MAX + 2)));
    const innerBase = inner + <usize>(ID_LEN * LCA_MAX);
    const ti = innerBase + ID_LEN;
    let present = 1;
    for (let i = 1; i < n && rc >= 0; i++) {
      const c = lcas + <usize>(i * ID_LEN);
      rc = this.lcas(lcas, c, inner, LCA_MAX);
      if (rc > LCA_MAX) rc = E_LIMIT;
      if (rc >= 0) rc = this.virtualBase(inner, rc, depth + 1, innerBase);
      const hasBase = rc == 1;
      if (rc >= 0) rc = this.treeOf(c, ti);
      if (rc >= 0) rc = this.mergeTrees(hasBase ? innerBase : 0, present == 1 ? out : 0, ti, out, 0);
      if (rc >= 0) present = rc;
    }
    heap.free(inner);
    return rc < 0 ? rc : present;
  }

  /**
   * Three-way merge of trees (any id may be 0: absent). Returns 1 with the merged
   * tree's id in out, 0 when the result is empty, or an error.
   */
  mergeTrees(base: usize, x: usize, y: usize, out: usize, depth: i32): i32 {
    if (same(x, y)) return this.pick(x, out);
    if (same(base, x)) return this.pick(y, out);
    if (same(base, y)) return this.pick(x, out);
    if (depth > DEPTH_MAX) return E_LIMIT;
    const rb = new TreeReader();
    const rx = new TreeReader();
    const ry = new TreeReader();
    const body = new Buf(512);
    const stack = heap.alloc(<usize>(CLASH_STACK * 12));
    let sp = 0;
    const tmp = heap.alloc(ID_LEN);
    let rc = rb.open(this.backend, base);
    if (rc >= 0) rc = rx.open(this.backend, x);
    if (rc >= 0) rc = ry.open(this.backend, y);
    let hb = 0;
    let hx = 0;
    let hy = 0;
    let stB = 0;
    let stX = 0;
    let stY = 0;
    while (rc >= 0) {
      // 0: take the next entry, 1: an entry is loaded, 2: ended.
      if (stB == 0) stB = (hb = rb.next()) == 1 ? 1 : 2;
      if (stX == 0) stX = (hx = rx.next()) == 1 ? 1 : 2;
      if (stY == 0) stY = (hy = ry.next()) == 1 ? 1 : 2;
      if (hb < 0 || hx < 0 || hy < 0) {
        rc = hb < 0 ? hb : hx < 0 ? hx : hy;
        break;
      }
      if (stB == 2 && stX == 2 && stY == 2) break;
      // The smallest key of the three (Git order, a directory as "name/").
      let m: TreeReader = stB == 1 ? rb : stX == 1 ? rx : ry;
      if (stX == 1 && gitCompare(rx.name, rx.nameLen, rx.kind == KIND_TREE, m.name, m.nameLen, m.kind == KIND_TREE) < 0) m = rx;
      if (stY == 1 && gitCompare(ry.name, ry.nameLen, ry.kind == KIND_TREE, m.name, m.nameLen, m.kind == KIND_TREE) < 0) m = ry;
      const inB = stB == 1 && gitCompare(rb.name, rb.nameLen, rb.kind == KIND_TREE, m.name, m.nameLen, m.kind == KIND_TREE) == 0;
      const inX = stX == 1 && gitCompare(rx.name, rx.nameLen, rx.kind == KIND_TREE, m.name, m.nameLen, m.kind == KIND_TREE) == 0;
      const inY = stY == 1 && gitCompare(ry.name, ry.nameLen, ry.kind == KIND_TREE, m.name, m.nameLen, m.kind == KIND_TREE) == 0;
      const kind = m.kind;
      const r =
        kind == KIND_TREE
          ? this.mergeTrees(inB ? rb.entryId : 0, inX ? rx.entryId : 0, inY ? ry.entryId : 0, tmp, depth + 1)
          : this.mergeValue(inB ? rb.entryId : 0, inX ? rx.entryId : 0, inY ? ry.entryId : 0, tmp);
      if (r < 0) {
        rc = r;
        break;
      }
      if (r == 1) {
        // A directory meeting an emitted value of the same name: one conflict record at the name.
        let clash = false;
        while (sp > 0) {
          const e = stack + <usize>((sp - 1) * 12);
          const fo = load<i32>(e);
          const fl = load<i32>(e + 4);
          const fp = body.ptr + <usize>fo;
          if (m.nameLen == fl && memory.compare(m.name, fp, <usize>fl) == 0) {
            clash = true;
            rc = this.clash(body.ptr + <usize>load<i32>(e + 8), tmp);
            break;
          }
          if (m.nameLen > fl && memory.compare(m.name, fp, <usize>fl) == 0 && load<u8>(m.name + <usize>fl) < 0x2f) break;
          sp--;
        }
        if (rc < 0) break;
        if (!clash) {
          const at = body.len;
          writeEntry(body, kind, m.name, m.nameLen, tmp);
          if (kind == KIND_VALUE) {
            if (sp >= CLASH_STACK) {
              rc = E_LIMIT;
              break;
            }
            const e = stack + <usize>(sp++ * 12);
            store<i32>(e, at + 7);
            store<i32>(e + 4, m.nameLen);
            store<i32>(e + 8, at + 7 + m.nameLen + 1);
          }
        }
      }
      if (inB) stB = 0;
      if (inX) stX = 0;
      if (inY) stY = 0;
    }
    rb.free();
    rx.free();
    ry.free();
    heap.free(stack);
    heap.free(tmp);
    if (rc >= 0 && body.err < 0) rc = body.err;
    if (rc >= 0) {
      if (body.len == 0) rc = 0;
      else {
        rc = this.backend.put(OBJ_TREE, body.ptr, body.len, out);
        if (rc == OK) rc = 1;
      }
    }
    body.free();
    return rc;
  }

  private pick(id: usize, out: usize): i32 {
    if (id == 0) return 0;
    if (id != out) memory.copy(out, id, ID_LEN);
    return 1;
  }

  /** Replaces the value id at valueId (inside a tree body) by a conflict record of that value and directory dir. */
  private clash(valueId: usize, dir: usize): i32 {
    const n = this.backend.sizeOf(valueId);
    if (n < 0) return n;
    if (n > OBJECT_MAX) return E_NOMEM;
    const v = heap.alloc(<usize>max(n, 1));
    let rc = this.backend.readAt(valueId, 0, v, n);
    const sa = new Sink(n + 16);
    const sb = new Sink(ID_LEN + 8);
    const rec = new Sink(n + ID_LEN + 40);
    if (rc >= 0) {
      conflictSide(sa.w, 1, v, n);
      conflictSide(sb.w, 2, dir, ID_LEN);
      rc = conflictRecord(sa.buf, sa.w.length(), sb.buf, sb.w.length(), rec);
    }
    if (rc >= 0) rc = this.backend.put(OBJ_BLOB, rec.buf, rc, valueId);
    if (rc >= 0) this.conflicts++;
    heap.free(v);
    sa.free();
    sb.free();
    rec.free();
    return rc;
  }

  /** Reads a whole value body (bounded by OBJECT_MAX); returns its pointer and sets lastLen. */
  private lastLen: i32 = 0;
  private load(id: usize): usize {
    this.lastLen = 0;
    if (id == 0) return 0;
    const n = this.backend.sizeOf(id);
    if (n < 0 || n > OBJECT_MAX) {
      this.lastLen = n < 0 ? n : E_NOMEM;
      return 0;
    }
    const p = heap.alloc(<usize>max(n, 1));
    const got = this.backend.readAt(id, 0, p, n);
    if (got != n) {
      heap.free(p);
      this.lastLen = got < 0 ? got : E_CORRUPT;
      return 0;
    }
    this.lastLen = n;
    return p;
  }

  /**
   * Three-way merge of one value (ids may be 0: absent). Returns 1 with the
   * result's id in out, 0 when the result is absent, or an error.
   */
  mergeValue(base: usize, x: usize, y: usize, out: usize): i32 {
    if (same(x, y)) return this.pick(x, out);
    if (same(base, x)) return this.pick(y, out);
    if (same(base, y)) return this.pick(x, out);
    const px = this.load(x);
    const nx = this.lastLen;
    const py = this.load(y);
    const ny = this.lastLen;
    const pb = this.load(base);
    const nb = this.lastLen;
    let rc = nx < 0 ? nx : ny < 0 ? ny : nb < 0 ? nb : OK;
    const cap = max(nx, 0) + max(ny, 0) + max(nb, 0) + 64;
    const res = new Sink(cap);
    const scratch = new Sink(cap);
    let merged = false;
    if (rc >= 0 && x != 0 && y != 0) {
      const tx = checkedTag(px, nx);
      if (tx != 0 && tx != TAG_CONFLICT && tx == checkedTag(py, ny)) {
        let r = E_CORRUPT;
        if (tx == TAG_LWW) {
          r = lwwWinner(px, nx, py, ny);
          if (r >= 0) {
            rc = this.pick(r == 1 ? x : y, out);
            merged = true;
          }
        } else {
          if (tx == TAG_PN) r = mergePn(px, nx, py, ny, res, scratch);
          else if (tx == TAG_LOG) r = mergeLog(px, nx, py, ny, res, scratch);
          else if (tx == TAG_AWSET) {
            const baseOk = base != 0 && checkedTag(pb, nb) == TAG_AWSET;
            r = mergeAwset(baseOk ? pb : 0, baseOk ? nb : 0, px, nx, py, ny, res, scratch);
          }
          if (r >= 0) {
            rc = this.backend.put(OBJ_BLOB, res.buf, r, out);
            if (rc >= 0) rc = 1;
            merged = true;
          }
        }
      }
    }
    if (rc >= 0 && !merged) {
      // Both sides changed differently and no type rule applies: keep both.
      const sa = new Sink(max(nx, 0) + 16);
      const sb = new Sink(max(ny, 0) + 16);
      conflictSide(sa.w, x == 0 ? 0 : 1, px, nx);
      conflictSide(sb.w, y == 0 ? 0 : 1, py, ny);
      res.reset();
      const len = conflictRecord(sa.buf, sa.w.length(), sb.buf, sb.w.length(), res);
      rc = len < 0 ? len : this.backend.put(OBJ_BLOB, res.buf, len, out);
      if (rc >= 0) {
        rc = 1;
        this.conflicts++;
      }
      sa.free();
      sb.free();
    }
    res.free();
    scratch.free();
    if (px != 0) heap.free(px);
    if (py != 0) heap.free(py);
    if (pb != 0) heap.free(pb);
    return rc;
  }
}
