// The device's identity: its Ed25519 key (generated on first boot from the host's
// random_bytes import, kept in the flash secret area, never exported), the owner's
// public key and the network key (baked into the image or set once at enrollment),
// its own certificate, and the revocation list in force.
import { E_CORRUPT, E_DENIED, E_INVAL, E_IO, E_LIMIT, E_NOTFOUND, E_STATE, OK } from "../abi/errors";
import { clock_ms, random_bytes } from "../abi/imports";
import { wipe } from "../crypto/ct";
import { ed25519KeypairFromSeed } from "../crypto/ed25519";
import { secretLoad, secretSave } from "../store/flash/secret";
import { BAKED, BAKED_NETWORK_KEY, BAKED_OWNER_KEY } from "./baked";
import { storeOf } from "../store/handles";
import { CERT_MAX, CertView, installRevocations, REVOCATIONS_MAX_BYTES, Revocations, verifyCertificate } from "./cert";

// Secret record (flash secret area, <= 512 bytes), little-endian:
//   0 "NYID"  4 version (1)  5 flags (bit 0: enrolled)  6 u16 certificate length
//   8 seed[32]  40 owner public key[32]  72 network key[32]  104 certificate
const REC_MAGIC: u32 = 0x4449594e; // "NYID" read as a little-endian u32
const REC_VERSION: u8 = 1;
const REC_HEADER: i32 = 104;
const REC_CAP: i32 = REC_HEADER + CERT_MAX;
const FLAG_ENROLLED: u8 = 1;

// The record is staged in a heap buffer only while it is read or written.
/** NaCl layout: seed ‖ public key. */
export const deviceSk = memory.data(64);
export const devicePk: usize = deviceSk + 32;
export const ownerPk = memory.data(32);
export const networkKey = memory.data(32);
/** This device's certificate (CERT_MAX bytes from the heap, at identityInit). */
export let ownCert: usize = 0;
export let ownCertLen: i32 = 0;

let loaded = false;
let enrolled = false;
export const revocations = new Revocations();
let scratch: CertView | null = null;

/** One CertView for checks whose result is only the code (created on first use). */
export function scratchView(): CertView {
  let v = scratch;
  if (v === null) scratch = v = new CertView();
  return v;
}

export function isLoaded(): bool {
  return loaded;
}

export function isEnrolled(): bool {
  return enrolled;
}

/** The network key is known (baked or enrolled): sessions can start. */
export function hasNetworkKey(): bool {
  return loaded && (enrolled || BAKED);
}

/** Seconds since the epoch by the device clock, or 0 when it is unknown. */
export function nowSeconds(): u64 {
  const ms = clock_ms();
  return ms <= 0 ? 0 : <u64>(ms / 1000);
}

function saveRecord(): i32 {
  const record = heap.alloc(<usize>REC_CAP);
  store<u32>(record, REC_MAGIC);
  store<u8>(record, REC_VERSION, 4);
  store<u8>(record, enrolled ? FLAG_ENROLLED : 0, 5);
  store<u16>(record, <u16>ownCertLen, 6);
  memory.copy(record + 8, deviceSk, 32);
  memory.copy(record + 40, ownerPk, 32);
  memory.copy(record + 72, networkKey, 32);
  memory.copy(record + <usize>REC_HEADER, ownCert, <usize>ownCertLen);
  const err = secretSave(record, REC_HEADER + ownCertLen);
  wipe(record, REC_CAP);
  heap.free(record);
  return err;
}

/**
 * Loads the identity from the secret area, or creates the device key on first
 * boot. OK (persisted), 1 (key created but the secret area is unavailable: it lives
 * until the module restarts), E_CORRUPT (a record that is not ours), E_IO.
 */
export function identityInit(): i32 {
  if (loaded) return OK;
  if (ownCert == 0) ownCert = heap.alloc(<usize>CERT_MAX);
  const record = heap.alloc(<usize>REC_CAP);
  const rc = loadRecord(record);
  wipe(record, REC_CAP);
  heap.free(record);
  if (rc < 0 || loaded) return rc;
  loaded = true;
  return saveRecord();
}

