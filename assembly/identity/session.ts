// A secure session: Secret Handshake v1 (shs.ts), then box-stream framing, then
// the certificate exchange, as one sans-I/O state machine. The host (or the sync
// engine inside the core) feeds received bytes with receive(), sends what take()
// returns, reads events with pollEvent(), and calls onTimer(now).
//
// Box-stream (the Scuttlebutt protocol guide, "Box stream"): a frame is
//   secretbox_N(len:u16be ‖ body_mac[16])  (34 bytes)  ‖  body ciphertext (len <= 4096)
// where the body is secretbox_{N+1}(body) with its 16-byte MAC moved into the
// header; N advances by 2 a frame. Goodbye: secretbox_N(18 zero bytes).
//
// Certificate exchange (docs/identity.md): each side's first box-stream frame is
// its certificate (COSE_Sign1, one frame). The receiver checks it was issued by the
// owner, names the key the handshake authenticated, is valid by the device clock
// and is not revoked; only then is the session open for data.
//
// Transitions (state: input -> action, next state; any failure -> FAILED):
//   C_HELLO   server hello (64)  -> send client auth        C_ACCEPT
//   C_ACCEPT  server accept (80) -> keys, send certificate  CERT (OPEN if transport-only)
//   S_HELLO   client hello (64)  -> send server hello       S_AUTH
//   S_AUTH    client auth (112)  -> send accept, keys, cert CERT (OPEN if transport-only)
//   CERT      frame              -> verify certificate      OPEN
//   OPEN      frame              -> plaintext to read()     OPEN
//   CERT/OPEN goodbye            ->                         CLOSED
// The handshake and the certificate must complete by the deadline (onTimer).
import { E_AGAIN, E_AUTH, E_BOUNDS, E_DENIED, E_INVAL, E_LIMIT, E_PROTO, E_STATE, OK } from "../abi/errors";
import { wipe } from "../crypto/ct";
import { secretbox, secretboxOpen } from "../crypto/secretbox";
import { CERT_MAX, CertView } from "./cert";
import { checkCertificate, hasNetworkKey, isEnrolled, ownCert, ownCertLen } from "./keys";
import {
  ACCEPT_BYTES,
  AUTH_BYTES,
  DEC_KEY,
  DEC_NONCE,
  ENC_KEY,
  FRAME_HEADER,
  FRAME_NONCE,
  ENC_NONCE,
  HELLO_BYTES,
  REMOTE_PK,
  SHS_BLOCK,
  shsClientAuth,
  shsClientOnAccept,
  shsFinish,
  shsHello,
  shsOnHello,
  shsServerAccept,
  shsServerOnAuth,
  shsStart,
  wipeHandshake,
} from "./shs";

export const BODY_MAX: i32 = 4096;
export const HEADER_BYTES: i32 = 34;
/** Sessions at once: 1,024 in the gateway build (-O3; one a connected device,
 *  blocks allocated as slots are first used), 2 in the device
 *  builds, whose 128 KiB memory the store and sync share (a session is ~17.5 KiB). */
export const MAX_SESSIONS: i32 = ASC_OPTIMIZE_LEVEL >= 3 ? 1024 : 2;
/** Handshake plus certificate exchange must finish within this (onTimer). */
export const HANDSHAKE_TIMEOUT_MS: i64 = 10_000;

/** Session flags. */
export const FLAG_TRANSPORT_ONLY: i32 = 1;

/** Events (pollEvent); a negative value is the error that ended the session. */
export const EV_NONE: i32 = 0;
export const EV_HANDSHAKE: i32 = 1;
export const EV_PEER: i32 = 2;
export const EV_DATA: i32 = 3;
export const EV_CLOSED: i32 = 4;

const C_HELLO: i32 = 1;
const C_ACCEPT: i32 = 2;
const S_HELLO: i32 = 3;
const S_AUTH: i32 = 4;
const CERT: i32 = 5;
const OPEN: i32 = 6;
const CLOSED: i32 = 7;
const FAILED: i32 = 8;

