// Device certificates and revocation lists: COSE_Sign1 (RFC 9052 §4.2, alg EdDSA
// -8, RFC 9053 §2.2) signed by the owner key. Formats in docs/identity.md; the host
// issuer is host/identity/cert.ts. Parsing is strict and canonical (RFC 8949
// §4.2.1): exactly the documented keys, in order, with shortest encodings, so one
// certificate has exactly one byte form. Nothing here allocates or traps.
import { E_AUTH, E_CORRUPT, E_DENIED, E_LIMIT, E_STATE, OK } from "../abi/errors";
import { CBOR_CANONICAL, CborReader, CborWriter } from "../cbor";
import { ed25519Verify } from "../crypto/ed25519";

/** COSE_Sign1_Tagged (RFC 9052 §2); the tag is optional on input. */
export const COSE_SIGN1_TAG: u64 = 18;
export const KIND_CERTIFICATE: u64 = 1;
export const KIND_REVOCATIONS: u64 = 2;

/** Bounds (host/identity/cert.ts LIMITS enforces the same when issuing). */
export const CERT_MAX: i32 = 400;
export const NAME_MAX: i32 = 64;
export const PREFIX_MAX: i32 = 96;
export const PREFIXES_MAX: i32 = 8;
export const REVOKED_MAX: i32 = 64;
/** A revocation list's COSE_Sign1 bytes at most (64 serials of up to 9 bytes). */
export const REVOCATIONS_MAX_BYTES: i32 = 32 + 9 * REVOKED_MAX + 128;

// The protected header bstr contents: {1: -8}.
const PROTECTED = memory.data<u8>([0xa1, 0x01, 0x27]);
const SIGNATURE1 = memory.data<u8>([0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31]); // "Signature1"

// Sig_structure scratch: 1 + 11 + 4 + 1 + 3 + payload (<= the COSE object).
const TBS_CAP: i32 = REVOCATIONS_MAX_BYTES + 32;
// The Sig_structure buffer and the CBOR reader/writer come from the heap on first
// use: a device image that never checks a certificate pays nothing for them
// (the device builds share 128 KiB of memory between every part).
let tbs: usize = 0;
let readerObj: CborReader | null = null;
let writerObj: CborWriter | null = null;

function reader(): CborReader {
  let r = readerObj;
  if (r === null) readerObj = r = new CborReader(0, 0, CBOR_CANONICAL);
  return r;
}

function writer(): CborWriter {
  let w = writerObj;
  if (w === null) {
    tbs = heap.alloc(<usize>TBS_CAP);
    writerObj = w = new CborWriter(tbs, TBS_CAP);
  }
  return w;
}

/** A parsed certificate; pointers point into the bytes it was parsed from. */
export class CertView {
  serial: u64 = 0;
  issuer: usize = 0;
  device: usize = 0;
  name: usize = 0;
  nameLen: i32 = 0;
  notBefore: u64 = 0;
  notAfter: u64 = 0;
  /** write prefixes at [0, nWrite), read prefixes at [PREFIXES_MAX, PREFIXES_MAX + nRead) */
  prefixPtr: StaticArray<u32> = new StaticArray<u32>(2 * PREFIXES_MAX);
  prefixLen: StaticArray<i32> = new StaticArray<i32>(2 * PREFIXES_MAX);
  nWrite: i32 = 0;
  nRead: i32 = 0;

  clear(): void {
    this.serial = 0;
    this.nameLen = 0;
    this.nWrite = 0;
    this.nRead = 0;
  }

  /** OK when `path` (no leading '/') lies under one of the prefixes of `write` or read. */
  allows(write: bool, path: usize, n: i32): i32 {
    const base = write ? 0 : PREFIXES_MAX;
    const count = write ? this.nWrite : this.nRead;
    for (let i = 0; i < count; i++) {
      if (underPrefix(path, n, <usize>unchecked(this.prefixPtr[base + i]), unchecked(this.prefixLen[base + i]))) return OK;
    }
    return E_DENIED;
  }
}

