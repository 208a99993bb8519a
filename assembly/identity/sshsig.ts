// SSH signatures (OpenSSH PROTOCOL.sshsig) with Ed25519, as `ssh-keygen -Y sign`
// and `git commit -S` (gpg.format=ssh) make them. Sign and verify work in fixed
// buffers; the message is hashed in place and never copied.
//
// Blob (PROTOCOL.sshsig §"Blob format"), SSH wire strings (RFC 4251 §5):
//   byte[6] "SSHSIG" | uint32 1 | string publickey | string namespace
//   | string reserved | string hash_algorithm | string signature
// Signed data (§"Signed Data"):
//   byte[6] "SSHSIG" | string namespace | string reserved | string hash_algorithm
//   | string H(message)
// publickey = string "ssh-ed25519" | string pk32 (RFC 8709 §4);
// signature = string "ssh-ed25519" | string sig64 (RFC 8709 §6).
// Armor: "-----BEGIN SSH SIGNATURE-----\n", base64 (RFC 4648 §4) wrapped at 70
// columns, "-----END SSH SIGNATURE-----\n" (sshsig.c, SSHSIG_ARMOR_*).
import { E_AUTH, E_CORRUPT, E_LIMIT, E_UNSUPPORTED, OK } from "../abi/errors";
import { ed25519Sign, ed25519Verify } from "../crypto/ed25519";
import { Sha256 } from "../crypto/sha256";
import { Sha512 } from "../crypto/sha512";
import { writeAscii } from "../store/buf";

/** Namespace this build signs in: git's (`ssh-keygen -Y sign -n git`). */
const NAMESPACE = "git";
const HASH_SHA512 = "sha512";
const HASH_SHA256 = "sha256";
const KEY_TYPE = "ssh-ed25519";

/** Bytes of an Ed25519 SSHSIG blob with namespace "git", reserved "", sha512:
 *  6 + 4 + (4 + 51) + (4 + 3) + 4 + (4 + 6) + (4 + 83). */
export const SSHSIG_BLOB_LEN: i32 = 173;
const WRAP: i32 = 70;
const BEGIN = "-----BEGIN SSH SIGNATURE-----";
const END = "-----END SSH SIGNATURE-----";
/** Bytes of the armored signature, trailing newline included (ssh-keygen's .sig
 *  file): BEGIN + 1, 232 base64 characters (4 * ceil(173 / 3)) in 4 lines of at
 *  most 70, END + 1 = 30 + 236 + 28. */
export const SSHSIG_ARMOR_LEN: i32 = 294;

/** Bound on a parsed blob (a signature from elsewhere may carry a longer reserved field). */
const BLOB_MAX: i32 = 512;
/** Bound on namespace + reserved + hash name inside the signed data. */
const SIGNED_FIELDS_MAX: i32 = 128;

const blob = memory.data(BLOB_MAX);
const signed = memory.data(6 + 16 + SIGNED_FIELDS_MAX + 64);
const digest = memory.data(64);
const sig = memory.data(64);
const sha512 = new Sha512();
const sha256 = new Sha256();

// ---------------------------------------------------------------- wire strings

@inline function putU32(p: usize, v: u32): void {
  store<u8>(p, <u8>(v >>> 24));
  store<u8>(p + 1, <u8>(v >>> 16));
  store<u8>(p + 2, <u8>(v >>> 8));
  store<u8>(p + 3, <u8>v);
}

@inline function getU32(p: usize): u32 {
  return (<u32>load<u8>(p) << 24) | (<u32>load<u8>(p + 1) << 16) | (<u32>load<u8>(p + 2) << 8) | <u32>load<u8>(p + 3);
}

/** Writes an SSH string holding ASCII `s`; returns the next position. */
function putStr(p: usize, s: string): usize {
  putU32(p, <u32>s.length);
  return writeAscii(p + 4, s);
}

/** Writes an SSH string holding [src, src+n); returns the next position. */
function putBytes(p: usize, src: usize, n: i32): usize {
  putU32(p, <u32>n);
  memory.copy(p + 4, src, <usize>n);
  return p + 4 + <usize>n;
}

function equalsAscii(p: usize, n: i32, s: string): bool {
  if (n != s.length) return false;
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != <u8>s.charCodeAt(i)) return false;
  return true;
}

