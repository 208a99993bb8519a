// A store: a Backend, a current branch, and a staged working tree. Reads resolve
// through the stage and then the branch's head tree; commit folds the stage into
// new tree objects level by level, streaming every old tree it rewrites. Memory
// per operation is bounded by DEPTH_MAX levels of (one tree window + the level's
// new tree body), never by the size of the store or its history.
import { E_INVAL, E_LIMIT, E_NOTFOUND, E_STATE, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE, REF_NAME_MAX } from "./backend";
import { Buf } from "./buf";
import { buildCommit, CommitInfo, CommitSigner, validExtraHeaders, validIdentity, validMessage } from "./commit";
import { DiffCursor } from "./diff";
import { OBJECT_MAX } from "./limits";
import { Merger } from "./merge";
import { idEqual } from "./objects";
import { TAG_CONFLICT, TAG_HEAD, typeTag } from "./types";
import { validRefName } from "./memory";
import { isUnder, segmentLen, validatePath } from "./path";
import { OP_DEL, OP_SET, Stage } from "./stage";
import { gitCompare, KIND_NONE, KIND_TREE, KIND_VALUE, resolvePath, TreeReader, treeFind, writeEntry } from "./tree";

// A segment record while committing one tree level: stage index, segment
// length, resulting kind, resulting id.
const SEG_REC: i32 = 12 + ID_LEN;

export class Store {
  readonly backend: Backend;
  readonly stage: Stage = new Stage();
  readonly reader: TreeReader = new TreeReader();
  readonly info: CommitInfo = new CommitInfo();
  private readonly branch: usize = heap.alloc(REF_NAME_MAX);
  private branchLen: i32 = 0;
  private readonly head: usize = heap.alloc(ID_LEN);
  private readonly tmp: usize = heap.alloc(ID_LEN);
  private readonly root: usize = heap.alloc(ID_LEN);
  /** Signs every commit this store writes (its own, merges, sync_commit), or null. */
  signer: CommitSigner | null = null;

  // List cursor.
  private readonly listReader: TreeReader = new TreeReader();
  private listing: bool = false;
  /** Diff cursor, made on first use (two tree windows a level). */
  diff: DiffCursor | null = null;
  // Log cursor (first-parent walk).
  private readonly logId: usize = heap.alloc(ID_LEN);
  private logLeft: i32 = 0;

  constructor(backend: Backend) {
    this.backend = backend;
    const main = "main";
    for (let i = 0; i < main.length; i++) store<u8>(this.branch + <usize>i, <u8>main.charCodeAt(i));
    this.branchLen = main.length;
  }

  free(): void {
    this.stage.free();
    this.reader.free();
    this.listReader.free();
    this.info.free();
    heap.free(this.branch);
    heap.free(this.head);
    heap.free(this.tmp);
    heap.free(this.root);
    heap.free(this.logId);
    if (this.diff != null) this.diff!.free();
  }

  // The merge state (the LCA table: 12 KiB on the device) lives only during a call.

  /** LCAs of commits a and b into out (up to cap ids, sorted by id); their count. */
  lcas(a: usize, b: usize, out: usize, cap: i32): i32 {
    const m = new Merger(this.backend);
    const rc = m.lcas(a, b, out, cap);
    m.free();
    return rc;
  }

  /** The merged tree of commits a and b into treeOut, without committing; the number of conflicts. */
  mergeTree(a: usize, b: usize, treeOut: usize): i32 {
    const m = new Merger(this.backend);
    const rc = m.mergeCommits(a, b, treeOut);
    m.free();
    return rc;
  }

