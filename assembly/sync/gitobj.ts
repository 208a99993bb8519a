// The slice of Git's object formats sync needs (DESIGN.md "Formats"): the header
// lines of a commit (tree, parents), tree entries, and writers for trees and
// commits. Objects are read through an ObjectSource in pieces, so nothing here
// needs a whole object in memory except a tree being written.
import { E_CORRUPT, E_UNSUPPORTED, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_COMMIT, OBJ_TREE } from "../store/backend";
import { startsWith } from "../store/buf";
import { DEPTH_MAX } from "../store/limits";
import { idEqual, idIsZero } from "../store/objects";

/** Commits sync handles have at most this many parents (a device merge has 2). */
export const MAX_PARENTS: i32 = 2;
/** Longest tree entry name Git allows on common file systems; longer is refused. */
export const NAME_MAX: i32 = 255;
/** Tree nesting sync follows: every path the store writes (DEPTH_MAX segments); deeper is refused with E_LIMIT. */
export const MAX_DEPTH: i32 = DEPTH_MAX;
/** Longest path (segments joined by '/') sync builds while walking. */
export const PATH_MAX: i32 = 512;

// ---------------------------------------------------------------- object access

/**
 * Objects sync reads: a quarantine (objects received but not yet accepted) in
 * front of a store backend. Quarantine implements this too.
 */
export abstract class ObjectSource {
  abstract has(id: usize): i32;
  abstract typeOf(id: usize): i32;
  abstract sizeOf(id: usize): i32;
  abstract readAt(id: usize, offset: i32, out: usize, len: i32): i32;
}

/** Adapts a store Backend to ObjectSource. */
export class BackendSource extends ObjectSource {
  constructor(public b: Backend) {
    super();
  }
  has(id: usize): i32 {
    return this.b.has(id);
  }
  typeOf(id: usize): i32 {
    return this.b.typeOf(id);
  }
  sizeOf(id: usize): i32 {
    return this.b.sizeOf(id);
  }
  readAt(id: usize, offset: i32, out: usize, len: i32): i32 {
    return this.b.readAt(id, offset, out, len);
  }
}

// ---------------------------------------------------------------- hex ids

@inline
function hexNibble(c: u32): i32 {
  if (c >= 0x30 && c <= 0x39) return <i32>(c - 0x30);
  if (c >= 0x61 && c <= 0x66) return <i32>(c - 0x61 + 10);
  return -1; // Git writes lower-case hex only.
}

/** Parses 64 lower-case hex digits at p into 32 bytes at out; false if malformed. */
export function parseHexId(p: usize, out: usize): bool {
  for (let i: usize = 0; i < <usize>ID_LEN; i++) {
    const hi = hexNibble(load<u8>(p + 2 * i));
    const lo = hexNibble(load<u8>(p + 2 * i + 1));
    if (hi < 0 || lo < 0) return false;
    store<u8>(out + i, <u8>((hi << 4) | lo));
  }
  return true;
}

// Id comparisons are the store's (one definition for every part).
export { idEqual, idIsZero };

// ---------------------------------------------------------------- commits

// "tree <64>\n" then up to MAX_PARENTS+1 "parent <64>\n" lines: enough to see
// the tree, every parent sync accepts, and whether there is one too many.
const HEAD_MAX: i32 = 70 + 72 * (MAX_PARENTS + 1);
const headBuf = memory.data(HEAD_MAX);

/** A commit's tree and parents (Git commit format: header lines in this order). */
export class CommitHead {
  tree: usize = heap.alloc(ID_LEN);
  parents: usize = heap.alloc(ID_LEN * MAX_PARENTS);
  nParents: i32 = 0;

  dispose(): void {
    heap.free(this.tree);
    heap.free(this.parents);
  }

  parent(i: i32): usize {
    return this.parents + <usize>(i * ID_LEN);
  }

  /** Reads the header of commit `id`; E_CORRUPT if it is not a commit, E_UNSUPPORTED past MAX_PARENTS. */
  read(src: ObjectSource, id: usize): i32 {
    const t = src.typeOf(id);
    if (t < 0) return t;
    if (t != OBJ_COMMIT) return E_CORRUPT;
    const size = src.sizeOf(id);
    if (size < 0) return size;
    const n = src.readAt(id, 0, headBuf, min(size, HEAD_MAX));
    if (n < 0) return n;
    return this.parse(headBuf, n);
  }

  /** Parses a header from n bytes at p (a whole commit body or its start). */
  parse(p: usize, n: i32): i32 {
    if (n < 70 || !startsWith(p, n, 0, "tree ") || load<u8>(p + 69) != 0x0a) return E_CORRUPT;
    if (!parseHexId(p + 5, this.tree)) return E_CORRUPT;
    let off = 70;
    this.nParents = 0;
    while (off + 72 <= n && startsWith(p, n, off, "parent ")) {
      if (load<u8>(p + <usize>(off + 71)) != 0x0a) return E_CORRUPT;
      if (this.nParents == MAX_PARENTS) return E_UNSUPPORTED;
      if (!parseHexId(p + <usize>(off + 7), this.parent(this.nParents))) return E_CORRUPT;
      this.nParents++;
      off += 72;
    }
    // The next line must be a header Git requires after the parents.
    if (off < n && !startsWith(p, n, off, "author ")) return E_CORRUPT;
    return OK;
  }
}

// ---------------------------------------------------------------- trees