/** A bounded reader over SSH wire data: each string() checks its length first. */
class Wire {
  pos: usize = 0;
  end: usize = 0;
  /** Start and length of the last string read. */
  at: usize = 0;
  len: i32 = 0;

  reset(p: usize, n: i32): void {
    this.pos = p;
    this.end = p + <usize>n;
  }

  /** Reads one SSH string; false if it runs past the end. */
  string(): bool {
    if (this.end - this.pos < 4) return false;
    const n = getU32(this.pos);
    if (<u64>n > <u64>(this.end - this.pos - 4)) return false;
    this.at = this.pos + 4;
    this.len = <i32>n;
    this.pos = this.at + <usize>n;
    return true;
  }

  /** Reads `s` as raw bytes (the magic); false if they differ. */
  literal(s: string): bool {
    if (<usize>(this.end - this.pos) < <usize>s.length || !equalsAscii(this.pos, s.length, s)) return false;
    this.pos += <usize>s.length;
    return true;
  }
}

const outer = new Wire();
const inner = new Wire();

// ---------------------------------------------------------------- base64

@inline function b64Char(v: u32): u8 {
  // RFC 4648 §4 alphabet, computed rather than looked up.
  if (v < 26) return <u8>(65 + v);
  if (v < 52) return <u8>(71 + v);
  if (v < 62) return <u8>(v - 4);
  return v == 62 ? 0x2b : 0x2f;
}

/** The 6-bit value of a base64 character, or -1. */
@inline function b64Value(c: u32): i32 {
  if (c >= 65 && c <= 90) return <i32>c - 65;
  if (c >= 97 && c <= 122) return <i32>c - 71;
  if (c >= 48 && c <= 57) return <i32>c + 4;
  if (c == 0x2b) return 62;
  if (c == 0x2f) return 63;
  return -1;
}

/** Base64 of [src, src+n) with a newline every WRAP characters; returns the next position. */
function b64Wrapped(out: usize, src: usize, n: i32): usize {
  let col = 0;
  for (let i = 0; i < n; i += 3) {
    const rest = n - i;
    const b0 = <u32>load<u8>(src + <usize>i);
    const b1 = rest > 1 ? <u32>load<u8>(src + <usize>i + 1) : 0;
    const b2 = rest > 2 ? <u32>load<u8>(src + <usize>i + 2) : 0;
    const quad = (b0 << 16) | (b1 << 8) | b2;
    for (let k = 0; k < 4; k++) {
      const c = k <= rest ? b64Char((quad >>> (18 - 6 * k)) & 63) : <u8>0x3d;
      store<u8>(out, c);
      out++;
      if (++col == WRAP) {
        store<u8>(out, 0x0a);
        out++;
        col = 0;
      }
    }
  }
  if (col != 0) {
    store<u8>(out, 0x0a);
    out++;
  }
  return out;
}

/**
 * Decodes base64 in [src, src+n) into `blob`, skipping line breaks and the single
 * space git puts at the start of a header's continuation lines. Returns the decoded
 * length, E_CORRUPT for other characters or bad padding, E_LIMIT past BLOB_MAX.
 */
function b64Decode(src: usize, n: i32): i32 {
  let acc: u32 = 0;
  let bits = 0;
  let len = 0;
  let pad = 0;
  for (let i = 0; i < n; i++) {
    const c = <u32>load<u8>(src + <usize>i);
    if (c == 0x0a || c == 0x20) continue;
    if (c == 0x3d) {
      pad++;
      continue;
    }
    const v = b64Value(c);
    if (v < 0 || pad > 0) return E_CORRUPT;
    acc = (acc << 6) | <u32>v;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      if (len >= BLOB_MAX) return E_LIMIT;
      store<u8>(blob + <usize>len, <u8>(acc >>> bits));
      len++;
    }
  }
  // RFC 4648 §3.5: leftover bits must be zero and match the padding.
  if (pad > 2 || (acc & ((1 << bits) - 1)) != 0) return E_CORRUPT;
  if ((bits == 0 && pad != 0) || (bits == 2 && pad != 1) || (bits == 4 && pad != 2)) return E_CORRUPT;
  return len;
}

