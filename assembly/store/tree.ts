// Git tree objects: entries "<mode> <name>\0<32-byte id>", sorted by Git's order
// (names compared as bytes, a subtree's name as if followed by '/'). Read as a
// stream through a fixed window, so a tree of any size costs TREE_WINDOW bytes.
import { E_CORRUPT, E_NOTFOUND, E_UNSUPPORTED, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_TREE } from "./backend";
import { Buf } from "./buf";

export const KIND_NONE: i32 = 0;
export const KIND_VALUE: i32 = 1;
export const KIND_TREE: i32 = 2;

/** Longest entry name we read back: Git's own limit is 4096, ours (writing) SEGMENT_MAX. */
const NAME_READ_MAX: i32 = 255;
// mode (6) + ' ' + name + NUL + id: the largest entry must fit in the window.
const ENTRY_MAX: i32 = 6 + 1 + NAME_READ_MAX + 1 + ID_LEN;
const TREE_WINDOW: i32 = 320;

/** Git's tree order: byte order of the names, a tree's name taken as name + "/". */
export function gitCompare(a: usize, aLen: i32, aTree: bool, b: usize, bLen: i32, bTree: bool): i32 {
  const n = min(aLen, bLen);
  const c = memory.compare(a, b, <usize>n);
  if (c != 0) return c;
  const ca: i32 = aLen > n ? <i32>load<u8>(a + <usize>n) : aTree ? 0x2f : 0;
  const cb: i32 = bLen > n ? <i32>load<u8>(b + <usize>n) : bTree ? 0x2f : 0;
  return ca - cb;
}

/** Appends one entry; mode 40000 for a subtree, 100644 for a value (git fsck --strict). */
export function writeEntry(out: Buf, kind: i32, name: usize, nameLen: i32, id: usize): void {
  out.ascii(kind == KIND_TREE ? "40000 " : "100644 ");
  out.push(name, nameLen);
  out.byte(0);
  out.push(id, ID_LEN);
}

export class TreeReader {
  backend: Backend | null = null;
  readonly id: usize = heap.alloc(ID_LEN);
  private readonly win: usize = heap.alloc(TREE_WINDOW);
  private size: i32 = 0;
  /** Object offset of win[0]. */
  private base: i32 = 0;
  private pos: i32 = 0;
  private end: i32 = 0;

  // The current entry (valid after next() returned 1, until the next call).
  kind: i32 = KIND_NONE;
  name: usize = 0;
  nameLen: i32 = 0;
  entryId: usize = 0;
  /** The entry's raw bytes, for copying it unchanged (keeps modes such as 100755). */
  raw: usize = 0;
  rawLen: i32 = 0;

  /** Opens tree `id`; a null id reads as the empty tree. */
  open(backend: Backend, id: usize): i32 {
    this.backend = backend;
    this.size = 0;
    this.base = 0;
    this.pos = 0;
    this.end = 0;
    this.kind = KIND_NONE;
    if (id == 0) return OK;
    memory.copy(this.id, id, ID_LEN);
    const t = backend.typeOf(id);
    if (t < 0) return t;
    if (t != OBJ_TREE) return E_CORRUPT;
    const s = backend.sizeOf(id);
    if (s < 0) return s;
    this.size = s;
    return OK;
  }

  /** 1 with the next entry, 0 at the end, or a negative error. */
  next(): i32 {
    const b = this.backend!;
    if (this.base + this.pos >= this.size) return 0;
    if (this.end - this.pos < ENTRY_MAX && this.base + this.end < this.size) {
      const keep = this.end - this.pos;
      memory.copy(this.win, this.win + <usize>this.pos, <usize>keep);
      this.base += this.pos;
      this.pos = 0;
      const want = min(TREE_WINDOW - keep, this.size - this.base - keep);
      const got = b.readAt(this.id, this.base + keep, this.win + <usize>keep, want);
      if (got < 0) return got;
      if (got != want) return E_CORRUPT;
      this.end = keep + got;
    }
    const p = this.win + <usize>this.pos;
    const avail = this.end - this.pos;
    let i = 0;
    let mode = 0;
    while (i < avail && i < 7) {
      const c = <i32>load<u8>(p + <usize>i);
      if (c == 0x20) break;
      if (c < 0x30 || c > 0x37) return E_CORRUPT;
      mode = (mode << 3) | (c - 0x30);
      i++;
    }
    if (i == 0 || i >= avail || load<u8>(p + <usize>i) != 0x20) return E_CORRUPT;
    const nameStart = i + 1;
    let j = nameStart;
    while (j < avail && load<u8>(p + <usize>j) != 0) j++;
    if (j >= avail) return j - nameStart > NAME_READ_MAX ? E_UNSUPPORTED : E_CORRUPT;
    if (j == nameStart || j + 1 + ID_LEN > avail) return E_CORRUPT;
    if (mode == 0o40000) this.kind = KIND_TREE;
    else if (mode == 0o100644 || mode == 0o100755 || mode == 0o120000) this.kind = KIND_VALUE;
    else return E_UNSUPPORTED;
    this.name = p + <usize>nameStart;
    this.nameLen = j - nameStart;
    this.entryId = p + <usize>(j + 1);
    this.raw = p;
    this.rawLen = j + 1 + ID_LEN;
    this.pos += this.rawLen;
    return 1;
  }

  free(): void {
    heap.free(this.id);
    heap.free(this.win);
  }
}

/**
 * Finds entry `name` in tree `treeId` (null: empty tree). Returns its kind and
 * writes its id, or E_NOTFOUND. Stops as soon as the stream passes the name.
 */
export function treeFind(backend: Backend, r: TreeReader, treeId: usize, name: usize, nameLen: i32, idOut: usize): i32 {
  let rc = r.open(backend, treeId);
  if (rc < 0) return rc;
  while ((rc = r.next()) == 1) {
    if (r.nameLen == nameLen && memory.compare(r.name, name, <usize>nameLen) == 0) {
      memory.copy(idOut, r.entryId, ID_LEN);
      return r.kind;
    }
    // Both possible keys of `name` ("name" and "name/") are behind us.
    if (gitCompare(r.name, r.nameLen, r.kind == KIND_TREE, name, nameLen, true) > 0) return E_NOTFOUND;
  }
  return rc < 0 ? rc : E_NOTFOUND;
}

/**
 * Resolves a validated path below tree `root`: its kind, and its id in idOut.
 * An empty path is the root tree itself.
 */
export function resolvePath(backend: Backend, r: TreeReader, root: usize, path: usize, n: i32, idOut: usize): i32 {
  memory.copy(idOut, root, ID_LEN);
  let kind = KIND_TREE;
  let i = 0;
  while (i < n) {
    if (kind != KIND_TREE) return E_NOTFOUND;
    let j = i;
    while (j < n && load<u8>(path + <usize>j) != 0x2f) j++;
    kind = treeFind(backend, r, idOut, path + <usize>i, j - i, idOut);
    if (kind < 0) return kind;
    i = j + 1;
  }
  return kind;
}