// Tree entry: "<mode> <name>\0<32-byte id>"; mode "40000" is a subtree, the file
// modes are blobs; gitlinks (160000) are refused.
const ENTRY_MAX: i32 = 7 + NAME_MAX + 1 + ID_LEN;

/** Reads a tree's entries one at a time through a fixed buffer (allocated when
 *  the cursor first opens a tree: the deep levels of a walk are rarely reached). */
export class TreeCursor {
  private buf: usize = 0;
  id: usize = heap.alloc(ID_LEN);
  /** Current entry: name at buf+nameOff, child id, whether it is a subtree. */
  nameOff: i32 = 0;
  nameLen: i32 = 0;
  isTree: bool = false;
  child: usize = 0;
  valid: bool = false;
  active: bool = false;
  private size: i32 = 0;
  private off: i32 = 0;
  private src: ObjectSource | null = null;

  get name(): usize {
    return this.buf + <usize>this.nameOff;
  }

  dispose(): void {
    if (this.buf != 0) heap.free(this.buf);
    heap.free(this.id);
  }

  /** Opens tree `id`; an inactive cursor (no tree) when id is 0. */
  open(src: ObjectSource, id: usize): i32 {
    this.valid = false;
    this.active = id != 0;
    this.off = 0;
    this.size = 0;
    if (id == 0) return OK;
    if (this.buf == 0) this.buf = heap.alloc(ENTRY_MAX);
    memory.copy(this.id, id, ID_LEN);
    this.src = src;
    const t = src.typeOf(id);
    if (t < 0) return t;
    if (t != OBJ_TREE) return E_CORRUPT;
    this.size = src.sizeOf(id);
    return this.size < 0 ? this.size : OK;
  }

  /** Moves to the next entry: 1 if there is one, 0 at the end, or an error. */
  next(): i32 {
    this.valid = false;
    if (!this.active || this.off >= this.size) return 0;
    const want = min(ENTRY_MAX, this.size - this.off);
    const n = (this.src as ObjectSource).readAt(this.id, this.off, this.buf, want);
    if (n < 0) return n;
    const used = parseEntry(this.buf, n, this);
    if (used < 0) return used;
    this.off += used;
    this.valid = true;
    return 1;
  }
}

/** Parses one entry at p (n bytes available); returns bytes used or E_CORRUPT. */
function parseEntry(p: usize, n: i32, e: TreeCursor): i32 {
  let i = 0;
  let tree = false;
  // Mode: octal digits; only 40000 (tree) and 100644/100755/120000 (blobs) occur.
  while (i < n && load<u8>(p + <usize>i) != 0x20) {
    const c = load<u8>(p + <usize>i);
    if (c < 0x30 || c > 0x37 || i >= 6) return E_CORRUPT;
    i++;
  }
  if (i == 5 && startsWith(p, n, 0, "40000")) tree = true;
  else if (!(i == 6 && (startsWith(p, n, 0, "100644") || startsWith(p, n, 0, "100755") || startsWith(p, n, 0, "120000")))) return E_CORRUPT;
  i++; // the space
  const nameOff = i;
  while (i < n && load<u8>(p + <usize>i) != 0) i++;
  const nameLen = i - nameOff;
  if (nameLen == 0 || nameLen > NAME_MAX || i + 1 + ID_LEN > n) return E_CORRUPT;
  e.nameOff = nameOff;
  e.nameLen = nameLen;
  e.isTree = tree;
  e.child = p + <usize>(i + 1);
  return i + 1 + ID_LEN;
}

/**
 * Git's tree order: names compared bytewise as if a subtree's name ended in '/'.
 * Negative, 0 or positive like memcmp.
 */
export function cmpEntry(a: usize, aLen: i32, aTree: bool, b: usize, bLen: i32, bTree: bool): i32 {
  const n = min(aLen, bLen);
  const c = memory.compare(a, b, <usize>n);
  if (c != 0) return c;
  const ca: i32 = aLen > n ? load<u8>(a + <usize>n) : aTree ? 0x2f : 0;
  const cb: i32 = bLen > n ? load<u8>(b + <usize>n) : bTree ? 0x2f : 0;
  return ca - cb;
}

/** Compares two cursors' current entries; an invalid cursor sorts last. */
export function cmpCursor(a: TreeCursor, b: TreeCursor): i32 {
  if (!a.valid) return b.valid ? 1 : 0;
  if (!b.valid) return -1;
  return cmpEntry(a.name, a.nameLen, a.isTree, b.name, b.nameLen, b.isTree);
}

/** Same name, same kind and same id. */
export function sameEntry(a: TreeCursor, b: TreeCursor): bool {
  return a.valid && b.valid && cmpCursor(a, b) == 0 && idEqual(a.child, b.child);
}

/** One cursor a tree level, made when a walk first reaches that level: shallow trees never pay for deep ones. */
export class Cursors {
  private c: StaticArray<TreeCursor | null>;

  constructor(levels: i32) {
    this.c = new StaticArray<TreeCursor | null>(levels);
  }

  at(level: i32): TreeCursor {
    let c = this.c[level];
    if (c == null) {
      c = new TreeCursor();
      this.c[level] = c;
    }
    return c;
  }

  dispose(): void {
    for (let i = 0; i < this.c.length; i++) {
      const c = this.c[i];
      if (c != null) c.dispose();
      this.c[i] = null;
    }
  }
}