// ---------------------------------------------------------------- sign

/** Builds the signed-data preamble around `h` (hLen bytes); returns its length. */
function signedData(ns: usize, nsLen: i32, res: usize, resLen: i32, alg: usize, algLen: i32, h: usize, hLen: i32): i32 {
  let p = writeAscii(signed, "SSHSIG");
  p = putBytes(p, ns, nsLen);
  p = putBytes(p, res, resLen);
  p = putBytes(p, alg, algLen);
  p = putBytes(p, h, hLen);
  return <i32>(p - signed);
}

/**
 * Signs [msg, msg+n) and writes the armored signature (SSHSIG_ARMOR_LEN bytes, as
 * ssh-keygen writes its .sig file) to out. sk64 is the NaCl secret key (seed ‖
 * public key). Hash sha512, namespace "git", reserved "".
 */
export function sshsigSign(out: usize, msg: usize, n: i32, sk64: usize): void {
  sha512.reset();
  sha512.update(msg, n);
  sha512.final(digest);
  let p = writeAscii(signed, "SSHSIG");
  p = putStr(p, NAMESPACE);
  p = putStr(p, "");
  p = putStr(p, HASH_SHA512);
  p = putBytes(p, digest, 64);
  ed25519Sign(sig, signed, <i32>(p - signed), sk64);
  sshsigArmor(out, sk64 + 32, sig);
}

/**
 * Writes the armored signature (SSHSIG_ARMOR_LEN bytes) that sshsigSign makes
 * for public key pk32 and Ed25519 signature sig64: everything in it but those
 * 96 bytes is fixed, which is what lets sync send a signed commit as its raw
 * signature (assembly/sync/wire-commit.ts).
 */
export function sshsigArmor(out: usize, pk32: usize, sig64: usize): void {
  let p = writeAscii(blob, "SSHSIG");
  putU32(p, 1);
  putU32(p + 4, 4 + KEY_TYPE.length + 4 + 32);
  p = putStr(p + 8, KEY_TYPE);
  p = putBytes(p, pk32, 32);
  p = putStr(p, NAMESPACE);
  p = putStr(p, "");
  p = putStr(p, HASH_SHA512);
  putU32(p, 4 + KEY_TYPE.length + 4 + 64);
  p = putStr(p + 4, KEY_TYPE);
  p = putBytes(p, sig64, 64);

  let o = writeAscii(out, BEGIN);
  store<u8>(o, 0x0a);
  o = b64Wrapped(o + 1, blob, <i32>(p - blob));
  o = writeAscii(o, END);
  store<u8>(o, 0x0a);
}

/** Where the public key and the signature sit in a blob sshsigArmor writes. */
const BLOB_PK_AT: i32 = 6 + 4 + 4 + 4 + KEY_TYPE.length + 4;
const BLOB_SIG_AT: i32 = SSHSIG_BLOB_LEN - 64;

/**
 * The public key and signature of the armored signature [armor, armor+n) (as
 * git stores it in a header) if it decodes to a blob of sshsigArmor's length:
 * OK, or E_CORRUPT. Callers that need the exact form compare sshsigArmor's
 * output of the two with the original.
 */
export function sshsigKeyAndSig(armor: usize, n: i32, pkOut: usize, sigOut: usize): i32 {
  const len = parseArmor(armor, n);
  if (len != SSHSIG_BLOB_LEN) return E_CORRUPT;
  memory.copy(pkOut, blob + <usize>BLOB_PK_AT, 32);
  memory.copy(sigOut, blob + <usize>BLOB_SIG_AT, 64);
  return OK;
}

// ---------------------------------------------------------------- verify

/** Starts hashing a message for verification with the algorithm the signature names. */
function hashFor(alg: usize, algLen: i32): i32 {
  if (equalsAscii(alg, algLen, HASH_SHA512)) return 64;
  if (equalsAscii(alg, algLen, HASH_SHA256)) return 32;
  return E_UNSUPPORTED;
}

/**
 * Parses the armored signature in [armor, armor+n) into `blob` and checks its
 * structure: OK-length of the blob, or E_CORRUPT / E_LIMIT / E_UNSUPPORTED.
 * Accepts the armor as ssh-keygen writes it and as git stores it in a header
 * (continuation lines starting with a space).
 */