  /**
   * Merges commit `other` into the branch: fast-forwards when one contains the
   * other, else commits the merged tree with parents (head, other). Writes the
   * branch's new head to idOut; returns the number of conflicts recorded.
   */
  merge(other: usize, author: usize, authorLen: i32, timeSec: i64, msg: usize, msgLen: i32, idOut: usize): i32 {
    if (this.stage.count != 0) return E_STATE;
    let rc = validIdentity(author, authorLen);
    if (rc < 0) return rc;
    const t = this.backend.typeOf(other);
    if (t < 0) return t;
    if (t != OBJ_COMMIT) return E_INVAL;
    rc = this.headCommit(this.head);
    if (rc == E_NOTFOUND || (rc == OK && idEqual(this.head, other))) {
      if (rc == E_NOTFOUND) rc = this.backend.setRef(this.branch, this.branchLen, 0, other);
      memory.copy(idOut, other, ID_LEN);
      return rc < 0 ? rc : 0;
    }
    if (rc < 0) return rc;
    const lca = heap.alloc(ID_LEN * 2);
    const tree = lca + ID_LEN;
    rc = this.lcas(this.head, other, lca, 1);
    if (rc == 1 && idEqual(lca, other)) {
      // Other is already contained in the head.
      memory.copy(idOut, this.head, ID_LEN);
      rc = 0;
    } else if (rc == 1 && idEqual(lca, this.head)) {
      rc = this.backend.setRef(this.branch, this.branchLen, this.head, other);
      memory.copy(idOut, other, ID_LEN);
    } else if (rc >= 0) {
      const conflicts = this.mergeTree(this.head, other, tree);
      rc = conflicts;
      if (rc >= 0) rc = this.commit(author, authorLen, timeSec, msg, msgLen, 0, 0, tree, other, idOut);
      if (rc >= 0) rc = conflicts;
    }
    heap.free(lca);
    return rc;
  }

  /** Starts a walk over the conflict records in commit (0: the head). */
  conflictsOpen(commit: usize): i32 {
    const t = heap.alloc(ID_LEN);
    let rc = this.rootTree(commit, t);
    if (rc == OK) {
      if (this.diff == null) this.diff = new DiffCursor();
      rc = this.diff!.open(this.backend, 0, t);
    }
    heap.free(t);
    return rc;
  }

  /** The next path holding a conflict record (path into out); its length, 0 at the end. */
  conflictsNext(out: usize, cap: i32): i32 {
    if (this.diff == null) return E_STATE;
    const ids = heap.alloc(ID_LEN * 2 + TAG_HEAD);
    const head = ids + ID_LEN * 2;
    let rc = 0;
    while ((rc = this.diff!.next(out, cap, ids)) > 0) {
      const got = this.backend.readAt(ids + ID_LEN, 0, head, TAG_HEAD);
      if (got == TAG_HEAD && typeTag(head, TAG_HEAD + 1) == TAG_CONFLICT) break;
    }
    heap.free(ids);
    return rc > 0 ? rc & 0xffff : rc;
  }

  /** Starts a diff from commit `a` to commit `b` (0: the head). */
  diffOpen(a: usize, b: usize): i32 {
    const ta = heap.alloc(2 * ID_LEN);
    const tb = ta + ID_LEN;
    let rc = this.rootTree(a, ta);
    if (rc == OK) rc = this.rootTree(b, tb);
    if (rc == OK) {
      if (this.diff == null) this.diff = new DiffCursor();
      rc = this.diff!.open(this.backend, ta, tb);
    }
    heap.free(ta);
    return rc;
  }

  /** Switches the branch reads and commits use; only with nothing staged. */
  setBranch(name: usize, n: i32): i32 {
    if (!validRefName(name, n)) return E_INVAL;
    if (this.stage.count != 0) return E_STATE;
    memory.copy(this.branch, name, <usize>n);
    this.branchLen = n;
    return OK;
  }

  branchName(out: usize): i32 {
    memory.copy(out, this.branch, <usize>this.branchLen);
    return this.branchLen;
  }

  /** The branch's head commit into out; E_NOTFOUND for a branch with no commit. */
  headCommit(out: usize): i32 {
    return this.backend.getRef(this.branch, this.branchLen, out);
  }

  /** Root tree of `commit` (0: the branch head) into out; E_NOTFOUND when there is none. */
  rootTree(commit: usize, out: usize): i32 {
    if (commit == 0) {
      const rc = this.headCommit(this.tmp);
      if (rc < 0) return rc;
      commit = this.tmp;
    }
    const rc = this.info.read(this.backend, commit);
    if (rc < 0) return rc;
    memory.copy(out, this.info.tree, ID_LEN);
    return OK;
  }

  /** Kind (KIND_VALUE / KIND_TREE) of `path` in `commit` (0: the working tree); its id into idOut. */
  resolve(commit: usize, path: usize, n: i32, idOut: usize): i32 {
    let rc = validatePath(path, n, true);
    if (rc < 0) return rc;
    if (commit == 0 && n > 0) {
      const op = this.stage.lookup(path, n, idOut);
      if (op == OP_SET) return KIND_VALUE;
      if (op == OP_DEL) return E_NOTFOUND;
    }
    rc = this.rootTree(commit, this.root);
    if (rc < 0) return rc;
    return resolvePath(this.backend, this.reader, this.root, path, n, idOut);
  }