// Session block layout after the handshake's fields (shs.ts, SHS_BLOCK bytes).
const PEER_CERT: usize = SHS_BLOCK;
const IN: usize = PEER_CERT + <usize>CERT_MAX;
const IN_CAP: i32 = HEADER_BYTES + BODY_MAX;
const OUT: usize = IN + <usize>IN_CAP;
const OUT_CAP: i32 = 2 * (HEADER_BYTES + BODY_MAX);
const READ: usize = OUT + <usize>OUT_CAP;
const READ_CAP: i32 = BODY_MAX;
/** Linear memory one session holds while it exists (about 17.5 KiB). */
export const SESSION_BYTES: usize = READ + <usize>READ_CAP;

const EVENTS: i32 = 8;

// 24-byte big-endian increment (box-stream nonces).
function nonceIncrement(n: usize): void {
  for (let i: i32 = 23; i >= 0; i--) {
    const v = <u32>load<u8>(n + <usize>i) + 1;
    store<u8>(n + <usize>i, <u8>v);
    if (v < 256) return;
  }
}

export class Session {
  block: usize = 0;
  state: i32 = 0;
  flags: i32 = 0;
  error: i32 = OK;
  deadline: i64 = 0;
  inLen: i32 = 0;
  /** -1 while waiting for a header, else the length of the body being received */
  bodyLen: i32 = -1;
  outLen: i32 = 0;
  readStart: i32 = 0;
  readLen: i32 = 0;
  closing: bool = false;
  peer: CertView = new CertView();
  peerVerified: bool = false;
  /** Length of the verified peer certificate (its bytes stay in the block). */
  peerCertLen: i32 = 0;
  events: StaticArray<i32> = new StaticArray<i32>(EVENTS);
  evHead: i32 = 0;
  evCount: i32 = 0;

  /** Starts a session (the block is allocated once and kept across reuse). */
  start(client: bool, serverPk: usize, flags: i32, now: i64): i32 {
    if (this.block == 0) {
      this.block = heap.alloc(SESSION_BYTES);
      memory.fill(this.block, 0, SESSION_BYTES);
    }
    const b = this.block;
    this.flags = flags;
    this.error = OK;
    this.inLen = 0;
    this.bodyLen = -1;
    this.outLen = 0;
    this.readStart = 0;
    this.readLen = 0;
    this.closing = false;
    this.peerVerified = false;
    this.peerCertLen = 0;
    this.peer.clear();
    this.evHead = 0;
    this.evCount = 0;
    this.deadline = now + HANDSHAKE_TIMEOUT_MS;
    if (shsStart(b) != OK) return this.fail(E_STATE);
    if (client) {
      memory.copy(b + REMOTE_PK, serverPk, 32);
      shsHello(b, b + OUT);
      this.outLen = HELLO_BYTES;
      this.state = C_HELLO;
    } else {
      this.state = S_HELLO;
    }
    return OK;
  }

  /** Wipes every key; the block stays allocated for the next session in this slot. */
  end(): void {
    if (this.block != 0) {
      wipeHandshake(this.block);
      wipe(this.block, <i32>SESSION_BYTES);
    }
    this.state = 0;
  }

  get failed(): bool {
    return this.state == FAILED;
  }

  private fail(err: i32): i32 {
    if (this.state != FAILED) {
      this.error = err;
      this.state = FAILED;
      // Nothing more goes out, and no key outlives the failure.
      this.outLen = 0;
      this.readLen = 0;
      wipeHandshake(this.block);
      wipe(this.block + ENC_KEY, 32);
      wipe(this.block + DEC_KEY, 32);
    }
    return err;
  }

