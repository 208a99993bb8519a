// The device's sync link, for the runner: one Secret Handshake client session to
// the gateway (identity part, bindings/abi/identity.json) and, once the
// gateway's certificate verified, one sync session on the device's store inside
// it (sync part, docs/sync.md): each sync message is one box-stream frame. The
// runner only moves bytes (exports.ts: sdk_sync_receive, sdk_sync_take,
// sdk_sync_tick); this file only pumps between the two sessions and parses
// neither protocol.
//
//   export function setup(): void {
//     startSync(deviceStoreHandle(), GATEWAY_KEY);   // the gateway's Ed25519 key (32 bytes)
//   }
//
// The device must be enrolled (identity_enroll: owner key, network key, its
// certificate) before a session can open; until then every tick logs why.
import { E_STATE, OK } from "../abi/errors";
import { clock_ms } from "../abi/imports";
import {
  identity_init,
  identity_session_client,
  identity_session_close,
  identity_session_free,
  identity_session_on_timer,
  identity_session_pending,
  identity_session_poll_event,
  identity_session_read,
  identity_session_receive,
  identity_session_take,
  identity_session_write,
} from "../identity/exports";
import { logWarn } from "./app";
import { sync_close, sync_notify, sync_on_timer, sync_open, sync_poll_event, sync_receive, sync_state, sync_take } from "../sync/exports";
import { mergeView } from "../sync/view";
import { storeOf } from "../store/handles";

/** One box-stream body, one sync message. */
const MSG_MAX: i32 = 4096;
/** Received objects not yet accepted (sync_open's qcap; the device's bound). */
const QUARANTINE: i32 = 8192;
/** Wait before reopening a session that failed or ended. */
export const RETRY_MS: i64 = 5000;

// identity_session_poll_event codes (bindings/abi/identity.json).
const EV_PEER = 2;
const EV_CLOSED = 4;
// sync_poll_event codes and states (bindings/abi/sync.json).
const SYNC_EV_RECEIVED = 2;
const SYNC_EV_SYNCED = 3;
const SYNC_EV_REJECTED = 4;
const SYNC_STATE_OPEN = 1;

const msg = memory.data(MSG_MAX);
const gatewayKey = memory.data(32);
const syncedHeadBuf = memory.data(32);
const viewBuf = memory.data(32);
const REMOTE = memory.data<u8>([0x73, 0x79, 0x6e, 0x63, 0x2f, 0x72, 0x65, 0x6d, 0x6f, 0x74, 0x65]); // "sync/remote"
const REMOTE_LEN = 11;
// The author of the merge commits that fold the owner's view into main (the SDK Store's default).
const AUTHOR = "Nymote Device <device@nymote.invalid>";
let author: ArrayBuffer | null = null; // AUTHOR in UTF-8, made at the first merge
const EV_CAP: i32 = 256; // sync_poll_event wants >= 200
const ev = memory.data(EV_CAP);

let store: i32 = 0; // 0: sync not started
let link: i32 = -1; // identity session handle (0..7); -1 none
let session: i32 = 0; // sync session handle (> 0); 0 none
let closing = false; // goodbye queued: free the link once it is sent
let retryAt: i64 = 0;
let now: i64 = 0;
let synced = false;
let viewPending = false; // a received view not yet merged into main

// Failure paths only (they allocate the message).
function warn(text: string, code: i32): void {
  logWarn(`sync: ${text} (${code})`);
}

/** Starts syncing store (a handle: deviceStoreHandle()) with the gateway whose
 *  Ed25519 public key is at gatewayKey32. Loads the device identity; the first
 *  session opens at the next tick. OK or identity_init's error. */
export function startSync(storeHandle: i32, gatewayKey32: usize): i32 {
  const rc = identity_init();
  if (rc < 0) return rc;
  memory.copy(gatewayKey, gatewayKey32, 32);
  stopSync();
  store = storeHandle;
  retryAt = 0;
  // A power cut may have landed between storing a view and merging it: the
  // stored view is merged again (a no-op when sync/merged already names it).
  const b = storeOf(storeHandle);
  viewPending = b != null && b.backend.getRef(REMOTE, REMOTE_LEN, viewBuf) == OK;
  return OK;
}

/** Ends the sessions (without a goodbye) and stops reopening them. */
export function stopSync(): void {
  drop(0);
  store = 0;
}

/** Whether a sync session is open inside an authenticated link. */
export function syncOpen(): bool {
  return session > 0 && sync_state(session) == SYNC_STATE_OPEN;
}

/** Copies into out32 the head the gateway last confirmed holding (every push
 *  acknowledged and its view received); false before the first time. */
export function syncedHead(out32: usize): bool {
  if (synced) memory.copy(out32, syncedHeadBuf, 32);
  return synced;
}

// Frees both sessions; reopens after RETRY_MS (code < 0: logged as the reason).
function drop(code: i32): void {
  if (code < 0) warn("link ended", code);
  if (session > 0) sync_close(session);
  if (link >= 0) identity_session_free(link);
  session = 0;
  link = -1;
  closing = false;
  retryAt = now + RETRY_MS;
}