  /** Reads the value at path: copies up to cap bytes from `offset`, returns the value's full length. */
  get(commit: usize, path: usize, n: i32, offset: i32, out: usize, cap: i32): i32 {
    const kind = this.resolve(commit, path, n, this.tmp);
    if (kind < 0) return kind;
    if (kind != KIND_VALUE) return E_NOTFOUND;
    return this.readObject(this.tmp, offset, out, cap);
  }

  /** Copies up to cap body bytes of object id from offset; returns the body's full length. */
  readObject(id: usize, offset: i32, out: usize, cap: i32): i32 {
    const size = this.backend.sizeOf(id);
    if (size < 0) return size;
    if (offset < 0 || cap < 0) return E_INVAL;
    if (offset < size && cap > 0) {
      const got = this.backend.readAt(id, offset, out, min(cap, size - offset));
      if (got < 0) return got;
    }
    return size;
  }

  set(path: usize, n: i32, value: usize, len: i32): i32 {
    let rc = validatePath(path, n);
    if (rc < 0) return rc;
    if (len < 0) return E_INVAL;
    if (len > OBJECT_MAX) return E_LIMIT;
    rc = this.backend.put(OBJ_BLOB, value, len, this.tmp);
    if (rc < 0) return rc;
    return this.stage.add(OP_SET, path, n, this.tmp);
  }

  /** Stages a value already stored as a blob (merge results, the SDK's typed writes). */
  setId(path: usize, n: i32, id: usize): i32 {
    const rc = validatePath(path, n);
    if (rc < 0) return rc;
    return this.stage.add(OP_SET, path, n, id);
  }

  remove(path: usize, n: i32): i32 {
    const rc = validatePath(path, n);
    if (rc < 0) return rc;
    return this.stage.add(OP_DEL, path, n, 0);
  }

  /**
   * Commits the stage on the branch: new trees, a commit whose parents are the
   * head (if any) and `extraParent` (if not 0: a merge), and a compare-and-set of
   * the branch ref. `tree` != 0 commits that tree instead of the stage (merges).
   */
  commit(
    author: usize,
    authorLen: i32,
    timeSec: i64,
    msg: usize,
    msgLen: i32,
    extra: usize,
    extraLen: i32,
    tree: usize,
    extraParent: usize,
    idOut: usize,
  ): i32 {
    let rc = validIdentity(author, authorLen);
    if (rc < 0) return rc;
    rc = validMessage(msg, msgLen);
    if (rc < 0) return rc;
    rc = validExtraHeaders(extra, extraLen);
    if (rc < 0) return rc;
    if (timeSec < 0) return E_INVAL;
    const parents = heap.alloc(2 * ID_LEN);
    let parentCount = 0;
    rc = this.headCommit(parents);
    const hasHead = rc == OK;
    if (rc < 0 && rc != E_NOTFOUND) {
      heap.free(parents);
      return rc;
    }
    if (hasHead) {
      memory.copy(this.head, parents, ID_LEN);
      parentCount = 1;
    }
    if (extraParent != 0) memory.copy(parents + <usize>(ID_LEN * parentCount++), extraParent, ID_LEN);
    if (tree != 0) {
      memory.copy(this.root, tree, ID_LEN);
    } else {
      rc = OK;
      let base: usize = 0;
      if (hasHead) {
        rc = this.info.read(this.backend, this.head);
        if (rc == OK) {
          memory.copy(this.root, this.info.tree, ID_LEN);
          base = this.root;
        }
      }
      if (rc == OK) rc = this.buildLevel(base, 0, 0, this.root);
      if (rc == 0) rc = this.backend.put(OBJ_TREE, 0, 0, this.root);
      if (rc < 0) {
        heap.free(parents);
        return rc;
      }
    }
    const body = new Buf(256 + msgLen + extraLen);
    buildCommit(body, this.root, parents, parentCount, author, authorLen, timeSec, extra, extraLen, msg, msgLen);
    heap.free(parents);
    rc = body.err;
    if (rc == OK) rc = this.putCommit(body.ptr, body.len, idOut);
    body.free();
    if (rc < 0) return rc;
    rc = this.backend.setRef(this.branch, this.branchLen, hasHead ? this.head : 0, idOut);
    if (rc < 0) return rc;
    this.stage.clear();
    return OK;
  }