  // At most one of each event is ever queued (EV_DATA is coalesced), so the
  // queue of 8 cannot overflow and EV_CLOSED is never lost.
  private push(ev: i32): void {
    for (let i = 0; i < this.evCount; i++) if (unchecked(this.events[(this.evHead + i) % EVENTS]) == ev) return;
    unchecked((this.events[(this.evHead + this.evCount) % EVENTS] = ev));
    this.evCount++;
  }

  /** The next event, EV_NONE, or (after the queued events) the error that ended the session. */
  pollEvent(): i32 {
    if (this.evCount > 0) {
      const ev = unchecked(this.events[this.evHead]);
      this.evHead = (this.evHead + 1) % EVENTS;
      this.evCount--;
      return ev;
    }
    return this.state == FAILED ? this.error : EV_NONE;
  }

  onTimer(now: i64): i32 {
    if (this.state == FAILED) return this.error;
    if (this.state != OPEN && this.state != CLOSED && now >= this.deadline) return this.fail(E_PROTO);
    return OK;
  }

  /** Bytes the current step still needs in IN; 0 when nothing can be consumed now. */
  private need(): i32 {
    switch (this.state) {
      case C_HELLO:
      case S_HELLO:
        return HELLO_BYTES;
      case C_ACCEPT:
        return ACCEPT_BYTES;
      case S_AUTH:
        return AUTH_BYTES;
      case CERT:
      case OPEN: {
        if (this.bodyLen < 0) return HEADER_BYTES;
        // Backpressure, and frame boundaries kept: a body is taken only once the
        // previous frame's plaintext has been read out entirely.
        if (this.state == OPEN && this.readLen > 0) return 0;
        return HEADER_BYTES + this.bodyLen;
      }
    }
    return 0;
  }

  /** Consumes up to n received bytes; returns how many (fewer when READ is full or
   *  the peer said goodbye), or the error that ended the session. */
  receive(p: usize, n: i32): i32 {
    if (this.state == FAILED) return this.error;
    if (n < 0) return E_INVAL;
    let used = 0;
    while (used < n) {
      const need = this.need();
      if (need == 0) break;
      const take = min(need - this.inLen, n - used);
      memory.copy(this.block + IN + <usize>this.inLen, p + <usize>used, <usize>take);
      this.inLen += take;
      used += take;
      if (this.inLen == need) {
        const err = this.step();
        if (err != OK) return this.fail(err);
      }
    }
    return used;
  }

  // One complete input unit is in IN.
  private step(): i32 {
    const b = this.block;
    const msg = b + IN;
    const st = this.state;
    if (st == C_HELLO) {
      this.inLen = 0;
      if (shsOnHello(b, msg) != OK) return E_AUTH;
      if (this.outLen + AUTH_BYTES > OUT_CAP) return E_STATE;
      if (shsClientAuth(b, b + OUT + <usize>this.outLen) != OK) return E_AUTH;
      this.outLen += AUTH_BYTES;
      this.state = C_ACCEPT;
      return OK;
    }
    if (st == C_ACCEPT) {
      this.inLen = 0;
      if (shsClientOnAccept(b, msg) != OK) return E_AUTH;
      return this.established();
    }
    if (st == S_HELLO) {
      this.inLen = 0;
      if (shsOnHello(b, msg) != OK) return E_AUTH;
      shsHello(b, b + OUT + <usize>this.outLen);
      this.outLen += HELLO_BYTES;
      this.state = S_AUTH;
      return OK;
    }
    if (st == S_AUTH) {
      this.inLen = 0;
      if (shsServerOnAuth(b, msg) != OK) return E_AUTH;
      shsServerAccept(b, b + OUT + <usize>this.outLen);
      this.outLen += ACCEPT_BYTES;
      return this.established();
    }
    if (this.bodyLen < 0) return this.onHeader();
    return this.onBody();
  }

  private established(): i32 {
    shsFinish(this.block);
    this.push(EV_HANDSHAKE);
    if ((this.flags & FLAG_TRANSPORT_ONLY) != 0) {
      this.state = OPEN;
      return OK;
    }
    this.state = CERT;
    return this.frame(ownCert, ownCertLen);
  }