// A path is under a prefix when the prefix is empty (everything), equals the path,
// or is a whole-segment head of it: "sensors/kitchen" covers "sensors/kitchen/t"
// but not "sensors/kitchenette". A prefix ending in '/' covers what follows it.
export function underPrefix(path: usize, n: i32, prefix: usize, m: i32): bool {
  if (m == 0) return true;
  if (m > n || memory.compare(path, prefix, <usize>m) != 0) return false;
  return m == n || load<u8>(prefix + <usize>(m - 1)) == 0x2f || load<u8>(path + <usize>m) == 0x2f;
}

/** The revocation list in force (the highest sequence seen), kept as serials. */
export class Revocations {
  sequence: u64 = 0;
  count: i32 = 0;
  /** REVOKED_MAX u64 slots, from the heap when the first list is installed. */
  serials: usize = 0;

  has(serial: u64): bool {
    for (let i = 0; i < this.count; i++) if (load<u64>(this.serials + (<usize>i << 3)) == serial) return true;
    return false;
  }
}

// Splits a COSE_Sign1 and checks its signature with `issuerPk`. On OK the payload
// is at reader-independent (payloadPtr, payloadLen) in the input.
let payloadPtr: usize = 0;
let payloadLen: i32 = 0;

function openSign1(p: usize, n: i32, issuerPk: usize): i32 {
  const r = reader();
  r.reset(p, n, CBOR_CANONICAL);
  if (r.peek() == 6 && r.readTag() != COSE_SIGN1_TAG) return E_CORRUPT;
  if (r.readArray() != 4) return E_CORRUPT;
  if (r.readBytes() != 3 || memory.compare(r.ptr, PROTECTED, 3) != 0) return E_CORRUPT;
  if (r.readMap() != 0) return E_CORRUPT;
  r.readBytes();
  const pp = r.ptr;
  const pn = r.len;
  if (r.readBytes() != 64) return E_CORRUPT;
  const sig = r.ptr;
  const err = r.finish();
  if (err != OK) return err;
  // RFC 9052 §4.4: ["Signature1", body_protected, external_aad = h'', payload]
  const w = writer();
  w.reset(tbs, TBS_CAP);
  w.array(4);
  w.text(SIGNATURE1, 10);
  w.bytes(PROTECTED, 3);
  w.bytes(0, 0);
  w.bytes(pp, pn);
  const len = w.finish();
  if (len < 0) return E_LIMIT;
  if (ed25519Verify(sig, tbs, len, issuerPk) != OK) return E_AUTH;
  payloadPtr = pp;
  payloadLen = pn;
  return OK;
}

// The next key of a canonical int-keyed map must be `k`.
@inline
function key(r: CborReader, k: u64): bool {
  return r.readUint() == k;
}

function readPrefixes(r: CborReader, v: CertView, base: i32): i32 {
  const count = r.readArray();
  if (count > PREFIXES_MAX) return E_LIMIT;
  for (let i = 0; i < count; i++) {
    const len = r.readText();
    if (len > PREFIX_MAX) return E_LIMIT;
    unchecked((v.prefixPtr[base + i] = <u32>r.ptr));
    unchecked((v.prefixLen[base + i] = len));
  }
  return count;
}

/**
 * Verifies a certificate: structure, issuer == `ownerPk`, signature, the subject
 * key (== `devicePk` unless 0), validity at `nowSec` (0: clock unknown, not checked)
 * and revocation. Fills `v` with pointers into [p, p+n). E_CORRUPT malformed,
 * E_LIMIT over a bound, E_AUTH wrong issuer / signature / subject / expired or not
 * yet valid, E_DENIED revoked.
 */