// Handles the link's events and hands each received frame to the sync session.
// Returns how many frames it read, or -1 once the link ended.
function service(): i32 {
  for (;;) {
    const e = identity_session_poll_event(link);
    if (e == 0) break;
    if (e < 0) {
      drop(e);
      return -1;
    }
    if (e == EV_PEER && session == 0) {
      session = sync_open(store, 0, msg, 0, msg, 0, QUARANTINE);
      if (session < 0) {
        const rc = session;
        session = 0;
        drop(rc);
        return -1;
      }
    } else if (e == EV_CLOSED) {
      drop(0);
      return -1;
    }
  }
  let frames = 0;
  let n = 0;
  while ((n = identity_session_read(link, msg, MSG_MAX)) > 0) {
    frames++;
    // A refused message ends the sync session (its state says why); tick closes the link.
    if (session > 0) sync_receive(session, msg, n);
  }
  return frames;
}

// Drains the sync session's events: remembers the synced head, logs refusals.
function syncEvents(): void {
  for (;;) {
    const r = sync_poll_event(session, ev, EV_CAP);
    if (r <= 0) return;
    const code = r & 0xff;
    if (code == SYNC_EV_RECEIVED) {
      memory.copy(viewBuf, ev, 32);
      viewPending = true;
    } else if (code == SYNC_EV_SYNCED) {
      memory.copy(syncedHeadBuf, ev, 32);
      synced = true;
    } else if (code >= SYNC_EV_REJECTED) {
      warn(code == SYNC_EV_REJECTED ? "the gateway refused a commit" : "session failed", load<i32>(ev));
    }
  }
}

// Merges the last received view into main (the core's three-way merge, signed
// like every device commit: assembly/sync/view.ts); retried at the next tick
// while the app has writes staged. The merge commit is pushed at once.
function mergePending(): void {
  if (!viewPending) return;
  if (author == null) author = String.UTF8.encode(AUTHOR);
  const a = author as ArrayBuffer;
  const rc = mergeView(store, viewBuf, changetype<usize>(a), a.byteLength, clock_ms() / 1000);
  if (rc == E_STATE) return;
  viewPending = false;
  if (rc < 0) warn("cannot merge the owner's view", rc);
  else if (session > 0) {
    sync_notify(session);
    syncEvents();
  }
}

/** Time passes (monotonic ms): opens a session when none is up, runs both
 *  sessions' timers, pushes new commits, ends the link when sync ended. OK, or
 *  E_STATE before startSync; failures are logged and retried after RETRY_MS. */
export function syncTick(nowMs: i64): i32 {
  now = nowMs;
  if (store == 0) return E_STATE;
  mergePending();
  if (link < 0) {
    if (now < retryAt) return OK;
    const h = identity_session_client(gatewayKey, 0, now);
    if (h < 0) {
      // Not enrolled yet (E_STATE), or every session in use: logged, retried later.
      warn("cannot open a session (enrolled?)", h);
      retryAt = now + RETRY_MS;
      return OK;
    }
    link = h;
    synced = false;
    return OK;
  }
  if (closing) return OK;
  const rc = identity_session_on_timer(link, now);
  if (rc < 0) {
    drop(rc);
    return OK;
  }
  if (service() < 0 || session == 0) return OK;
  sync_on_timer(session, now, 0);
  sync_notify(session);
  syncEvents();
  mergePending();
  if (sync_state(session) > SYNC_STATE_OPEN) {
    // Ended (refused, failed or closed by the peer): say goodbye once its last message is out.
    identity_session_close(link);
    closing = true;
  }
  return OK;
}

/** Bytes from the link. Returns n (all taken: bytes with no session, or after
 *  the peer's goodbye, are dropped), or the error that ended the link. */
export function syncReceive(p: usize, n: i32): i32 {
  let off = 0;
  while (link >= 0 && off < n) {
    const used = identity_session_receive(link, p + <usize>off, n - off);
    if (used < 0) {
      drop(used);
      return used;
    }
    off += used;
    // A frame waiting to be read holds back the rest: read it out, feed again.
    const frames = service();
    if (frames < 0 || (used == 0 && frames == 0)) break;
  }
  return n;
}

/** Bytes for the link into out (cap); how many, 0 when there is nothing to send. */
export function syncTake(out: usize, cap: i32): i32 {
  while (link >= 0) {
    const n = identity_session_take(link, out, cap);
    if (n != 0) return n;
    if (closing) {
      drop(0);
      return 0;
    }
    // The session's output is empty: move one sync message into it.
    if (session == 0) return 0;
    const m = sync_take(session, msg, MSG_MAX);
    if (m <= 0) return m;
    const w = identity_session_write(link, msg, m);
    if (w != m) {
      drop(w < 0 ? w : E_STATE);
      return 0;
    }
  }
  return 0;
}

/** Bytes the link has queued (for a runner that wants to know before it takes). */
export function syncPending(): i32 {
  return link >= 0 ? identity_session_pending(link) : 0;
}