// Loads or creates the key into memory; returns 1 when it is new but cannot be
// persisted, OK when it was loaded (loaded = true) or must now be saved.
function loadRecord(record: usize): i32 {
  const n = secretLoad(record, REC_CAP);
  if (n >= REC_HEADER) {
    const certLen = <i32>load<u16>(record, 6);
    if (load<u32>(record) != REC_MAGIC || load<u8>(record, 4) != REC_VERSION || certLen > CERT_MAX || REC_HEADER + certLen != n) return E_CORRUPT;
    ed25519KeypairFromSeed(devicePk, deviceSk, record + 8);
    enrolled = (load<u8>(record, 5) & FLAG_ENROLLED) != 0;
    memory.copy(ownerPk, record + 40, 32);
    memory.copy(networkKey, record + 72, 32);
    memory.copy(ownCert, record + <usize>REC_HEADER, <usize>certLen);
    ownCertLen = certLen;
    if (BAKED) useBaked();
    loaded = true;
    return OK;
  }
  if (n >= 0) return E_CORRUPT;
  if (n != E_NOTFOUND && n != E_IO) return n;
  if (random_bytes(record, 32) != OK) return E_IO;
  ed25519KeypairFromSeed(devicePk, deviceSk, record);
  if (BAKED) useBaked();
  if (n == E_IO) {
    loaded = true;
    return 1;
  }
  return OK;
}

function useBaked(): void {
  memory.copy(ownerPk, BAKED_OWNER_KEY, 32);
  memory.copy(networkKey, BAKED_NETWORK_KEY, 32);
}

/**
 * Enrollment: the owner's key, the network key and this device's certificate.
 * The owner is set once: a baked image or an enrolled device accepts only a new
 * certificate from the same owner (renewal). The certificate must be the owner's,
 * for this device's key, and valid now (when the clock is known).
 */
export function identityEnroll(owner: usize, network: usize, cert: usize, certLen: i32): i32 {
  if (!loaded) return E_STATE;
  if (BAKED || enrolled) {
    if (memory.compare(owner, ownerPk, 32) != 0 || memory.compare(network, networkKey, 32) != 0) return E_DENIED;
  }
  const err = verifyCertificate(scratchView(), cert, certLen, owner, devicePk, nowSeconds(), revocations);
  if (err != OK) return err;
  memory.copy(ownerPk, owner, 32);
  memory.copy(networkKey, network, 32);
  memory.copy(ownCert, cert, <usize>certLen);
  ownCertLen = certLen;
  enrolled = true;
  const saved = saveRecord();
  // Without a secret area the enrollment holds until restart, like the key.
  return saved == E_IO ? 1 : saved;
}

/** Verifies a certificate against the owner in force (see verifyCertificate). */
export function checkCertificate(v: CertView, p: usize, n: i32, subjectPk: usize): i32 {
  if (!hasNetworkKey()) return E_STATE;
  return verifyCertificate(v, p, n, ownerPk, subjectPk, nowSeconds(), revocations);
}

export function setRevocations(p: usize, n: i32): i32 {
  if (!hasNetworkKey()) return E_STATE;
  return installRevocations(revocations, p, n, ownerPk);
}

/** Where the owner's revocation list lives in a store, so it syncs like any value
 *  (the COSE_Sign1 bytes are the CBOR value at this path). */
export const REVOKED_PATH = memory.data<u8>([0x5f, 0x6e, 0x79, 0x6d, 0x6f, 0x74, 0x65, 0x2f, 0x72, 0x65, 0x76, 0x6f, 0x6b, 0x65, 0x64]); // "_nymote/revoked"
const REVOKED_PATH_LEN: i32 = 15;

/** Installs the revocation list kept at REVOKED_PATH in store h's working tree
 *  (see setRevocations); E_NOTFOUND when there is none, E_INVAL for a bad handle. */
export function loadRevocations(h: i32): i32 {
  const s = storeOf(h);
  if (s === null) return E_INVAL;
  const buf = heap.alloc(<usize>REVOCATIONS_MAX_BYTES);
  const n = s.get(0, REVOKED_PATH, REVOKED_PATH_LEN, 0, buf, REVOCATIONS_MAX_BYTES);
  const rc = n < 0 ? n : n > REVOCATIONS_MAX_BYTES ? E_LIMIT : setRevocations(buf, n);
  heap.free(buf);
  return rc;
}