export function verifyCertificate(v: CertView, p: usize, n: i32, ownerPk: usize, devicePk: usize, nowSec: u64, revoked: Revocations): i32 {
  v.clear();
  if (n > CERT_MAX) return E_LIMIT;
  let err = openSign1(p, n, ownerPk);
  if (err != OK) return err;
  const r = reader();
  r.reset(payloadPtr, payloadLen, CBOR_CANONICAL);
  if (r.readMap() != 9) return E_CORRUPT;
  if (!key(r, 1) || r.readUint() != KIND_CERTIFICATE) return E_CORRUPT;
  if (!key(r, 2)) return E_CORRUPT;
  v.serial = r.readUint();
  if (!key(r, 3) || r.readBytes() != 32) return E_CORRUPT;
  v.issuer = r.ptr;
  if (!key(r, 4) || r.readBytes() != 32) return E_CORRUPT;
  v.device = r.ptr;
  if (!key(r, 5)) return E_CORRUPT;
  v.nameLen = r.readText();
  v.name = r.ptr;
  if (v.nameLen == 0 && r.error() == OK) return E_CORRUPT;
  if (v.nameLen > NAME_MAX) return E_LIMIT;
  if (!key(r, 6)) return E_CORRUPT;
  const nw = readPrefixes(r, v, 0);
  if (nw < 0) return nw;
  if (!key(r, 7)) return E_CORRUPT;
  const nr = readPrefixes(r, v, PREFIXES_MAX);
  if (nr < 0) return nr;
  if (!key(r, 8)) return E_CORRUPT;
  v.notBefore = r.readUint();
  if (!key(r, 9)) return E_CORRUPT;
  v.notAfter = r.readUint();
  err = r.finish();
  if (err != OK) {
    v.clear();
    return err;
  }
  v.nWrite = nw;
  v.nRead = nr;
  // The signature verified with ownerPk, but the payload must also name it: a
  // certificate says who issued it, and a list of owners would rely on that.
  if (memory.compare(v.issuer, ownerPk, 32) != 0) return E_AUTH;
  if (devicePk != 0 && memory.compare(v.device, devicePk, 32) != 0) return E_AUTH;
  if (nowSec != 0 && (nowSec < v.notBefore || nowSec > v.notAfter)) return E_AUTH;
  if (revoked.has(v.serial)) return E_DENIED;
  return OK;
}

/**
 * Verifies a revocation list signed by `ownerPk` and installs it into `into` when
 * its sequence is not lower than the one in force. OK, E_STATE (older list: kept
 * the current one), E_AUTH, E_CORRUPT, E_LIMIT.
 */
export function installRevocations(into: Revocations, p: usize, n: i32, ownerPk: usize): i32 {
  if (n > REVOCATIONS_MAX_BYTES) return E_LIMIT;
  let err = openSign1(p, n, ownerPk);
  if (err != OK) return err;
  const r = reader();
  r.reset(payloadPtr, payloadLen, CBOR_CANONICAL);
  if (r.readMap() != 5) return E_CORRUPT;
  if (!key(r, 1) || r.readUint() != KIND_REVOCATIONS) return E_CORRUPT;
  if (!key(r, 2)) return E_CORRUPT;
  const sequence = r.readUint();
  if (!key(r, 3) || r.readBytes() != 32) return E_CORRUPT;
  if (memory.compare(r.ptr, ownerPk, 32) != 0 && r.error() == OK) return E_AUTH;
  if (!key(r, 4)) return E_CORRUPT;
  r.readUint();
  if (!key(r, 5)) return E_CORRUPT;
  const count = r.readArray();
  if (count > REVOKED_MAX) return E_LIMIT;
  // Parse into place only once the whole list is known good: read twice.
  const start = r.pos();
  for (let i = 0; i < count; i++) r.readUint();
  err = r.finish();
  if (err != OK) return err;
  if (sequence < into.sequence) return E_STATE;
  r.reset(start, <i32>(payloadPtr + <usize>payloadLen - start), CBOR_CANONICAL);
  if (into.serials == 0) into.serials = heap.alloc(<usize>REVOKED_MAX << 3);
  for (let i = 0; i < count; i++) store<u64>(into.serials + (<usize>i << 3), r.readUint());
  into.count = count;
  into.sequence = sequence;
  return OK;
}
