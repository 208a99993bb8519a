// A sync link inside an authenticated session: the identity part's Secret
// Handshake + box-stream (CoreSession, docs/identity.md) over any byte
// transport. Each sync message is one box-stream frame (both are <= 4096
// bytes), so the sync layer sees whole messages and the wire sees only
// ciphertext. Nothing reaches the sync layer before the peer's certificate
// verified; any failure ends the link with a reason for the log.
import { type CoreSession, EV_CLOSED, EV_PEER } from "../identity/device.ts";

export interface SecureHandlers {
  /** Bytes for the transport (handshake and box-stream frames). */
  send(bytes: Uint8Array): void;
  /** The peer's certificate verified: sync may start. */
  onOpen(): void;
  onMessage(m: Uint8Array): void;
  /** The link ended (once): why, for the log. */
  onEnd(reason: string): void;
}

const E_AUTH = -6;
const E_PROTO = -10;
const E_DENIED = -11;

/** Why a session failed, in words a log reader can act on. */
export function sessionFailure(code: number): string {
  if (code === E_AUTH)
    return "handshake or certificate refused (wrong network key, another owner's, forged or expired certificate) (E_AUTH)";
  if (code === E_DENIED) return "certificate revoked (E_DENIED)";
  if (code === E_PROTO) return "session protocol violation or handshake timeout (E_PROTO)";
  return `session error ${code}`;
}

export class SecureLink {
  private ended = false;
  private opened = false;
  private backlog: Uint8Array = new Uint8Array(0);

  constructor(
    readonly session: CoreSession,
    private readonly h: SecureHandlers,
  ) {}

  /** Sends what the session has to say first (the client hello). */
  start(): this {
    this.flush();
    return this;
  }

  get open(): boolean {
    return this.opened && !this.ended;
  }

  get closed(): boolean {
    return this.ended;
  }

  /** Bytes from the transport. */
  receive(bytes: Uint8Array): void {
    if (this.ended) return;
    this.backlog = this.backlog.length === 0 ? bytes : Buffer.concat([this.backlog, bytes]);
    // The session holds one frame of plaintext at a time: feed, read out, feed the rest.
    for (;;) {
      const used = this.backlog.length > 0 ? this.session.receive(this.backlog) : 0;
      if (used < 0) {
        this.fail(sessionFailure(used));
        return;
      }
      this.backlog = this.backlog.subarray(used);
      if (!this.service()) return;
      if (used === 0) break;
    }
    this.flush();
  }

  // Events and plaintext; false once the link ended. A goodbye can arrive in the
  // same read as the last frames: they are delivered before the link ends.
  private service(): boolean {
    let goodbye = false;
    for (const ev of this.session.events()) {
      if (ev < 0) {
        this.fail(sessionFailure(ev));
        return false;
      }
      if (ev === EV_PEER) {
        this.opened = true;
        this.h.onOpen();
      } else if (ev === EV_CLOSED) goodbye = true;
      if (this.ended) return false;
    }
    for (;;) {
      const m = this.session.read();
      if (m.length === 0) break;
      this.h.onMessage(m);
      if (this.ended) return false;
    }
    if (goodbye) {
      this.end("the peer said goodbye");
      return false;
    }
    return true;
  }

  /** One message as one frame. */
  write(m: Uint8Array): void {
    if (!this.open) return;
    let n = this.session.write(m);
    if (n === 0) {
      this.flush();
      n = this.session.write(m);
    }
    if (n < 0) {
      this.fail(sessionFailure(n));
      return;
    }
    this.flush();
  }

  /** The handshake deadline (the session's clock). */
  timer(nowMs: number): void {
    if (this.ended || this.opened) return;
    const rc = this.session.onTimer(nowMs);
    if (rc < 0) this.fail(sessionFailure(rc));
  }

  private flush(): void {
    if (this.ended) return;
    const out = this.session.take();
    if (out.length > 0) this.h.send(out);
  }

  private fail(reason: string): void {
    this.end(reason);
  }

  /** Says goodbye (when open), releases the session, reports reason once. */
  end(reason: string): void {
    if (this.ended) return;
    if (this.opened && !this.session.core.isDead) {
      this.session.close();
      const out = this.session.take();
      if (out.length > 0) this.h.send(out);
    }
    this.ended = true;
    this.session.free();
    this.h.onEnd(reason);
  }
}
