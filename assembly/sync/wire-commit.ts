// The compact wire form of a commit (docs/sync.md "Commit records"): the
// commit without what the receiver can rebuild byte for byte. Ids go as raw
// bytes instead of hex, the committer is left out when it repeats the author,
// and the SSH signature header goes as its 64-byte Ed25519 signature: the rest
// of the armor is fixed once the device key is known, and the gateway knows it
// from the certificate. The receiver rebuilds the Git text and hashes it, so an
// id still comes from the bytes; a sender that cannot guarantee the exact
// rebuild (any other header, upper-case hex, a differently written signature)
// sends the commit whole.
//
// Layout: flags u8 (bits 0-3: parents; WIRE_SAME_COMMITTER; WIRE_SIGNED)
//   | tree[32] | parent[32] each | authorLen u8 | author
//   | committerLen u8 | committer   (unless WIRE_SAME_COMMITTER)
//   | sig[64]                       (WIRE_SIGNED)
//   | message (the rest)
import { E_AUTH, E_PROTO } from "../abi/errors";
import { COMMIT_SIG_HEADER_LEN, commitSigHeader, commitSigHeaderSig } from "../identity/commit-sign";
import { ID_LEN } from "../store/backend";
import { startsWith, writeAscii, writeHex } from "../store/buf";
import { parseHexId } from "./gitobj";

/** The OBJS record type of a compact commit (types 1–3 are Git objects sent whole). */
export const REC_COMMIT_WIRE: i32 = 4;
export const WIRE_SAME_COMMITTER: u8 = 0x10;
export const WIRE_SIGNED: u8 = 0x20;
const WIRE_PARENTS: i32 = 15;
/** Longest author or committer value a compact commit carries (a u8 length). */
const LINE_MAX: i32 = 255;

const sig = memory.data(64);

/** Offset of the '\n' ending the line that starts at off, or -1. */
function lineEnd(p: usize, n: i32, off: i32): i32 {
  for (let i = off; i < n; i++) if (load<u8>(p + <usize>i) == 0x0a) return i;
  return -1;
}

/**
 * Rewrites commit [p, p+n) in place into its compact form and returns that
 * length, or 0 (bytes untouched) when the commit has a shape the receiver could
 * not rebuild exactly. Every write lands at or before what was already read.
 */
export function packCommit(p: usize, n: i32): i32 {
  // Pass 1, read only: the shape.
  if (n < 70 || !startsWith(p, n, 0, "tree ") || load<u8>(p + 69) != 0x0a || !parseHexId(p + 5, sig)) return 0;
  let off = 70;
  let np = 0;
  while (startsWith(p, n, off, "parent ")) {
    if (np == WIRE_PARENTS || off + 72 > n || load<u8>(p + <usize>(off + 71)) != 0x0a) return 0;
    if (!parseHexId(p + <usize>(off + 7), sig)) return 0;
    np++;
    off += 72;
  }
  if (!startsWith(p, n, off, "author ")) return 0;
  const aAt = off + 7;
  const aEnd = lineEnd(p, n, aAt);
  if (aEnd < 0 || aEnd - aAt > LINE_MAX) return 0;
  if (!startsWith(p, n, aEnd + 1, "committer ")) return 0;
  const cAt = aEnd + 11;
  const cEnd = lineEnd(p, n, cAt);
  if (cEnd < 0 || cEnd - cAt > LINE_MAX) return 0;
  const aLen = aEnd - aAt;
  const cLen = cEnd - cAt;
  let flags = <u8>np;
  if (aLen == cLen && memory.compare(p + <usize>aAt, p + <usize>cAt, <usize>aLen) == 0) flags |= WIRE_SAME_COMMITTER;
  off = cEnd + 1;
  if (off < n && load<u8>(p + <usize>off) != 0x0a) {
    if (!commitSigHeaderSig(p + <usize>off, min(n - off, COMMIT_SIG_HEADER_LEN), sig)) return 0;
    off += COMMIT_SIG_HEADER_LEN;
    flags |= WIRE_SIGNED;
  }
  if (off >= n || load<u8>(p + <usize>off) != 0x0a) return 0;
  const mAt = off + 1;

  // Pass 2: the output position stays behind every input position still to read.
  let o = 1;
  for (let k = 0; k <= np; k++) {
    parseHexId(p + <usize>(k == 0 ? 5 : 70 + 72 * (k - 1) + 7), p + <usize>o);
    o += ID_LEN;
  }
  store<u8>(p + <usize>o, <u8>aLen);
  memory.copy(p + <usize>(o + 1), p + <usize>aAt, <usize>aLen);
  o += 1 + aLen;
  if ((flags & WIRE_SAME_COMMITTER) == 0) {
    store<u8>(p + <usize>o, <u8>cLen);
    memory.copy(p + <usize>(o + 1), p + <usize>cAt, <usize>cLen);
    o += 1 + cLen;
  }
  if (flags & WIRE_SIGNED) {
    memory.copy(p + <usize>o, sig, 64);
    o += 64;
  }
  memory.copy(p + <usize>o, p + <usize>mAt, <usize>(n - mAt));
  o += n - mAt;
  store<u8>(p, flags);
  return o;
}

