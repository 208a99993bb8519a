// Typed access to the core's identity exports: the device identity, certificate
// checks, and Secret Handshake + box-stream sessions (sans-I/O: the caller moves
// bytes between a session and its transport; see pumpSocket for TCP).
import type { Socket } from "node:net";
import { check } from "../runtime/errors.ts";
import type { Core } from "../runtime/instance.ts";
import { issueCertificate } from "./cert.ts";
import { nextSerial, type OwnerIdentity } from "./keys.ts";

export const EV_NONE = 0;
export const EV_HANDSHAKE = 1;
export const EV_PEER = 2;
export const EV_DATA = 3;
export const EV_CLOSED = 4;
export const FLAG_TRANSPORT_ONLY = 1;
/** Certificate exchange and handshake must be done within this, by on_timer. */
export const HANDSHAKE_TIMEOUT_MS = 10_000;

export class DeviceIdentity {
  constructor(readonly core: Core) {}

  /** 0 persisted in the secret area, 1 ephemeral (no secret area). */
  init(): number {
    return check(this.core.call("identity_init"), "identity_init");
  }

  publicKey(): Uint8Array {
    return this.core.with([32], ([out]) => {
      check(this.core.call("identity_public_key", out!), "identity_public_key");
      return this.core.read(out!, 32);
    });
  }

  ownerKey(): Uint8Array | null {
    return this.core.with([32], ([out]) => (this.core.call("identity_owner_key", out!) === 0 ? this.core.read(out!, 32) : null));
  }

  /** The raw return code (OK, 1 not persisted, or a negative error). */
  enroll(owner: Uint8Array, networkKey: Uint8Array, certificate: Uint8Array): number {
    return this.core.with([owner, networkKey, certificate], ([o, n, c]) =>
      this.core.call("identity_enroll", o!, n!, c!, certificate.length),
    );
  }

  /** The raw return code of identity_cert_verify. */
  verifyCertificate(certificate: Uint8Array, subject?: Uint8Array): number {
    if (!subject) return this.core.with([certificate], ([c]) => this.core.call("identity_cert_verify", c!, certificate.length, 0));
    return this.core.with([certificate, subject], ([c, s]) => this.core.call("identity_cert_verify", c!, certificate.length, s!));
  }

  setRevocations(list: Uint8Array): number {
    return this.core.with([list], ([p]) => this.core.call("identity_revocations_set", p!, list.length));
  }
}

export const IO_BYTES = 4096;

export interface SessionOptions {
  transportOnly?: boolean;
  now?: number;
  io?: number;
}

/** One session in a core. Methods return raw codes where a peer can cause them. */
export class CoreSession {
  readonly handle: number;
  private readonly io: number;
  private readonly ownIo: boolean;

  private constructor(
    readonly core: Core,
    handle: number,
    io: number,
  ) {
    this.handle = handle;
    this.ownIo = io === 0;
    this.io = io || core.alloc(IO_BYTES);
  }

  /**
   * `now`: ms on the clock later given to onTimer (default performance.now()).
   * `io`: an IO_BYTES core buffer to copy through, owned by the caller (a device
   * shares one with its sync session); default: the session's own.
   */
  static client(core: Core, serverKey: Uint8Array, opts: SessionOptions = {}): CoreSession {
    const flags = opts.transportOnly ? FLAG_TRANSPORT_ONLY : 0;
    const now = BigInt(Math.floor(opts.now ?? performance.now()));
    const h = core.with([serverKey], ([k]) => core.call("identity_session_client", k!, flags, now));
    return new CoreSession(core, check(h, "identity_session_client"), opts.io ?? 0);
  }

  static server(core: Core, opts: SessionOptions = {}): CoreSession {
    const flags = opts.transportOnly ? FLAG_TRANSPORT_ONLY : 0;
    const now = BigInt(Math.floor(opts.now ?? performance.now()));
    return new CoreSession(core, check(core.call("identity_session_server", flags, now), "identity_session_server"), opts.io ?? 0);
  }

  // Passes data through `fn` (receive or write) in IO_BYTES pieces until it takes
  // less than offered; returns the total taken or the first error.
  private feed(fn: string, data: Uint8Array): number {
    let used = 0;
    while (used < data.length) {
      const n = Math.min(IO_BYTES, data.length - used);
      this.core.write(this.io, data.subarray(used, used + n));
      const rc = this.core.call(fn, this.handle, this.io, n);
      if (rc < 0) return rc;
      used += rc;
      if (rc < n) break;
    }
    return used;
  }

  /** Feeds bytes; returns how many were consumed, or the session's error (< 0). */
  receive(data: Uint8Array): number {
    return this.feed("identity_session_receive", data);
  }

  /** Everything waiting to be sent. */
  take(): Uint8Array {
    const chunks: Uint8Array[] = [];
    for (;;) {
      const n = check(this.core.call("identity_session_take", this.handle, this.io, IO_BYTES), "identity_session_take");
      if (n === 0) break;
      chunks.push(this.core.read(this.io, n));
    }
    return chunks.length === 1 ? chunks[0]! : new Uint8Array(Buffer.concat(chunks));
  }

  /** Every queued event; a negative entry is the error that ended the session (last). */
  events(): number[] {
    const out: number[] = [];
    for (;;) {
      const ev = this.core.call("identity_session_poll_event", this.handle);
      if (ev === EV_NONE) return out;
      out.push(ev);
      if (ev < 0) return out;
    }
  }

  /** `now` on the clock the session was opened with (default performance.now()). */
  onTimer(now: number = performance.now()): number {
    return this.core.call("identity_session_on_timer", this.handle, BigInt(Math.floor(now)));
  }

