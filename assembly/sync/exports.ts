// Sync exports the host calls (bindings/abi/sync.json). Every pointer range is
// checked against linear memory before use; errors are negative ABI codes.
import { E_BOUNDS, E_INVAL, E_LIMIT, E_NOMEM, E_NOTFOUND, OK } from "../abi/errors";
import { registerStore, storeOf } from "../store/handles";
import { Backend, ID_LEN, REF_NAME_MAX } from "../store/backend";
import { Buf } from "../store/buf";
import { buildCommit } from "../store/commit";
import { MAX_PARENTS } from "./gitobj";
import { graft } from "./graft";
import { mergeUnder } from "./merge";
import { MemBackend } from "./memstore";
import { MSG_MAX, OBJ_MAX, ROLE_DEVICE, ROLE_GATEWAY, Session } from "./session";
import { inMemory } from "../abi/bounds";
import { mergeView } from "./view";

const sessions = new Array<Session | null>();

/** The backend of a store handle (the store part's table: store_open_memory, flash_store_open, sync_mem_open). */
function backendOf(h: i32): Backend | null {
  const s = storeOf(h);
  return s == null ? null : s.backend;
}

function sessionOf(s: i32): Session | null {
  return s >= 1 && s <= sessions.length ? sessions[s - 1] : null;
}

/**
 * A gateway object store in memory with room for max_refs refs (three a device:
 * devices/<name>, views/<name>, merged/<name>), registered in the store's handle table.
 * Until the gateway keeps its replicas on a file-backed store.
 */
export function sync_mem_open(budget: i32, maxRefs: i32): i32 {
  if (budget <= 0 || maxRefs <= 0 || maxRefs > 1 << 16) return E_INVAL;
  const h = registerStore(new MemBackend(budget, maxRefs));
  return h > 0 ? h : E_NOMEM;
}

/** The tree equal to base outside the prefixes and to src inside them; 0 ids are empty trees. */
export function sync_graft(h: i32, base: usize, src: usize, prefixes: usize, prefLen: i32, out: usize): i32 {
  const b = backendOf(h);
  if (b == null) return E_INVAL;
  if ((base != 0 && !inMemory(base, ID_LEN)) || (src != 0 && !inMemory(src, ID_LEN)) || !inMemory(prefixes, prefLen) || !inMemory(out, ID_LEN)) return E_BOUNDS;
  const rc = graft(b, base, src, prefixes, prefLen, out);
  return rc < 0 ? rc : OK;
}

/**
 * The gateway's merge of a device commit into main (assembly/sync/merge.ts):
 * trees base (the device commit's first parent's), x (main's) and y (the
 * device commit's); 0 ids are empty trees. The merged tree's id into out;
 * returns the conflicts recorded.
 */
export function sync_merge(h: i32, base: usize, x: usize, y: usize, prefixes: usize, prefLen: i32, out: usize): i32 {
  const b = backendOf(h);
  if (b == null) return E_INVAL;
  if ((base != 0 && !inMemory(base, ID_LEN)) || (x != 0 && !inMemory(x, ID_LEN)) || (y != 0 && !inMemory(y, ID_LEN))) return E_BOUNDS;
  if (!inMemory(prefixes, prefLen) || !inMemory(out, ID_LEN)) return E_BOUNDS;
  return mergeUnder(b, base, x, y, prefixes, prefLen, out);
}

/** Writes a commit (author = committer = who, at timeSec UTC) and stores it. */
export function sync_commit(h: i32, tree: usize, parents: usize, nParents: i32, who: usize, whoLen: i32, timeSec: i64, msg: usize, msgLen: i32, idOut: usize): i32 {
  const s = storeOf(h);
  if (s == null) return E_INVAL;
  if (nParents < 0 || nParents > MAX_PARENTS || whoLen < 0 || whoLen > 200 || msgLen < 0) return E_INVAL;
  if (!inMemory(tree, ID_LEN) || !inMemory(parents, nParents * ID_LEN) || !inMemory(who, whoLen) || !inMemory(msg, msgLen) || !inMemory(idOut, ID_LEN)) return E_BOUNDS;
  const body = new Buf(256);
  buildCommit(body, tree, parents, nParents, who, whoLen, timeSec, 0, 0, msg, msgLen);
  // Through the store, so a device store signs it (docs/provenance.md).
  const rc = body.err != OK ? body.err : body.len > OBJ_MAX ? E_LIMIT : s.putCommit(body.ptr, body.len, idOut);
  body.free();
  return rc;
}

/**
 * Opens a sync session on store h. role 0 = device, 1 = gateway. name: the
 * device's name (gateway side: refs devices/<name>, views/<name>). write: the
 * device's write prefixes, '\n'-separated (gateway side). qcap: the most bytes
 * of received, not yet accepted objects. Returns the session handle (> 0).
 */
export function sync_open(h: i32, role: i32, name: usize, nameLen: i32, write: usize, writeLen: i32, qcap: i32): i32 {
  const b = backendOf(h);
  if (b == null) return E_INVAL;
  if (role != ROLE_DEVICE && role != ROLE_GATEWAY) return E_INVAL;
  if (nameLen < 0 || nameLen > REF_NAME_MAX - 8 || writeLen < 0 || qcap < MSG_MAX) return E_INVAL;
  if (role == ROLE_GATEWAY && nameLen == 0) return E_INVAL;
  if (!inMemory(name, nameLen) || !inMemory(write, writeLen)) return E_BOUNDS;
  const s = new Session(b, role, name, nameLen, write, writeLen, qcap);
  for (let i = 0; i < sessions.length; i++) {
    if (sessions[i] == null) {
      sessions[i] = s;
      return i + 1;
    }
  }
  sessions.push(s);
  return sessions.length;
}

/** Gateway session: the device's Ed25519 public key (32 bytes) its commits must be signed with. */
export function sync_signer(s: i32, pk: usize): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  if (x.role != ROLE_GATEWAY) return E_INVAL;
  if (!inMemory(pk, 32)) return E_BOUNDS;
  x.setSigner(pk);
  return OK;
}

export function sync_close(s: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  x.dispose();
  sessions[s - 1] = null;
  return OK;
}

export function sync_receive(s: i32, p: usize, n: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  if (n <= 0 || n > MSG_MAX) return E_INVAL;
  if (!inMemory(p, n)) return E_BOUNDS;
  return x.receive(p, n);
}

export function sync_take(s: i32, out: usize, cap: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  if (!inMemory(out, cap)) return E_BOUNDS;
  return x.take(out, cap);
}

export function sync_poll_event(s: i32, out: usize, cap: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  if (!inMemory(out, cap)) return E_BOUNDS;
  return x.pollEvent(out, cap);
}

export function sync_on_timer(s: i32, now: i64, rto: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  if (rto > 0) x.rto = rto;
  return x.onTimer(now);
}

export function sync_notify(s: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  return x.notify();
}

export function sync_state(s: i32): i32 {
  const x = sessionOf(s);
  if (x == null) return E_NOTFOUND;
  return x.state;
}

/**
 * Merges view (a commit id the device session received into sync/remote) into
 * store h's branch: the device's in-core view merge (assembly/sync/view.ts,
 * the SDK's sync pump runs the same code). Returns the conflicts recorded.
 */
export function sync_view_merge(h: i32, view: usize, author: usize, authorLen: i32, timeSec: i64): i32 {
  if (storeOf(h) == null || authorLen < 0) return E_INVAL;
  if (!inMemory(view, ID_LEN) || !inMemory(author, authorLen)) return E_BOUNDS;
  return mergeView(h, view, author, authorLen, timeSec);
}