// Fields of the compact commit parsed last (offsets into it).
let wParents = 0;
let wAuthorAt = 0;
let wAuthorLen = 0;
let wCommitterAt = 0;
let wCommitterLen = 0;
let wSigAt = -1;
let wMessageAt = 0;

/** Reads a u8-length line value at off; its end, or E_PROTO if it overruns or holds a newline. */
function lineField(p: usize, n: i32, off: i32): i32 {
  if (off >= n) return E_PROTO;
  const len = <i32>load<u8>(p + <usize>off);
  if (off + 1 + len > n) return E_PROTO;
  for (let i = 0; i < len; i++) if (load<u8>(p + <usize>(off + 1 + i)) == 0x0a) return E_PROTO;
  return off + 1 + len;
}

/** Parses compact commit [p, p+n); the length of the Git text it stands for, or E_PROTO. */
export function unpackedLen(p: usize, n: i32): i32 {
  if (n < 1 + ID_LEN) return E_PROTO;
  const flags = load<u8>(p);
  if ((flags & ~(<u8>WIRE_PARENTS | WIRE_SAME_COMMITTER | WIRE_SIGNED)) != 0) return E_PROTO;
  wParents = <i32>(flags & <u8>WIRE_PARENTS);
  let off = 1 + ID_LEN * (1 + wParents);
  wAuthorAt = off + 1;
  off = lineField(p, n, off);
  if (off < 0) return off;
  wAuthorLen = off - wAuthorAt;
  wCommitterAt = wAuthorAt;
  if ((flags & WIRE_SAME_COMMITTER) == 0) {
    wCommitterAt = off + 1;
    off = lineField(p, n, off);
    if (off < 0) return off;
  }
  wCommitterLen = (flags & WIRE_SAME_COMMITTER) != 0 ? wAuthorLen : off - wCommitterAt;
  wSigAt = -1;
  if (flags & WIRE_SIGNED) {
    if (off + 64 > n) return E_PROTO;
    wSigAt = off;
    off += 64;
  }
  wMessageAt = off;
  const sigLen = wSigAt >= 0 ? COMMIT_SIG_HEADER_LEN : 0;
  return 70 + 72 * wParents + 8 + wAuthorLen + 11 + wCommitterLen + sigLen + 1 + (n - off);
}

/**
 * Writes the Git text of compact commit [p, p+n) to out (unpackedLen bytes,
 * not overlapping p). A signed one takes its armor from pk32, the key the
 * session checks signatures with (0: none, E_AUTH). Returns the length or an error.
 */
export function unpackCommit(p: usize, n: i32, pk32: usize, out: usize): i32 {
  const len = unpackedLen(p, n);
  if (len < 0) return len;
  if (wSigAt >= 0 && pk32 == 0) return E_AUTH;
  let o = writeAscii(out, "tree ");
  for (let k = 0; k <= wParents; k++) {
    if (k > 0) o = writeAscii(o, "parent ");
    writeHex(o, p + <usize>(1 + ID_LEN * k), ID_LEN);
    store<u8>(o + 2 * <usize>ID_LEN, 0x0a);
    o += 2 * <usize>ID_LEN + 1;
  }
  o = putLine(writeAscii(o, "author "), p + <usize>wAuthorAt, wAuthorLen);
  o = putLine(writeAscii(o, "committer "), p + <usize>wCommitterAt, wCommitterLen);
  if (wSigAt >= 0) o = commitSigHeader(o, pk32, p + <usize>wSigAt);
  store<u8>(o, 0x0a);
  memory.copy(o + 1, p + <usize>wMessageAt, <usize>(n - wMessageAt));
  return len;
}

function putLine(o: usize, src: usize, n: i32): usize {
  memory.copy(o, src, <usize>n);
  store<u8>(o + <usize>n, 0x0a);
  return o + <usize>n + 1;
}
