// Signed Git commits: the SSH signature header exactly as `git commit -S` with
// gpg.format=ssh writes it in a SHA-256 repository, and its verification.
//
// Rules (git commit.c do_sign_commit / parse_buffer_signed_by_header, git 2.39):
// - The signed bytes are the commit object without its signature header.
// - The header goes after the last header line, before the blank line that starts
//   the message. Its value is the armored SSHSIG; every line after the first is a
//   continuation line starting with one space.
// - In a SHA-256 repository the header is `gpgsig-sha256`; git ignores a `gpgsig`
//   header there (`git verify-commit` then reports no signature), so we sign with,
//   and only accept, `gpgsig-sha256`.
import { E_CORRUPT, E_INVAL, E_NOMEM, E_NOTFOUND, OK } from "../abi/errors";
import { startsWith } from "../store/buf";
import { SSHSIG_ARMOR_LEN, sshsigArmor, sshsigKeyAndSig, sshsigSign, sshsigVerifyRanges } from "./sshsig";

const HEADER = "gpgsig-sha256 ";
const OTHER_HEADER = "gpgsig ";
/** Armor lines: BEGIN, the base64 lines, END; all but the first get a leading space. */
const ARMOR_LINES: i32 = 6;
/** Bytes the signature header adds to a commit. */
export const COMMIT_SIG_HEADER_LEN: i32 = HEADER.length + SSHSIG_ARMOR_LEN + ARMOR_LINES - 1;

const armor = memory.data(SSHSIG_ARMOR_LEN);
const keyScratch = memory.data(32);

/** Offset of the blank line that ends the headers (the second '\n' of "\n\n"), or -1. */
function endOfHeaders(c: usize, n: i32): i32 {
  for (let i = 1; i < n; i++) if (load<u8>(c + <usize>i) == 0x0a && load<u8>(c + <usize>(i - 1)) == 0x0a) return i;
  return -1;
}

/**
 * Finds the header line starting with `name` before offset eoh; returns its
 * offset, -1 if absent, E_CORRUPT if it appears twice.
 */
function findHeader(c: usize, eoh: i32, name: string): i32 {
  let found = -1;
  let line = 0;
  while (line < eoh) {
    if (startsWith(c + <usize>line, eoh - line, 0, name)) {
      if (found >= 0) return E_CORRUPT;
      found = line;
    }
    while (line < eoh && load<u8>(c + <usize>line) != 0x0a) line++;
    line++;
  }
  return found;
}

/**
 * Writes the commit [commit, commit+n) with a `gpgsig-sha256` SSH signature header
 * by secret key sk64 (seed ‖ public key) to out (cap bytes; out must not overlap
 * the commit). Returns the signed commit's length: n + COMMIT_SIG_HEADER_LEN.
 * E_CORRUPT when there is no blank line after the headers, E_INVAL when the
 * commit is already signed, E_NOMEM when cap is too small.
 */
export function commitSign(out: usize, cap: i32, commit: usize, n: i32, sk64: usize): i32 {
  if (n <= 0) return E_CORRUPT;
  const eoh = endOfHeaders(commit, n);
  if (eoh < 0) return E_CORRUPT;
  if (findHeader(commit, eoh, HEADER) != -1 || findHeader(commit, eoh, OTHER_HEADER) != -1) return E_INVAL;
  if (cap < n || cap - n < COMMIT_SIG_HEADER_LEN) return E_NOMEM;
  sshsigSign(armor, commit, n, sk64);

  memory.copy(out, commit, <usize>eoh);
  const o = putHeader(out + <usize>eoh, false);
  memory.copy(o, commit + <usize>eoh, <usize>(n - eoh));
  return n + COMMIT_SIG_HEADER_LEN;
}

/**
 * Writes the header line(s) for the armor in `armor` at o: name, armor with
 * continuation spaces, final newline; returns the next position. With check,
 * compares the bytes at o instead and returns 0 at the first difference.
 */
function putHeader(o: usize, check: bool): usize {
  for (let i = 0; i < HEADER.length; i++) {
    if (!emit(o, <u8>HEADER.charCodeAt(i), check)) return 0;
    o++;
  }
  for (let i = 0; i < SSHSIG_ARMOR_LEN; i++) {
    const ch = load<u8>(armor + <usize>i);
    if (!emit(o, ch, check)) return 0;
    o++;
    if (ch == 0x0a && i + 1 < SSHSIG_ARMOR_LEN) {
      if (!emit(o, 0x20, check)) return 0;
      o++;
    }
  }
  return o;
}

@inline function emit(o: usize, b: u8, check: bool): bool {
  if (check) return load<u8>(o) == b;
  store<u8>(o, b);
  return true;
}

/**
 * Writes the signature header commitSign inserts for public key pk32 and
 * Ed25519 signature sig64 (COMMIT_SIG_HEADER_LEN bytes); returns the next position.
 */
export function commitSigHeader(o: usize, pk32: usize, sig64: usize): usize {
  sshsigArmor(armor, pk32, sig64);
  return putHeader(o, false);
}

/**
 * Whether [p, p+n) is exactly a header commitSigHeader writes (any key); if so
 * its Ed25519 signature is in sig64. Byte for byte: a header that is valid but
 * written differently (another wrap, namespace or hash) is not.
 */
export function commitSigHeaderSig(p: usize, n: i32, sig64: usize): bool {
  if (n != COMMIT_SIG_HEADER_LEN || !startsWith(p, n, 0, HEADER)) return false;
  if (sshsigKeyAndSig(p + <usize>HEADER.length, n - HEADER.length, keyScratch, sig64) != OK) return false;
  sshsigArmor(armor, keyScratch, sig64);
  return putHeader(p, true) != 0;
}

/**
 * Verifies the `gpgsig-sha256` SSH signature of the commit [commit, commit+n)
 * against public key pk32: OK, E_NOTFOUND (unsigned), E_AUTH (wrong key,
 * namespace or signature), E_CORRUPT (malformed commit or signature), E_LIMIT or
 * E_UNSUPPORTED (a valid signature of a kind this build does not check).
 */
export function commitVerify(commit: usize, n: i32, pk32: usize): i32 {
  if (n <= 0) return E_CORRUPT;
  const eoh = endOfHeaders(commit, n);
  if (eoh < 0) return E_CORRUPT;
  const start = findHeader(commit, eoh, HEADER);
  if (start == -1) return E_NOTFOUND;
  if (start < 0) return start;
  // The header runs to the end of the first line not followed by a continuation line.
  let end = start;
  do {
    while (end < eoh && load<u8>(commit + <usize>end) != 0x0a) end++;
    end++;
  } while (end < eoh && load<u8>(commit + <usize>end) == 0x20);
  const valueAt = start + HEADER.length;
  return sshsigVerifyRanges(commit + <usize>valueAt, end - valueAt, commit, start, commit + <usize>end, n - end, pk32);
}