  private onHeader(): i32 {
    const b = this.block;
    const hdr = b + FRAME_HEADER;
    if (secretboxOpen(hdr, b + IN, HEADER_BYTES, b + DEC_NONCE, b + DEC_KEY) != OK) return E_AUTH;
    let zero: u32 = 0;
    for (let i = 0; i < 18; i++) zero |= load<u8>(hdr + <usize>i);
    if (zero == 0) {
      // Goodbye. Before the certificate, it means the peer never showed one.
      this.inLen = 0;
      if (this.state == CERT) return E_PROTO;
      this.state = CLOSED;
      this.push(EV_CLOSED);
      return OK;
    }
    const len = (<i32>load<u8>(hdr) << 8) | <i32>load<u8>(hdr, 1);
    if (len > BODY_MAX || (this.state == CERT && len > CERT_MAX)) return E_PROTO;
    // The MAC moves next to the ciphertext: IN[18..34) ‖ body is a secretbox.
    memory.copy(b + IN + 18, hdr + 2, 16);
    this.bodyLen = len;
    if (len == 0) return this.onBody();
    return OK;
  }

  private onBody(): i32 {
    const b = this.block;
    const len = this.bodyLen;
    nonceIncrement(b + DEC_NONCE);
    const dst = this.state == CERT ? b + PEER_CERT : b + READ;
    if (secretboxOpen(dst, b + IN + 18, len + 16, b + DEC_NONCE, b + DEC_KEY) != OK) return E_AUTH;
    nonceIncrement(b + DEC_NONCE);
    this.inLen = 0;
    this.bodyLen = -1;
    if (this.state == CERT) {
      const err = checkCertificate(this.peer, b + PEER_CERT, len, b + REMOTE_PK);
      if (err != OK) return err;
      this.peerVerified = true;
      this.peerCertLen = len;
      this.state = OPEN;
      this.push(EV_PEER);
      return OK;
    }
    if (len > 0) {
      this.push(EV_DATA);
      this.readStart = 0;
      this.readLen = len;
    }
    return OK;
  }

  // Appends one frame (len <= BODY_MAX), or E_AGAIN when it does not fit whole.
  private frame(p: usize, len: i32): i32 {
    if (this.outLen + HEADER_BYTES + len > OUT_CAP) return E_AGAIN;
    const b = this.block;
    const at = b + OUT + <usize>this.outLen;
    const hdr = b + FRAME_HEADER;
    const nonce = b + FRAME_NONCE;
    // Body box (tag ‖ ct, nonce N+1) at at+18, so ct lands at at+34; then the
    // header box (nonce N) over its first 34 bytes, carrying the tag.
    memory.copy(nonce, b + ENC_NONCE, 24);
    nonceIncrement(nonce);
    secretbox(at + 18, p, len, nonce, b + ENC_KEY);
    store<u8>(hdr, <u8>(len >> 8));
    store<u8>(hdr, <u8>len, 1);
    memory.copy(hdr + 2, at + 18, 16);
    secretbox(at, hdr, 18, b + ENC_NONCE, b + ENC_KEY);
    nonceIncrement(b + ENC_NONCE);
    nonceIncrement(b + ENC_NONCE);
    this.outLen += HEADER_BYTES + len;
    return OK;
  }

  /** Encrypts application data as frames of BODY_MAX bytes and a last shorter one;
   *  a frame is written whole or not at all, so n <= BODY_MAX is exactly one frame
   *  (one message) or nothing. Returns bytes taken (0: output full, take() first). */
  write(p: usize, n: i32): i32 {
    if (this.state == FAILED) return this.error;
    if (this.state != OPEN || this.closing) return E_STATE;
    if (n < 0) return E_INVAL;
    let used = 0;
    while (used < n) {
      const len = min(n - used, BODY_MAX);
      if (this.frame(p + <usize>used, len) != OK) break;
      used += len;
    }
    return used;
  }

