// Git commit objects: header lines "tree", "parent"*, "author", "committer", then
// any other headers (a device's "gpgsig" SSH signature, kept byte for byte), a
// blank line and the message. Parsed as a stream of lines through a fixed buffer.
import { E_CORRUPT, E_INVAL, E_LIMIT, E_UNSUPPORTED, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_COMMIT } from "./backend";
import { Buf, parseHex, startsWith } from "./buf";
import { AUTHOR_MAX, MESSAGE_MAX } from "./limits";

/**
 * Signs commit bodies as a store writes them (provenance: a device's stores sign
 * with its key, docs/provenance.md). The store stays independent of the
 * signature format: it asks for `overhead()` more bytes and stores what `sign`
 * wrote.
 */
export abstract class CommitSigner {
  /** Bytes a signature adds to a commit body. */
  abstract overhead(): i32;
  /** Writes the signed form of [body, body+n) to out (cap bytes, not overlapping); its length or an error. */
  abstract sign(out: usize, cap: i32, body: usize, n: i32): i32;
}

/** Parents a commit we read may have (Git allows octopus merges; ours have <= 2). */
export const PARENTS_MAX: i32 = 8;
const LINE_MAX: i32 = 256;

export class CommitInfo {
  readonly tree: usize = heap.alloc(ID_LEN);
  readonly parents: usize = heap.alloc(ID_LEN * PARENTS_MAX);
  parentCount: i32 = 0;
  /** Committer time, seconds since the epoch (0 when unreadable). */
  time: i64 = 0;
  private readonly line: usize = heap.alloc(LINE_MAX);

  parent(i: i32): usize {
    return this.parents + <usize>(i * ID_LEN);
  }

  /** Reads the tree, parents and committer time of commit `id`. */
  read(backend: Backend, id: usize): i32 {
    const t = backend.typeOf(id);
    if (t < 0) return t;
    if (t != OBJ_COMMIT) return E_CORRUPT;
    const size = backend.sizeOf(id);
    if (size < 0) return size;
    this.parentCount = 0;
    this.time = 0;
    let off = 0;
    let sawTree = false;
    while (off < size) {
      const got = backend.readAt(id, off, this.line, min(LINE_MAX, size - off));
      if (got <= 0) return got < 0 ? got : E_CORRUPT;
      let n = 0;
      while (n < got && load<u8>(this.line + <usize>n) != 0x0a) n++;
      if (n == got && off + got < size) {
        // Longer than our buffer: not a tree/parent/committer line we need.
        if (startsWith(this.line, got, 0, "committer ")) return E_UNSUPPORTED;
        off += got;
        while (off < size) {
          const m = backend.readAt(id, off, this.line, min(LINE_MAX, size - off));
          if (m <= 0) return E_CORRUPT;
          let k = 0;
          while (k < m && load<u8>(this.line + <usize>k) != 0x0a) k++;
          off += k < m ? k + 1 : m;
          if (k < m) break;
        }
        continue;
      }
      off += n + 1;
      if (n == 0) break; // end of the header
      if (!sawTree) {
        if (n != 69 || !startsWith(this.line, n, 0, "tree ") || !parseHex(this.line + 5, ID_LEN, this.tree)) return E_CORRUPT;
        sawTree = true;
      } else if (startsWith(this.line, n, 0, "parent ")) {
        if (n != 71) return E_CORRUPT;
        if (this.parentCount >= PARENTS_MAX) return E_UNSUPPORTED;
        if (!parseHex(this.line + 7, ID_LEN, this.parent(this.parentCount))) return E_CORRUPT;
        this.parentCount++;
      } else if (startsWith(this.line, n, 0, "committer ")) {
        this.time = parseSignatureTime(this.line, n);
        return OK;
      }
    }
    return sawTree ? OK : E_CORRUPT;
  }

  free(): void {
    heap.free(this.tree);
    heap.free(this.parents);
    heap.free(this.line);
  }
}

// "committer Name <email> 1700000000 +0000": the decimal before the last space.
function parseSignatureTime(p: usize, n: i32): i64 {
  let e = n - 1;
  while (e > 0 && load<u8>(p + <usize>e) != 0x20) e--;
  let s = e - 1;
  while (s > 0 && load<u8>(p + <usize>s) != 0x20) s--;
  let v: i64 = 0;
  for (let i = s + 1; i < e; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c < 0x30 || c > 0x39) return 0;
    v = v * 10 + <i64>(c - 0x30);
  }
  return v;
}

/**
 * An identity Git accepts ("Name <email>"): no NUL or newline, exactly one '<'
 * and one '>' with the '>' last, and a space before the '<' (git fsck --strict).
 */
export function validIdentity(p: usize, n: i32): i32 {
  if (n < 3) return E_INVAL;
  if (n > AUTHOR_MAX) return E_LIMIT;
  let lt = -1;
  let gt = -1;
  for (let i = 0; i < n; i++) {
    const c = <i32>load<u8>(p + <usize>i);
    if (c == 0 || c == 0x0a) return E_INVAL;
    if (c == 0x3c) {
      if (lt >= 0) return E_INVAL;
      lt = i;
    } else if (c == 0x3e) {
      if (gt >= 0) return E_INVAL;
      gt = i;
    }
  }
  if (lt < 1 || gt != n - 1 || gt < lt || load<u8>(p + <usize>(lt - 1)) != 0x20) return E_INVAL;
  return OK;
}

/**
 * Extra header lines (e.g. "gpgsig ..." with " "-prefixed continuation lines),
 * carried into the commit byte for byte: each line ends with '\n', none is
 * empty, and none is a tree/parent/author/committer line.
 */
export function validExtraHeaders(p: usize, n: i32): i32 {
  if (n == 0) return OK;
  if (n < 0 || load<u8>(p + <usize>(n - 1)) != 0x0a) return E_INVAL;
  let start = 0;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(p + <usize>i);
    if (c == 0) return E_INVAL;
    if (c != 0x0a) continue;
    if (i == start) return E_INVAL;
    const l = p + <usize>start;
    const len = i - start;
    if (startsWith(l, len, 0, "tree ") || startsWith(l, len, 0, "parent ") || startsWith(l, len, 0, "author ") || startsWith(l, len, 0, "committer "))
      return E_INVAL;
    start = i + 1;
  }
  return OK;
}

/** Writes a commit body into out. Arguments are validated by the caller. */
export function buildCommit(
  out: Buf,
  tree: usize,
  parents: usize,
  parentCount: i32,
  author: usize,
  authorLen: i32,
  timeSec: i64,
  extra: usize,
  extraLen: i32,
  msg: usize,
  msgLen: i32,
): void {
  out.ascii("tree ");
  out.hex(tree, ID_LEN);
  out.byte(0x0a);
  for (let i = 0; i < parentCount; i++) {
    out.ascii("parent ");
    out.hex(parents + <usize>(i * ID_LEN), ID_LEN);
    out.byte(0x0a);
  }
  for (let k = 0; k < 2; k++) {
    out.ascii(k == 0 ? "author " : "committer ");
    out.push(author, authorLen);
    out.byte(0x20);
    out.decimal(timeSec);
    out.ascii(" +0000\n");
  }
  out.push(extra, extraLen);
  out.byte(0x0a);
  out.push(msg, msgLen);
  if (msgLen == 0 || load<u8>(msg + <usize>(msgLen - 1)) != 0x0a) out.byte(0x0a);
}

export function validMessage(p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (n > MESSAGE_MAX) return E_LIMIT;
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) == 0) return E_INVAL;
  return OK;
}
