// The identity exports the host calls (bindings/abi/identity.json). Each checks
// that every pointer range lies in linear memory and every length is in its
// domain before touching memory; none traps on any input. The device's secret key
// never leaves the core: only its public key is exported.
import { E_BOUNDS, E_INVAL, E_NOTFOUND, E_STATE, OK } from "../abi/errors";
import { CERT_MAX } from "./cert";
import {
  checkCertificate,
  devicePk,
  identityEnroll,
  identityInit,
  isEnrolled,
  isLoaded,
  loadRevocations,
  ownerPk,
  revocations,
  scratchView,
  setRevocations,
} from "./keys";
import { Session, sessionFree, sessionGet, sessionOpen } from "./session";
import { inMemory } from "../abi/bounds";

/** Loads or creates the device identity: OK, 1 (not persisted: no secret area), E_CORRUPT, E_IO. */
export function identity_init(): i32 {
  return identityInit();
}

export function identity_public_key(out: usize): i32 {
  if (!isLoaded()) return E_STATE;
  if (!inMemory(out, 32)) return E_BOUNDS;
  memory.copy(out, devicePk, 32);
  return OK;
}

export function identity_owner_key(out: usize): i32 {
  if (!isEnrolled()) return E_NOTFOUND;
  if (!inMemory(out, 32)) return E_BOUNDS;
  memory.copy(out, ownerPk, 32);
  return OK;
}

export function identity_enroll(owner: usize, network: usize, cert: usize, certLen: i32): i32 {
  if (certLen < 0 || certLen > CERT_MAX) return E_INVAL;
  if (!inMemory(owner, 32) || !inMemory(network, 32) || !inMemory(cert, certLen)) return E_BOUNDS;
  return identityEnroll(owner, network, cert, certLen);
}

export function identity_cert_verify(cert: usize, n: i32, subject: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(cert, n) || (subject != 0 && !inMemory(subject, 32))) return E_BOUNDS;
  return checkCertificate(scratchView(), cert, n, subject);
}

export function identity_revocations_set(p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(p, n)) return E_BOUNDS;
  return setRevocations(p, n);
}

export function identity_revocations_load(store: i32): i32 {
  return loadRevocations(store);
}

export function identity_revocations_sequence(): i64 {
  return <i64>revocations.sequence;
}

export function identity_session_client(serverPk: usize, flags: i32, now: i64): i32 {
  if (!inMemory(serverPk, 32)) return E_BOUNDS;
  return sessionOpen(true, serverPk, flags, now);
}

export function identity_session_server(flags: i32, now: i64): i32 {
  return sessionOpen(false, 0, flags, now);
}

export function identity_session_free(h: i32): i32 {
  return sessionFree(h);
}

// Every per-session export: a bad handle is E_BOUNDS.
@inline
function get(h: i32): Session | null {
  return sessionGet(h);
}

export function identity_session_receive(h: i32, p: usize, n: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (n < 0) return E_INVAL;
  if (!inMemory(p, n)) return E_BOUNDS;
  return s.receive(p, n);
}

export function identity_session_pending(h: i32): i32 {
  const s = get(h);
  return s === null ? E_BOUNDS : s.pending();
}

export function identity_session_take(h: i32, out: usize, cap: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (cap < 0) return E_INVAL;
  if (!inMemory(out, cap)) return E_BOUNDS;
  return s.take(out, cap);
}

export function identity_session_poll_event(h: i32): i32 {
  const s = get(h);
  return s === null ? E_BOUNDS : s.pollEvent();
}

export function identity_session_on_timer(h: i32, now: i64): i32 {
  const s = get(h);
  return s === null ? E_BOUNDS : s.onTimer(now);
}

export function identity_session_write(h: i32, p: usize, n: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (n < 0) return E_INVAL;
  if (!inMemory(p, n)) return E_BOUNDS;
  return s.write(p, n);
}

export function identity_session_read(h: i32, out: usize, cap: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (cap < 0) return E_INVAL;
  if (!inMemory(out, cap)) return E_BOUNDS;
  return s.read(out, cap);
}

export function identity_session_close(h: i32): i32 {
  const s = get(h);
  return s === null ? E_BOUNDS : s.close();
}

export function identity_session_remote_key(h: i32, out: usize): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (!s.keyKnown) return E_STATE;
  if (!inMemory(out, 32)) return E_BOUNDS;
  memory.copy(out, s.remoteKey(), 32);
  return OK;
}

/** The verified peer's name into out; its length, or E_STATE before EV_PEER. */
export function identity_session_remote_name(h: i32, out: usize, cap: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (!s.peerVerified) return E_STATE;
  if (cap < s.peer.nameLen) return E_BOUNDS;
  if (!inMemory(out, s.peer.nameLen)) return E_BOUNDS;
  memory.copy(out, s.peer.name, <usize>s.peer.nameLen);
  return s.peer.nameLen;
}

/** The verified peer's certificate (COSE_Sign1 bytes) into out; its length, or E_STATE before EV_PEER. */
export function identity_session_remote_cert(h: i32, out: usize, cap: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (!s.peerVerified) return E_STATE;
  if (cap < s.peerCertLen) return E_BOUNDS;
  if (!inMemory(out, s.peerCertLen)) return E_BOUNDS;
  memory.copy(out, s.remoteCert(), <usize>s.peerCertLen);
  return s.peerCertLen;
}

/** OK when the verified peer may write (write = 1) or read (write = 0) path, else E_DENIED. */
export function identity_session_may(h: i32, write: i32, path: usize, n: i32): i32 {
  const s = get(h);
  if (s === null) return E_BOUNDS;
  if (n < 0) return E_INVAL;
  if (!inMemory(path, n)) return E_BOUNDS;
  return s.may(write != 0, path, n);
}