  /** Encrypts as much of data as fits; bytes taken, or a negative code. */
  write(data: Uint8Array): number {
    return this.feed("identity_session_write", data);
  }

  read(): Uint8Array {
    const n = check(this.core.call("identity_session_read", this.handle, this.io, IO_BYTES), "identity_session_read");
    return this.core.read(this.io, n);
  }

  close(): number {
    return this.core.call("identity_session_close", this.handle);
  }

  remoteKey(): Uint8Array | null {
    return this.core.call("identity_session_remote_key", this.handle, this.io) === 0 ? this.core.read(this.io, 32) : null;
  }

  remoteName(): string | null {
    const n = this.core.call("identity_session_remote_name", this.handle, this.io, 256);
    return n < 0 ? null : new TextDecoder().decode(this.core.read(this.io, n));
  }

  /** The verified peer certificate's bytes (after EV_PEER), or null. */
  remoteCert(): Uint8Array | null {
    const n = this.core.call("identity_session_remote_cert", this.handle, this.io, IO_BYTES);
    return n < 0 ? null : this.core.read(this.io, n);
  }

  /** 0 (allowed) or E_DENIED. */
  may(write: boolean, path: string): number {
    const bytes = new TextEncoder().encode(path);
    this.core.write(this.io, bytes);
    return this.core.call("identity_session_may", this.handle, write ? 1 : 0, this.io, bytes.length);
  }

  free(): void {
    if (this.core.isDead) return;
    this.core.call("identity_session_free", this.handle);
    if (this.ownIo) this.core.free(this.io);
  }
}

export interface SocketLink {
  /** Resolves when the session is open for data (after EV_PEER, or EV_HANDSHAKE when transport-only). */
  open: Promise<void>;
  /** Sends application data through the session. */
  send(data: Uint8Array): void;
  /** Sends the goodbye and ends the socket. */
  end(): void;
}

/**
 * Drives a session over a connected socket: feeds what arrives, writes what the
 * session produces, and reports plaintext and events. A session error or an early
 * socket end destroys the socket and rejects `open` / calls onError.
 */
export function pumpSocket(
  session: CoreSession,
  socket: Socket,
  handlers: { onData?: (data: Uint8Array) => void; onClose?: () => void; onError?: (code: number) => void; transportOnly?: boolean },
): SocketLink {
  let opened = false;
  let failed = false;
  let backlog: Uint8Array = new Uint8Array(0);
  let resolveOpen!: () => void;
  let rejectOpen!: (e: Error) => void;
  const open = new Promise<void>((res, rej) => {
    resolveOpen = res;
    rejectOpen = rej;
  });
  open.catch(() => {});
  const fail = (code: number) => {
    if (failed) return;
    failed = true;
    rejectOpen(new Error(`session failed: ${code}`));
    handlers.onError?.(code);
    socket.destroy();
  };
  const flush = () => {
    const out = session.take();
    if (out.length > 0 && !socket.destroyed) socket.write(out);
  };
  const service = () => {
    if (failed) return;
    if (backlog.length > 0) {
      const used = session.receive(backlog);
      if (used < 0) return fail(used);
      backlog = backlog.subarray(used);
    }
    for (const ev of session.events()) {
      if (ev < 0) return fail(ev);
      if (ev === EV_PEER || (ev === EV_HANDSHAKE && handlers.transportOnly)) {
        opened = true;
        resolveOpen();
      } else if (ev === EV_CLOSED) handlers.onClose?.();
    }
    for (;;) {
      const data = session.read();
      if (data.length === 0) break;
      handlers.onData?.(data);
    }
    flush();
    // Plaintext was drained: what did not fit before may fit now.
    if (backlog.length > 0) service();
  };
  socket.on("data", (chunk: Buffer) => {
    backlog = backlog.length === 0 ? new Uint8Array(chunk) : new Uint8Array(Buffer.concat([backlog, chunk]));
    service();
  });
  socket.on("end", () => {
    if (!opened) fail(-10);
  });
  // The handshake deadline: a peer that stalls mid-handshake is cut off.
  const timer = setTimeout(() => {
    if (opened || failed) return;
    const rc = session.onTimer();
    if (rc < 0) fail(rc);
  }, HANDSHAKE_TIMEOUT_MS + 10);
  timer.unref();
  open.then(() => clearTimeout(timer)).catch(() => clearTimeout(timer));
  socket.on("error", () => fail(-4));
  flush();
  return {
    open,
    send(data: Uint8Array) {
      let used = 0;
      while (used < data.length) {
        const n = session.write(data.subarray(used));
        if (n < 0) throw new Error(`session write failed: ${n}`);
        used += n;
        flush();
      }
    },
    end() {
      session.close();
      flush();
      socket.end();
    },
  };
}

/**
 * Enrolls a core (a gateway's, or a device on the bench) with the owner's keys:
 * issues its certificate with the next serial of the owner's data directory.
 */
export function enrollCore(
  device: DeviceIdentity,
  owner: OwnerIdentity,
  opts: { name: string; write?: string[]; read?: string[]; days?: number },
): Uint8Array {
  const now = Math.floor(Date.now() / 1000);
  const cert = issueCertificate(
    {
      serial: nextSerial(owner.dir),
      device: device.publicKey(),
      name: opts.name,
      write: opts.write ?? [],
      read: opts.read ?? [],
      notBefore: now - 3600,
      notAfter: now + (opts.days ?? 365) * 86400,
    },
    owner.secretKey,
  );
  check(device.enroll(owner.publicKey, owner.networkKey, cert), "identity_enroll");
  return cert;
}