  /** Copies up to cap bytes of the current frame's plaintext to out; returns how
   *  many. With cap >= BODY_MAX one read is one whole frame (one message). */
  read(out: usize, cap: i32): i32 {
    if (this.state == FAILED) return this.error;
    if (cap < 0) return E_INVAL;
    const n = min(cap, this.readLen);
    memory.copy(out, this.block + READ + <usize>this.readStart, <usize>n);
    this.readStart += n;
    this.readLen -= n;
    if (this.readLen == 0) this.readStart = 0;
    return n;
  }

  /** Queues the goodbye frame; nothing may be written after it. */
  close(): i32 {
    if (this.state == FAILED) return this.error;
    if (this.state != OPEN && this.state != CERT && this.state != CLOSED) return E_STATE;
    if (this.closing) return OK;
    if (this.outLen + HEADER_BYTES > OUT_CAP) return E_AGAIN;
    const b = this.block;
    const hdr = b + FRAME_HEADER;
    memory.fill(hdr, 0, 18);
    secretbox(b + OUT + <usize>this.outLen, hdr, 18, b + ENC_NONCE, b + ENC_KEY);
    this.outLen += HEADER_BYTES;
    this.closing = true;
    return OK;
  }

  pending(): i32 {
    return this.outLen;
  }

  /** Moves up to cap bytes to send into out; returns how many. */
  take(out: usize, cap: i32): i32 {
    if (cap < 0) return E_INVAL;
    const n = min(cap, this.outLen);
    const o = this.block + OUT;
    memory.copy(out, o, <usize>n);
    memory.copy(o, o + <usize>n, <usize>(this.outLen - n));
    this.outLen -= n;
    return n;
  }

  /** OK when the verified peer may write (or read) path; E_DENIED otherwise. */
  may(write: bool, path: usize, n: i32): i32 {
    if (!this.peerVerified || this.state == FAILED) return E_DENIED;
    return this.peer.allows(write, path, n);
  }

  /** The verified peer certificate's bytes (peerCertLen of them; valid after EV_PEER). */
  remoteCert(): usize {
    return this.block + PEER_CERT;
  }

  remoteKey(): usize {
    return this.block + REMOTE_PK;
  }

  /** True once the handshake has authenticated the remote key. */
  get keyKnown(): bool {
    return this.state == CERT || this.state == OPEN || this.state == CLOSED;
  }
}


const table = new StaticArray<Session | null>(MAX_SESSIONS);

/** A session by handle, or null for a bad or free handle. */
export function sessionGet(h: i32): Session | null {
  if (h < 0 || h >= MAX_SESSIONS) return null;
  const s = unchecked(table[h]);
  return s !== null && s.state != 0 ? s : null;
}

/** Opens a session; returns its handle or E_STATE (no network key / no
 *  certificate), E_LIMIT (table full), E_NOMEM. */
export function sessionOpen(client: bool, serverPk: usize, flags: i32, now: i64): i32 {
  if (!hasNetworkKey()) return E_STATE;
  if ((flags & FLAG_TRANSPORT_ONLY) == 0 && (!isEnrolled() || ownCertLen == 0)) return E_STATE;
  if ((flags & ~FLAG_TRANSPORT_ONLY) != 0) return E_INVAL;
  for (let h = 0; h < MAX_SESSIONS; h++) {
    let s = unchecked(table[h]);
    if (s === null) {
      s = new Session();
      unchecked((table[h] = s));
    } else if (s.state != 0) continue;
    const err = s.start(client, serverPk, flags, now);
    if (err != OK) {
      s.end();
      return err;
    }
    return h;
  }
  return E_LIMIT;
}

export function sessionFree(h: i32): i32 {
  const s = sessionGet(h);
  if (s === null) return E_BOUNDS;
  s.end();
  return OK;
}