function parseArmor(armor: usize, n: i32): i32 {
  const b = BEGIN.length;
  const e = END.length;
  // Trailing line breaks are not part of the armor.
  while (n > 0 && load<u8>(armor + <usize>(n - 1)) == 0x0a) n--;
  if (n < b + e || !equalsAscii(armor, b, BEGIN) || !equalsAscii(armor + <usize>(n - e), e, END)) return E_CORRUPT;
  return b64Decode(armor + <usize>b, n - b - e);
}

/** Checks the parsed blob (len bytes in `blob`) against digest h and key pk32. */
function verifyBlob(len: i32, pk32: usize, h: usize, hLen: i32): i32 {
  outer.reset(blob, len);
  if (!outer.literal("SSHSIG") || outer.end - outer.pos < 4 || getU32(outer.pos) != 1) return E_CORRUPT;
  outer.pos += 4;
  if (!outer.string()) return E_CORRUPT;
  inner.reset(outer.at, outer.len);
  if (!inner.string()) return E_CORRUPT;
  if (!equalsAscii(inner.at, inner.len, KEY_TYPE)) return E_UNSUPPORTED;
  if (!inner.string() || inner.len != 32 || inner.pos != inner.end) return E_CORRUPT;
  const key = inner.at;
  if (!outer.string()) return E_CORRUPT;
  const ns = outer.at;
  const nsLen = outer.len;
  if (!outer.string()) return E_CORRUPT;
  const res = outer.at;
  const resLen = outer.len;
  if (!outer.string()) return E_CORRUPT;
  const alg = outer.at;
  const algLen = outer.len;
  if (!outer.string() || outer.pos != outer.end) return E_CORRUPT;
  inner.reset(outer.at, outer.len);
  if (!inner.string() || !equalsAscii(inner.at, inner.len, KEY_TYPE)) return E_CORRUPT;
  if (!inner.string() || inner.len != 64 || inner.pos != inner.end) return E_CORRUPT;
  const s = inner.at;
  if (nsLen + resLen + algLen > SIGNED_FIELDS_MAX) return E_LIMIT;
  if (hashFor(alg, algLen) != hLen) return E_AUTH;
  // A signature by another key, or for another purpose, does not verify here.
  if (!equalsAscii(ns, nsLen, NAMESPACE)) return E_AUTH;
  for (let i = 0; i < 32; i++) if (load<u8>(key + <usize>i) != load<u8>(pk32 + <usize>i)) return E_AUTH;
  const m = signedData(ns, nsLen, res, resLen, alg, algLen, h, hLen);
  return ed25519Verify(s, signed, m, pk32) == OK ? OK : E_AUTH;
}

/** The hash algorithm the armored signature names: 64 (sha512), 32 (sha256) or an error. */
export function sshsigHashOf(armor: usize, n: i32): i32 {
  const len = parseArmor(armor, n);
  if (len < 0) return len;
  outer.reset(blob, len);
  if (!outer.literal("SSHSIG") || outer.end - outer.pos < 4) return E_CORRUPT;
  outer.pos += 4;
  for (let i = 0; i < 4; i++) if (!outer.string()) return E_CORRUPT;
  return hashFor(outer.at, outer.len);
}

/**
 * Verifies the armored signature [armor, armor+n) over the message made of the
 * byte ranges [a, a+aLen) ‖ [b, b+bLen) (a commit with its signature header cut
 * out is two ranges) with public key pk32. OK, E_AUTH, E_CORRUPT, E_LIMIT or
 * E_UNSUPPORTED.
 */
export function sshsigVerifyRanges(armor: usize, n: i32, a: usize, aLen: i32, b: usize, bLen: i32, pk32: usize): i32 {
  const hLen = sshsigHashOf(armor, n);
  if (hLen < 0) return hLen;
  if (hLen == 64) {
    sha512.reset();
    sha512.update(a, aLen);
    sha512.update(b, bLen);
    sha512.final(digest);
  } else {
    sha256.reset();
    sha256.update(a, aLen);
    sha256.update(b, bLen);
    sha256.final(digest);
  }
  const len = parseArmor(armor, n);
  if (len < 0) return len;
  return verifyBlob(len, pk32, digest, hLen);
}