  /** Stores a commit body, signed first when the store has a signer. */
  putCommit(body: usize, n: i32, idOut: usize): i32 {
    const signer = this.signer;
    if (signer === null) return this.backend.put(OBJ_COMMIT, body, n, idOut);
    const cap = n + signer.overhead();
    const signed = heap.alloc(<usize>cap);
    let rc = signer.sign(signed, cap, body, n);
    if (rc >= 0) rc = this.backend.put(OBJ_COMMIT, signed, rc, idOut);
    heap.free(signed);
    return rc;
  }

  /**
   * Rewrites tree `base` (0: none) at directory `prefix` with the staged ops below
   * it. Returns 1 with the new tree's id, 0 when the directory ends up empty.
   */
  private buildLevel(base: usize, prefix: usize, plen: i32, idOut: usize): i32 {
    const st = this.stage;
    const from = plen > 0 ? plen + 1 : 0;
    const recs = heap.alloc(<usize>(max(st.count, 1) * SEG_REC));
    let k = 0;
    for (let i = 0; i < st.count; i++) {
      const q = st.path(i);
      const qn = st.pathLen(i);
      if (plen > 0 && !isUnder(prefix, plen, q, qn)) continue;
      const sl = segmentLen(q, qn, from);
      let seen = false;
      for (let j = 0; j < k && !seen; j++) {
        const r = recs + <usize>(j * SEG_REC);
        seen = load<i32>(r + 4) == sl && memory.compare(st.path(load<i32>(r)) + <usize>from, q + <usize>from, <usize>sl) == 0;
      }
      if (seen) continue;
      const r = recs + <usize>(k++ * SEG_REC);
      store<i32>(r, i);
      store<i32>(r + 4, sl);
    }
    const sub = new TreeReader();
    let rc = OK;
    for (let j = 0; j < k && rc >= 0; j++) {
      const r = recs + <usize>(j * SEG_REC);
      const first = load<i32>(r);
      const sl = load<i32>(r + 4);
      const name = st.path(first) + <usize>from;
      let leaf = 0;
      let leafIdx = -1;
      let deeper = false;
      for (let i = 0; i < st.count; i++) {
        const q = st.path(i);
        const qn = st.pathLen(i);
        if (qn < from + sl || memory.compare(q, st.path(first), <usize>(from + sl)) != 0) continue;
        if (qn == from + sl) {
          leaf = st.op(i);
          leafIdx = i;
        } else if (load<u8>(q + <usize>(from + sl)) == 0x2f) {
          deeper = true;
        }
      }
      const rid = r + 12;
      let kind = KIND_NONE;
      if (deeper) {
        let subBase: usize = 0;
        if (leaf != OP_DEL && base != 0) {
          rc = treeFind(this.backend, sub, base, name, sl, rid);
          if (rc == KIND_TREE) subBase = rid;
          else if (rc == E_NOTFOUND || rc == KIND_VALUE) rc = OK;
        }
        if (rc >= 0) {
          rc = this.buildLevel(subBase, st.path(first), from + sl, rid);
          if (rc == 1) kind = KIND_TREE;
        }
      } else if (leaf == OP_SET) {
        memory.copy(rid, st.id(leafIdx), ID_LEN);
        kind = KIND_VALUE;
      }
      store<i32>(r + 8, kind);
    }
    sub.free();
    if (rc < 0) {
      heap.free(recs);
      return rc;
    }
    // Order the results by Git's tree order (insertion sort: k <= STAGE_MAX).
    for (let a = 1; a < k; a++) {
      for (let b = a; b > 0; b--) {
        const x = recs + <usize>((b - 1) * SEG_REC);
        const y = recs + <usize>(b * SEG_REC);
        if (this.recCompare(x, y, from) <= 0) break;
        for (let w = 0; w < SEG_REC; w += 4) {
          const t = load<i32>(x + <usize>w);
          store<i32>(x + <usize>w, load<i32>(y + <usize>w));
          store<i32>(y + <usize>w, t);
        }
      }
    }
    const out = new Buf(512);
    const rd = new TreeReader();
    rc = rd.open(this.backend, base);
    let ri = 0;
    while (rc >= 0 && (rc = rd.next()) == 1) {
      let touched = false;
      for (let j = 0; j < k && !touched; j++) {
        const r = recs + <usize>(j * SEG_REC);
        touched = load<i32>(r + 4) == rd.nameLen && memory.compare(st.path(load<i32>(r)) + <usize>from, rd.name, <usize>rd.nameLen) == 0;
      }
      if (touched) continue;
      while (ri < k) {
        const r = recs + <usize>(ri * SEG_REC);
        const kind = load<i32>(r + 8);
        if (gitCompare(st.path(load<i32>(r)) + <usize>from, load<i32>(r + 4), kind == KIND_TREE, rd.name, rd.nameLen, rd.kind == KIND_TREE) > 0) break;
        if (kind != KIND_NONE) writeEntry(out, kind, st.path(load<i32>(r)) + <usize>from, load<i32>(r + 4), r + 12);
        ri++;
      }
      out.push(rd.raw, rd.rawLen);
    }
    rd.free();
    for (; rc >= 0 && ri < k; ri++) {
      const r = recs + <usize>(ri * SEG_REC);
      const kind = load<i32>(r + 8);
      if (kind != KIND_NONE) writeEntry(out, kind, st.path(load<i32>(r)) + <usize>from, load<i32>(r + 4), r + 12);
    }
    heap.free(recs);
    if (rc >= 0 && out.err < 0) rc = out.err;
    if (rc >= 0) {
      if (out.len == 0) rc = 0;
      else {
        rc = this.backend.put(OBJ_TREE, out.ptr, out.len, idOut);
        if (rc == OK) rc = 1;
      }
    }
    out.free();
    return rc;
  }

  private recCompare(x: usize, y: usize, from: i32): i32 {
    const st = this.stage;
    return gitCompare(
      st.path(load<i32>(x)) + <usize>from,
      load<i32>(x + 4),
      load<i32>(x + 8) == KIND_TREE,
      st.path(load<i32>(y)) + <usize>from,
      load<i32>(y + 4),
      load<i32>(y + 8) == KIND_TREE,
    );
  }

  /** Starts listing the directory at path in `commit` (0: the head; the stage is not listed). */
  listOpen(commit: usize, path: usize, n: i32): i32 {
    this.listing = false;
    let rc = validatePath(path, n, true);
    if (rc < 0) return rc;
    rc = this.rootTree(commit, this.root);
    if (rc < 0) return rc;
    rc = resolvePath(this.backend, this.reader, this.root, path, n, this.tmp);
    if (rc < 0) return rc;
    if (rc != KIND_TREE) return E_NOTFOUND;
    rc = this.listReader.open(this.backend, this.tmp);
    if (rc < 0) return rc;
    this.listing = true;
    return OK;
  }

  /**
   * The next entry: copies its name (up to cap bytes) and its id (32 bytes at
   * idOut, if not 0); returns nameLen | kind << 16, 0 at the end.
   */
  listNext(out: usize, cap: i32, idOut: usize): i32 {
    if (!this.listing) return E_STATE;
    const rc = this.listReader.next();
    if (rc <= 0) {
      this.listing = false;
      return rc;
    }
    const r = this.listReader;
    memory.copy(out, r.name, <usize>min(cap, r.nameLen));
    if (idOut != 0) memory.copy(idOut, r.entryId, ID_LEN);
    return r.nameLen | (r.kind << 16);
  }

  /** Starts a first-parent history walk at `commit` (0: the head), at most `limit` commits. */
  logOpen(commit: usize, limit: i32): i32 {
    if (limit < 0) return E_INVAL;
    if (commit == 0) {
      const rc = this.headCommit(this.logId);
      if (rc == E_NOTFOUND) {
        this.logLeft = 0;
        return OK;
      }
      if (rc < 0) return rc;
    } else {
      memory.copy(this.logId, commit, ID_LEN);
    }
    this.logLeft = limit;
    return OK;
  }

  /** 1 with the next commit id in idOut, 0 when the walk or its limit ends. */
  logNext(idOut: usize): i32 {
    if (this.logLeft <= 0) return 0;
    const rc = this.info.read(this.backend, this.logId);
    if (rc < 0) return rc;
    memory.copy(idOut, this.logId, ID_LEN);
    if (this.info.parentCount == 0) this.logLeft = 0;
    else {
      this.logLeft--;
      memory.copy(this.logId, this.info.parent(0), ID_LEN);
    }
    return 1;
  }
}
