// One sync session between a device and its gateway (docs/sync.md), sans-I/O:
// the host passes in each message the transport delivered (receive), takes the
// messages to send (take), polls events, and ticks the timer. Both roles run the
// same machine: each side pushes its outgoing branch to the peer and receives
// the peer's. Device: pushes `main`, receives the owner's view into
// `sync/remote`. Gateway: pushes `views/<name>`, receives into `devices/<name>`
// after checking the device's certificate capabilities.
//
// Memory: the sender streams one object at a time from the store through fixed
// cursors (MAX_DEPTH levels); the chain of pending commits is addressed through
// NCP checkpoints, so nothing grows with history or batch size. The receiver
// holds at most `quarantineCap` bytes of not-yet-accepted objects.
import { E_AUTH, E_CONFLICT, E_CORRUPT, E_DENIED, E_LIMIT, E_NOTFOUND, E_PROTO, E_STATE, E_UNSUPPORTED, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "../store/backend";
import { asciiCopy } from "../store/buf";
import {
  BackendSource,
  CommitHead,
  Cursors,
  cmpCursor,
  idEqual,
  idIsZero,
  MAX_DEPTH,
  PATH_MAX,
  sameEntry,
  TreeCursor,
} from "./gitobj";
import { commitVerify } from "../identity/commit-sign";
import { underPrefix } from "../identity/cert";
import { hashObject } from "../store/objects";
import { Layered, Quarantine } from "./quarantine";
import { packCommit, REC_COMMIT_WIRE, unpackCommit, unpackedLen } from "./wire-commit";
import {
  A_ACK,
  A_DEAD,
  A_DONE,
  A_DROP,
  A_HELLO,
  A_JUNK,
  A_OBJS,
  A_PEER_ERROR,
  A_REHELLO,
  A_REJECTED,
  action,
  M_ACK,
  M_DONE,
  M_ERROR,
  M_HELLO,
  M_OBJS,
  M_REJECT,
  S_CLOSED,
  S_FAILED_LOCAL,
  S_FAILED_PEER,
  S_HELLO,
  S_OPEN,
} from "./table";

export const ROLE_DEVICE: i32 = 0;
export const ROLE_GATEWAY: i32 = 1;
export const VERSION: i32 = 2;

/** Largest message: one box-stream body (docs/identity.md). */
export const MSG_MAX: i32 = 4096;
const OBJ_REC_HEAD: i32 = 3; // type u8, length u16 big-endian
/** Largest object body that fits one message. */
export const OBJ_MAX: i32 = MSG_MAX - 1 - OBJ_REC_HEAD;
/** Commits in flight (sent, not yet acknowledged). */
export const WINDOW: i32 = 16;
/** Checkpoints along the pending chain (see file comment). */
const NCP: i32 = 32;
/** Commits commitAt keeps from its last walk. */
const SEG: i32 = 32;
/** Longest first-parent chain sync walks (E_LIMIT past it). */
const MAX_CHAIN: i32 = 1 << 20;
const REASON_MAX: i32 = 160;

// Events (sync_poll_event).
export const EV_ACKED: i32 = 1; // payload: id the peer acknowledged
export const EV_RECEIVED: i32 = 2; // payload: id the incoming branch now points at
export const EV_SYNCED: i32 = 3; // payload: our head (32) ‖ peer's head we hold (32)
export const EV_REJECTED: i32 = 4; // payload: code i32 LE ‖ id (32) ‖ reason
export const EV_DENIED: i32 = 5; // payload: code i32 LE ‖ id (32) ‖ reason
export const EV_FAILED: i32 = 6; // payload: code i32 LE ‖ zero id (32) ‖ reason
const EV_QUEUE: i32 = 8;
const EV_REC: i32 = 4 + 4 + ID_LEN + 4 + REASON_MAX;

export class Session {
  state: i32 = S_HELLO;
  private src: BackendSource;
  private q: Quarantine;
  private lay: Layered;
  // Refs and prefixes as raw bytes.
  private outRef: usize;
  private outRefLen: i32;
  private inRef: usize;
  private inRefLen: i32;
  private ackRef: usize = 0;
  private ackRefLen: i32 = 0;
  private writeP: usize;
  private writeLen: i32;
  /** Gateway: the device key every received commit must be signed with (docs/provenance.md). */
  private signer: usize = heap.alloc(32);
  private hasSigner: bool = false;

  // ---- sending side
  private head: usize = heap.alloc(ID_LEN);
  private acked: usize = heap.alloc(ID_LEN);
  private k: i32 = 0; // commits in (acked, head] along first parents
  private nextIdx: i32 = 1; // next to send, 1 = oldest
  private step: i32 = 1;
  private cps: usize = heap.alloc(NCP * ID_LEN);
  private nCps: i32 = 0;
  // Commits at distances [segLo, segLo + segN) from the head, at index distance % SEG.
  private seg: usize = heap.alloc(SEG * ID_LEN);
  private segLo: i32 = 0;
  private segN: i32 = 0;
  private win: usize = heap.alloc(WINDOW * ID_LEN);
  private winN: i32 = 0;
  private genCommit: usize = heap.alloc(ID_LEN);
  private genStage: i32 = -1; // -1 idle, 0 root, 1 walking, 2 commit, 3 done
  private genDepth: i32 = -1;
  private genCur: Cursors = new Cursors(MAX_DEPTH);
  private genB0: Cursors = new Cursors(MAX_DEPTH);
  private genB1: Cursors = new Cursors(MAX_DEPTH);
  private pend: usize = heap.alloc(ID_LEN);
  private hasPend: bool = false;
  private pushing: bool = false;
  private lastProgress: i64 = 0;
  private now: i64 = 0;
  rto: i64 = 1000;

  // ---- receiving side
  private inHead: usize = heap.alloc(ID_LEN);
  private peerDone: bool = false;
  private peerDoneHead: usize = heap.alloc(ID_LEN);
  private synced: bool = false;
  private helloAt: i64 = 0;

  // ---- outgoing control messages
  private needHello: bool = true;
  private ackPending: bool = false;
  private donePending: bool = false;
  private doneSent: bool = false;
  private fatal: usize = heap.alloc(4 + ID_LEN + REASON_MAX);
  private fatalLen: i32 = 0; // > 0: a REJECT or ERROR waits to be sent

  // ---- events
  private evq: usize = heap.alloc(EV_QUEUE * EV_REC);
  private evHead: i32 = 0;
  private evN: i32 = 0;

  // ---- scratch
  private ch: CommitHead = new CommitHead();
  private ch2: CommitHead = new CommitHead();
  private id1: usize = heap.alloc(ID_LEN);
  private id2: usize = heap.alloc(ID_LEN);
  private ptree0: usize = heap.alloc(ID_LEN);
  private ptree1: usize = heap.alloc(ID_LEN);
  private chkCur: Cursors = new Cursors(MAX_DEPTH + 1);
  private azN: Cursors | null = null;
  private azA: Cursors | null = null;
  private azB: Cursors | null = null;
  private path: usize = heap.alloc(PATH_MAX);
  private reason: usize = heap.alloc(REASON_MAX);

  constructor(
    public b: Backend,
    public role: i32,
    name: usize,
    nameLen: i32,
    writeP: usize,
    writeLen: i32,
    quarantineCap: i32,
  ) {
    const q = new Quarantine(quarantineCap);
    this.src = new BackendSource(b);
    this.q = q;
    this.lay = new Layered(q, b);
    this.writeP = heap.alloc(<usize>max(writeLen, 1));
    memory.copy(this.writeP, writeP, <usize>writeLen);
    this.writeLen = writeLen;
    if (role == ROLE_DEVICE) {
      this.outRef = asciiCopy("main");
      this.outRefLen = 4;
      this.inRef = asciiCopy("sync/remote");
      this.inRefLen = 11;
      this.ackRef = asciiCopy("sync/acked");
      this.ackRefLen = 10;
    } else {
      this.outRef = joined("views/", name, nameLen);
      this.outRefLen = 6 + nameLen;
      this.inRef = joined("devices/", name, nameLen);
      this.inRefLen = 8 + nameLen;
      this.azN = new Cursors(MAX_DEPTH + 1);
      this.azA = new Cursors(MAX_DEPTH + 1);
      this.azB = new Cursors(MAX_DEPTH + 1);
    }
    if (b.getRef(this.inRef, this.inRefLen, this.inHead) != OK) memory.fill(this.inHead, 0, ID_LEN);
  }

  /** Frees every buffer the session allocated (sessions come and go; the heap must not leak). */
  dispose(): void {
    heap.free(this.head);
    heap.free(this.acked);
    heap.free(this.cps);
    heap.free(this.seg);
    heap.free(this.win);
    heap.free(this.genCommit);
    heap.free(this.pend);
    heap.free(this.inHead);
    heap.free(this.peerDoneHead);
    heap.free(this.fatal);
    heap.free(this.evq);
    heap.free(this.id1);
    heap.free(this.id2);
    heap.free(this.ptree0);
    heap.free(this.ptree1);
    heap.free(this.path);
    heap.free(this.reason);
    heap.free(this.writeP);
    heap.free(this.signer);
    heap.free(this.outRef);
    heap.free(this.inRef);
    if (this.ackRef != 0) heap.free(this.ackRef);
    this.q.clear();
    this.ch.dispose();
    this.ch2.dispose();
    this.genCur.dispose();
    this.genB0.dispose();
    this.genB1.dispose();
    this.chkCur.dispose();
    if (this.azN != null) {
      (this.azN as Cursors).dispose();
      (this.azA as Cursors).dispose();
      (this.azB as Cursors).dispose();
    }
  }

  // ================================================================ host API

  /** Gateway: commits are accepted only when signed with Ed25519 key pk (32 bytes). */
  setSigner(pk: usize): void {
    memory.copy(this.signer, pk, 32);
    this.hasSigner = true;
  }

  /** Consumes one whole message. OK, E_STATE once ended, or the error that ended it. */
  receive(p: usize, n: i32): i32 {
    const t: i32 = n > 0 ? <i32>load<u8>(p) : 0;
    const a = action(this.state, t);
    if (a == A_DEAD) return E_STATE;
    if (a == A_DROP) return OK;
    if (a == A_JUNK) return this.failPeer(E_PROTO, "unknown message type");
    if (a == A_HELLO) return this.onHello(p, n);
    if (a == A_REHELLO) {
      // Flag bit 0: the sender has our HELLO. Without it, ours was lost.
      if (n >= 4 && (load<u8>(p, 3) & 1) == 0) this.needHello = true;
      return OK;
    }
    if (a == A_OBJS) return this.onObjs(p, n);
    if (a == A_ACK) return this.onAck(p, n);
    if (a == A_DONE) return this.onDone(p, n);
    if (a == A_REJECTED) return this.onRejected(p, n);
    if (a == A_PEER_ERROR) return this.onPeerError(p, n);
    return this.failLocal(E_STATE, "transition table has no handler");
  }

  /** Writes the next message into out (cap >= MSG_MAX); its length, or 0 when none. */
  take(out: usize, cap: i32): i32 {
    if (cap < MSG_MAX) return E_LIMIT;
    if (this.state == S_FAILED_LOCAL || this.state == S_FAILED_PEER) {
      if (this.fatalLen == 0) return 0;
      const n = this.fatalLen;
      memory.copy(out, this.fatal, <usize>n);
      this.fatalLen = 0;
      return n;
    }
    if (this.state == S_CLOSED) return 0;
    if (this.needHello && this.state != S_CLOSED) {
      this.needHello = false;
      this.helloAt = this.now;
      store<u8>(out, <u8>M_HELLO);
      store<u8>(out, <u8>VERSION, 1);
      store<u8>(out, <u8>this.role, 2);
      store<u8>(out, this.state == S_OPEN ? 1 : 0, 3);
      if (this.b.getRef(this.outRef, this.outRefLen, out + 4) != OK) memory.fill(out + 4, 0, ID_LEN);
      memory.copy(out + 4 + ID_LEN, this.inHead, ID_LEN);
      return 4 + 2 * ID_LEN;
    }
    if (this.state != S_OPEN) return 0;
    if (this.ackPending) {
      this.ackPending = false;
      store<u8>(out, <u8>M_ACK);
      memory.copy(out + 1, this.inHead, ID_LEN);
      return 1 + ID_LEN;
    }
    const n = this.packObjects(out);
    if (n != 0) return n;
    if (this.donePending) {
      this.donePending = false;
      this.doneSent = true;
      store<u8>(out, <u8>M_DONE);
      memory.copy(out + 1, this.head, ID_LEN);
      this.checkSynced();
      return 1 + ID_LEN;
    }
    return 0;
  }

  /** Time passes: retransmits what the peer has not acknowledged after rto ms. */
  onTimer(now: i64): i32 {
    this.now = now;
    if (this.state == S_HELLO && now - this.helloAt >= this.rto) this.needHello = true;
    if (this.state != S_OPEN) return OK;
    if (this.pushing && now - this.lastProgress >= this.rto) {
      if (this.winN > 0 || this.genStage >= 0) this.rewind();
      else if (!this.synced) this.donePending = true;
      this.lastProgress = now;
    }
    return OK;
  }

  /** The outgoing branch may have moved (new local commit, new view). */
  notify(): i32 {
    if (this.state != S_OPEN) return OK;
    if (this.b.getRef(this.outRef, this.outRefLen, this.id1) != OK) return OK;
    if (idEqual(this.id1, this.head)) return OK;
    this.synced = false;
    return this.startPush();
  }

  /** Next event's code (0: none); payload into out (cap >= EV_REC). */
  pollEvent(out: usize, cap: i32): i32 {
    if (this.evN == 0) return 0;
    if (cap < EV_REC - 4) return E_LIMIT;
    const r = this.evq + <usize>(this.evHead * EV_REC);
    const code = load<i32>(r);
    const len = load<i32>(r, 4);
    memory.copy(out, r + 8, <usize>len);
    this.evHead = (this.evHead + 1) % EV_QUEUE;
    this.evN--;
    return code | (len << 8);
  }

  // ================================================================ receiving

  private onHello(p: usize, n: i32): i32 {
    if (n != 4 + 2 * ID_LEN) return this.failPeer(E_PROTO, "HELLO has the wrong length");
    if (<i32>load<u8>(p, 1) != VERSION) return this.failPeer(E_UNSUPPORTED, "unsupported sync version");
    if (<i32>load<u8>(p, 2) == this.role) return this.failPeer(E_PROTO, "peer has the same role");
    // Peer's `yours` is what it holds of our branch: the base of our push
    // (as a remote-tracking ref). Its `mine` tells whether we lack anything.
    memory.copy(this.acked, p + 4 + ID_LEN, ID_LEN);
    this.state = S_OPEN;
    if (this.ackRefLen > 0 && !idIsZero(this.acked)) this.setAckRef();
    return this.startPush();
  }

  private onObjs(p: usize, n: i32): i32 {
    let off = 1;
    while (off < n) {
      if (off + OBJ_REC_HEAD > n) return this.failPeer(E_PROTO, "truncated object record");
      let type = <i32>load<u8>(p + <usize>off);
      let len = (<i32>load<u8>(p + <usize>(off + 1)) << 8) | <i32>load<u8>(p + <usize>(off + 2));
      let body = p + <usize>(off + OBJ_REC_HEAD);
      off += OBJ_REC_HEAD + len;
      if (off > n) return this.failPeer(E_PROTO, "object record overruns its message");
      if (type == REC_COMMIT_WIRE) {
        // Rebuilt where the quarantine would copy it to: add() then copies nothing.
        const full = unpackedLen(body, len);
        if (full < 0) return this.failPeer(E_PROTO, "malformed compact commit");
        if (full > OBJ_MAX) return this.failPeer(E_PROTO, "compact commit larger than one message");
        const at = this.q.room(full);
        if (at == 0) return this.failPeer(E_LIMIT, "too many unaccepted objects");
        if (unpackCommit(body, len, this.hasSigner ? this.signer : 0, at) < 0)
          return this.failPeer(E_AUTH, "signed compact commit, but no key here to rebuild its signature");
        type = OBJ_COMMIT;
        body = at;
        len = full;
      } else if (type != OBJ_BLOB && type != OBJ_TREE && type != OBJ_COMMIT) return this.failPeer(E_PROTO, "unknown object type");
      hashObject(type, body, len, this.id1);
      const inStore = this.b.has(this.id1);
      if (inStore < 0) return this.failLocal(inStore, "store failed");
      // A duplicate of something accepted: re-acknowledge where we are. Except a
      // stored commit that extends the incoming branch: a power cut between its
      // put and the ref update left it unreferenced, so it is accepted again.
      if (inStore == 1 && !(type == OBJ_COMMIT && this.extendsIncoming(body, len))) {
        if (type == OBJ_COMMIT) this.ackPending = !idIsZero(this.inHead);
        continue;
      }
      if (type == OBJ_COMMIT && this.q.find(this.id1) != 0) {
        // The peer resent a commit we still cannot place: its parent never came.
        const rc = this.ch.parse(body, len);
        if (rc == OK && this.ch.nParents > 0 && this.lay.has(this.ch.parent(0)) == 0)
          return this.deny(E_DENIED, this.id1, "commit's parent is unknown (forged or missing)");
      }
      const rc = this.q.add(type, body, len, this.id1);
      if (rc < 0) return this.failPeer(E_LIMIT, "too many unaccepted objects");
    }
    return this.settle();
  }

  /** Whether commit body's first parent is the incoming head (a root: no head yet). */
  private extendsIncoming(body: usize, len: i32): bool {
    if (this.ch.parse(body, len) != OK) return false;
    return this.ch.nParents == 0 ? idIsZero(this.inHead) : idEqual(this.ch.parent(0), this.inHead);
  }

  /** Accepts every quarantined commit that now extends the incoming branch. */
  private settle(): i32 {
    for (;;) {
      let found: usize = 0;
      for (let i = 0; i < this.q.count; i++) {
        const r = this.q.at(i);
        if (Quarantine.type(r) != OBJ_COMMIT) continue;
        const rc = this.ch.parse(Quarantine.body(r), Quarantine.len(r));
        if (rc != OK) return this.deny(rc == E_UNSUPPORTED ? E_UNSUPPORTED : E_CORRUPT, r, "malformed commit");
        if (this.ch.nParents == 0) {
          if (idIsZero(this.inHead)) found = r;
          else return this.deny(E_DENIED, r, "root commit but this branch already has history");
        } else if (idEqual(this.ch.parent(0), this.inHead)) found = r;
        else {
          const known = this.b.has(this.ch.parent(0));
          if (known == 1) return this.deny(E_DENIED, r, "not a fast-forward of this device's branch");
        }
        if (found != 0) break;
      }
      if (found == 0) break;
      const rc = this.accept(found);
      if (rc == E_NOTFOUND) {
        this.q.compact(false);
        break; // objects still in flight
      }
      if (rc < 0) return rc;
    }
    this.checkSynced();
    return OK;
  }

  /** Checks and stores one commit (record r) whose first parent is our head. */
  private accept(r: usize): i32 {
    const commitId = r; // the record starts with the id
    const rc0 = this.ch.parse(Quarantine.body(r), Quarantine.len(r));
    if (rc0 != OK) return this.deny(E_CORRUPT, commitId, "malformed commit");
    const tree = this.ch.tree;
    const rc = this.complete(tree, OBJ_TREE, 0);
    if (rc == E_NOTFOUND) return rc;
    if (rc != OK) return this.deny(rc, commitId, "tree is malformed or too deep");
    if (this.role == ROLE_GATEWAY) {
      // Provenance: the device's own key signed this commit (its id covers the signature).
      if (!this.hasSigner) return this.deny(E_AUTH, commitId, "no public key enrolled for this device: its signatures cannot be checked");
      const v = commitVerify(Quarantine.body(r), Quarantine.len(r), this.signer);
      if (v == E_NOTFOUND) return this.deny(E_AUTH, commitId, "commit is not signed");
      if (v != OK) return this.deny(E_AUTH, commitId, "commit signature does not verify against this device's key");
    }
    memory.fill(this.ptree1, 0, ID_LEN);
    if (this.ch.nParents > 1) {
      if (this.role == ROLE_DEVICE) return this.deny(E_DENIED, commitId, "views are linear");
      // A device may merge only views this gateway gave it.
      memory.copy(this.id2, this.ch.parent(1), ID_LEN);
      const on = this.onViewChain(this.id2);
      if (on < 0) return this.failLocal(on, "store failed");
      if (on == 0) return this.deny(E_DENIED, commitId, "merge parent is not a view given to this device");
      if (this.ch2.read(this.src, this.id2) != OK) return this.failLocal(E_CORRUPT, "view commit unreadable");
      memory.copy(this.ptree1, this.ch2.tree, ID_LEN);
    }
    if (this.role == ROLE_GATEWAY) {
      memory.fill(this.ptree0, 0, ID_LEN);
      if (this.ch.nParents > 0) {
        if (this.ch2.read(this.src, this.ch.parent(0)) != OK) return this.failLocal(E_CORRUPT, "parent commit unreadable");
        memory.copy(this.ptree0, this.ch2.tree, ID_LEN);
      }
      const a = this.authorize(tree, idIsZero(this.ptree0) ? 0 : this.ptree0, idIsZero(this.ptree1) ? 0 : this.ptree1, 0, 0);
      if (a == E_DENIED) return this.deny(E_DENIED, commitId, "");
      if (a < 0) return this.deny(a, commitId, "tree could not be checked");
    }
    Quarantine.mark(r, true);
    memory.copy(this.id2, commitId, ID_LEN);
    let f = this.b.has(tree) == 1 ? OK : this.storeTree(tree, 0);
    if (f == OK) f = this.b.put(OBJ_COMMIT, Quarantine.body(r), Quarantine.len(r), this.id1);
    if (f < 0) return this.failLocal(f, "store refused an object");
    this.q.compact(true);
    const old: usize = idIsZero(this.inHead) ? 0 : this.inHead;
    const s = this.b.setRef(this.inRef, this.inRefLen, old, this.id2);
    if (s < 0) return this.failLocal(s, "ref update failed");
    memory.copy(this.inHead, this.id2, ID_LEN);
    this.ackPending = true;
    this.event(EV_RECEIVED, this.inHead, 0, 0);
    return OK;
  }

  /** Marks the quarantined objects reachable from id; E_NOTFOUND if one is missing. */
  private complete(id: usize, want: i32, depth: i32): i32 {
    const inStore = this.b.has(id);
    if (inStore == 1) return OK; // stored objects are complete by induction
    const r = this.q.find(id);
    if (r == 0) return E_NOTFOUND;
    if (Quarantine.type(r) != want) return E_CORRUPT;
    Quarantine.mark(r, true);
    if (want != OBJ_TREE) return OK;
    if (depth > MAX_DEPTH) return E_LIMIT;
    const c = this.chkCur.at(depth);
    let rc = c.open(this.q, id);
    if (rc != OK) return rc;
    while ((rc = c.next()) > 0) {
      rc = this.complete(c.child, c.isTree ? OBJ_TREE : OBJ_BLOB, depth + 1);
      if (rc != OK) return rc;
    }
    return rc;
  }

  /**
   * Stores the quarantined objects of tree id that the store lacks, every tree
   * after its entries (post-order). complete() takes a stored tree as complete,
   * so a power cut between two puts must never leave a stored tree whose entries
   * are not: arrival order (a tree before its entries, and resends after drops)
   * does not give that.
   */
  private storeTree(id: usize, depth: i32): i32 {
    const c = this.chkCur.at(depth);
    let rc = c.open(this.q, id);
    if (rc != OK) return rc;
    while ((rc = c.next()) > 0) {
      if (this.b.has(c.child) == 1) continue;
      if (c.isTree) rc = this.storeTree(c.child, depth + 1);
      else {
        const b = this.q.find(c.child);
        rc = b == 0 ? E_NOTFOUND : this.b.put(OBJ_BLOB, Quarantine.body(b), Quarantine.len(b), this.id1);
      }
      if (rc < 0) return rc;
    }
    if (rc < 0) return rc;
    const t = this.q.find(c.id);
    return t == 0 ? E_NOTFOUND : this.b.put(OBJ_TREE, Quarantine.body(t), Quarantine.len(t), this.id1);
  }

  /** 1 if id is on the first-parent chain of our outgoing (view) branch. */
  private onViewChain(id: usize): i32 {
    if (this.b.getRef(this.outRef, this.outRefLen, this.id1) != OK) return 0;
    for (let i = 0; i < MAX_CHAIN; i++) {
      if (idEqual(this.id1, id)) return 1;
      const rc = this.ch2.read(this.src, this.id1);
      if (rc < 0) return rc;
      if (this.ch2.nParents == 0) return 0;
      memory.copy(this.id1, this.ch2.parent(0), ID_LEN);
    }
    return E_LIMIT;
  }

  /**
   * Gateway rule (docs/sync.md "Authorization"): every path where the new tree n
   * differs from the first parent's tree a lies inside a write prefix, unless it
   * equals the merged view's tree v at that path. Trees are walked in step and
   * equal subtrees skipped, so the cost follows the diff.
   */
  private authorize(n: usize, a: usize, v: usize, depth: i32, pathLen: i32): i32 {
    if (depth > MAX_DEPTH) return E_LIMIT;
    const cn = (this.azN as Cursors).at(depth);
    const ca = (this.azA as Cursors).at(depth);
    const cv = (this.azB as Cursors).at(depth);
    let rc = cn.open(this.lay, n);
    if (rc == OK) rc = ca.open(this.src, a);
    if (rc == OK) rc = cv.open(this.src, v);
    if (rc == OK) rc = cn.next();
    if (rc >= 0) rc = ca.next();
    if (rc >= 0) rc = cv.next();
    if (rc < 0) return rc;
    while (cn.valid || ca.valid) {
      const c = cmpCursor(cn, ca);
      if (c == 0 && sameEntry(cn, ca)) {
        if ((rc = cn.next()) < 0 || (rc = ca.next()) < 0) return rc;
        continue;
      }
      const x = c <= 0 ? cn : ca;
      while (cv.valid && cmpCursor(cv, x) < 0) if ((rc = cv.next()) < 0) return rc;
      const vHere = cv.valid && cmpCursor(cv, x) == 0;
      const nHere = c <= 0;
      const fromView = v != 0 && (nHere ? vHere && sameEntry(cn, cv) : !vHere);
      if (!fromView) {
        const pl = this.pathJoin(pathLen, x);
        if (pl < 0) return pl;
        if (!prefixCovers(this.writeP, this.writeLen, this.path, pl)) {
          const nTree = !nHere || cn.isTree;
          const aTree = c < 0 || ca.isTree;
          const vTree = !vHere || cv.isTree;
          if (nTree && aTree && (prefixUnder(this.writeP, this.writeLen, this.path, pl) || (vHere && cv.isTree))) {
            rc = this.authorize(nHere ? cn.child : 0, c >= 0 ? ca.child : 0, vHere && vTree ? cv.child : 0, depth + 1, pl);
            if (rc != OK) return rc;
            // The recursion reused deeper cursors only; this level's are intact.
          } else {
            const w = min(pl, REASON_MAX - 24);
            memory.copy(this.reason, this.path, <usize>w);
            this.reasonLen = w;
            return E_DENIED;
          }
        }
      }
      if (c <= 0 && (rc = cn.next()) < 0) return rc;
      if (c >= 0 && (rc = ca.next()) < 0) return rc;
    }
    return OK;
  }

  private reasonLen: i32 = 0;

  /** Appends x's name to the path at depth; returns the new length or E_LIMIT. */
  private pathJoin(pathLen: i32, x: TreeCursor): i32 {
    const sep = pathLen > 0 ? 1 : 0;
    const pl = pathLen + sep + x.nameLen;
    if (pl > PATH_MAX) return E_LIMIT;
    if (sep) store<u8>(this.path + <usize>pathLen, 0x2f);
    memory.copy(this.path + <usize>(pathLen + sep), x.name, <usize>x.nameLen);
    return pl;
  }

  private onAck(p: usize, n: i32): i32 {
    if (n != 1 + ID_LEN) return this.failPeer(E_PROTO, "ACK has the wrong length");
    for (let i = 0; i < this.winN; i++) {
      if (!idEqual(this.win + <usize>(i * ID_LEN), p + 1)) continue;
      memory.copy(this.acked, p + 1, ID_LEN);
      const left = this.winN - i - 1;
      memory.copy(this.win, this.win + <usize>((i + 1) * ID_LEN), <usize>(left * ID_LEN));
      this.winN = left;
      this.lastProgress = this.now;
      if (this.ackRefLen > 0) this.setAckRef();
      this.event(EV_ACKED, this.acked, 0, 0);
      this.maybeDone();
      return OK;
    }
    return OK; // stale or duplicated: ACKs are cumulative, a later one covers it
  }

  private onDone(p: usize, n: i32): i32 {
    if (n != 1 + ID_LEN) return this.failPeer(E_PROTO, "DONE has the wrong length");
    this.peerDone = true;
    memory.copy(this.peerDoneHead, p + 1, ID_LEN);
    // A peer says DONE only after we acknowledged its head; a head that sits
    // here unaccepted never will be (a forged parent, or objects that do not
    // hash to the ids the commit names).
    if (this.q.find(this.peerDoneHead) != 0 && this.b.has(this.peerDoneHead) == 0)
      return this.deny(E_DENIED, this.peerDoneHead, "commit cannot be accepted: parent unknown or objects missing/not matching their ids");
    if (!idEqual(this.peerDoneHead, this.inHead)) this.ackPending = !idIsZero(this.inHead);
    this.checkSynced();
    return OK;
  }

  private onRejected(p: usize, n: i32): i32 {
    if (n < 4 + ID_LEN) return this.failPeer(E_PROTO, "REJECT too short");
    const code = <i32>load<i8>(p, 1);
    const len = min(n - 4 - ID_LEN, REASON_MAX);
    this.state = S_CLOSED;
    this.event(EV_REJECTED, p + 4, p + 4 + ID_LEN, len, code);
    return E_DENIED;
  }

  private onPeerError(p: usize, n: i32): i32 {
    const code = n >= 2 ? <i32>load<i8>(p, 1) : E_PROTO;
    const len = n > 4 ? min(n - 4, REASON_MAX) : 0;
    this.state = S_CLOSED;
    memory.fill(this.id1, 0, ID_LEN);
    this.event(EV_FAILED, this.id1, p + 4, len, code);
    return code < 0 ? code : E_PROTO;
  }

  // ================================================================ sending

  /** Recomputes the chain (acked, head] and restarts sending from its oldest commit. */
  private startPush(): i32 {
    this.pushing = false;
    this.winN = 0;
    this.genStage = -1;
    this.hasPend = false;
    this.nextIdx = 1;
    this.k = 0;
    this.doneSent = false;
    this.lastProgress = this.now;
    const r = this.b.getRef(this.outRef, this.outRefLen, this.head);
    if (r == E_NOTFOUND) {
      memory.fill(this.head, 0, ID_LEN);
      this.pushing = true;
      this.maybeDone();
      return OK;
    }
    if (r < 0) return this.failLocal(r, "cannot read the outgoing branch");
    // Pass 1: count. Pass 2: checkpoints every `step` commits from the head.
    let k = 0;
    memory.copy(this.id1, this.head, ID_LEN);
    for (;;) {
      if (!idIsZero(this.acked) && idEqual(this.id1, this.acked)) break;
      const rc = this.ch.read(this.src, this.id1);
      if (rc < 0) return this.failLocal(rc, "outgoing history unreadable");
      k++;
      if (k > MAX_CHAIN) return this.failLocal(E_LIMIT, "outgoing history too long");
      if (this.ch.nParents == 0) {
        if (!idIsZero(this.acked)) return this.failLocal(E_CONFLICT, "peer holds commits this replica lacks");
        break;
      }
      memory.copy(this.id1, this.ch.parent(0), ID_LEN);
    }
    this.k = k;
    this.segN = 0;
    this.step = max(1, (k + NCP - 1) / NCP);
    memory.copy(this.id1, this.head, ID_LEN);
    this.nCps = 0;
    for (let d = 0; d < k; d++) {
      if (d % this.step == 0) {
        memory.copy(this.cps + <usize>(this.nCps * ID_LEN), this.id1, ID_LEN);
        this.nCps++;
      }
      if (d + 1 < k) {
        if (this.ch.read(this.src, this.id1) < 0) return this.failLocal(E_CORRUPT, "outgoing history unreadable");
        memory.copy(this.id1, this.ch.parent(0), ID_LEN);
      }
    }
    this.pushing = true;
    this.maybeDone();
    return OK;
  }

  /**
   * The commit d steps from the head along first parents, into out. Commits go
   * oldest first, so d falls by one each time: the walk from the checkpoint
   * keeps the SEG commits just newer than d, and the next calls find them there.
   */
  private commitAt(d: i32, out: usize): i32 {
    if (d >= this.segLo && d < this.segLo + this.segN) {
      memory.copy(out, this.seg + <usize>((d % SEG) * ID_LEN), ID_LEN);
      return OK;
    }
    const i = min(d / this.step, this.nCps - 1);
    const start = i * this.step;
    this.segN = 0;
    memory.copy(out, this.cps + <usize>(i * ID_LEN), ID_LEN);
    for (let s = start; ; s++) {
      memory.copy(this.seg + <usize>((s % SEG) * ID_LEN), out, ID_LEN);
      if (s == d) break;
      const rc = this.ch.read(this.src, out);
      if (rc < 0) return rc;
      memory.copy(out, this.ch.parent(0), ID_LEN);
    }
    this.segLo = max(start, d - SEG + 1);
    this.segN = d - this.segLo + 1;
    return OK;
  }

  private rewind(): void {
    this.nextIdx -= this.winN + (this.genStage >= 0 ? 1 : 0);
    if (this.nextIdx < 1) this.nextIdx = 1;
    this.winN = 0;
    this.genStage = -1;
    this.hasPend = false;
  }

  private maybeDone(): void {
    if (this.pushing && this.winN == 0 && this.genStage < 0 && this.nextIdx > this.k && !this.doneSent) this.donePending = true;
  }

  /** Fills one OBJS message with the next objects of the pending commits. */
  private packObjects(out: usize): i32 {
    if (!this.pushing) return 0;
    let len = 1;
    store<u8>(out, <u8>M_OBJS);
    for (;;) {
      if (!this.hasPend) {
        const rc = this.nextObject(this.pend);
        if (rc < 0) {
          this.failLocal(rc, "cannot read an object to send");
          return this.take(out, MSG_MAX);
        }
        if (rc == 0) break;
        this.hasPend = true;
      }
      const type = this.b.typeOf(this.pend);
      const size = this.b.sizeOf(this.pend);
      if (type < 0 || size < 0) {
        this.failLocal(type < 0 ? type : size, "object to send is missing");
        return this.take(out, MSG_MAX);
      }
      if (size > OBJ_MAX) {
        this.failLocal(E_LIMIT, "object larger than one message");
        return this.take(out, MSG_MAX);
      }
      if (len + OBJ_REC_HEAD + size > MSG_MAX) break;
      const at = out + <usize>(len + OBJ_REC_HEAD);
      this.b.readAt(this.pend, 0, at, size);
      const wire = type == OBJ_COMMIT ? packCommit(at, size) : 0;
      const recLen = wire > 0 ? wire : size;
      store<u8>(out + <usize>len, <u8>(wire > 0 ? REC_COMMIT_WIRE : type));
      store<u8>(out + <usize>(len + 1), <u8>(recLen >> 8));
      store<u8>(out + <usize>(len + 2), <u8>recLen);
      len += OBJ_REC_HEAD + recLen;
      this.hasPend = false;
    }
    return len > 1 ? len : 0;
  }

  /**
   * The next object of the pending commits, oldest commit first: each commit's
   * trees and blobs that differ from its parents' at the same path, then the
   * commit. 1 with the id in out, 0 when the window is full or all is sent.
   */
  private nextObject(out: usize): i32 {
    while (true) {
      if (this.genStage < 0) {
        if (this.winN >= WINDOW || this.nextIdx > this.k) return 0;
        const rc = this.commitAt(this.k - this.nextIdx, this.genCommit);
        if (rc < 0) return rc;
        memory.copy(this.win + <usize>(this.winN * ID_LEN), this.genCommit, ID_LEN);
        this.winN++;
        this.genStage = 0;
      }
      if (this.genStage == 0) {
        let rc = this.ch.read(this.src, this.genCommit);
        if (rc < 0) return rc;
        memory.fill(this.ptree0, 0, ID_LEN);
        memory.fill(this.ptree1, 0, ID_LEN);
        for (let i = 0; i < this.ch.nParents; i++) {
          if (this.ch2.read(this.src, this.ch.parent(i)) != OK) continue; // pruned: send all
          memory.copy(i == 0 ? this.ptree0 : this.ptree1, this.ch2.tree, ID_LEN);
        }
        if (idEqual(this.ch.tree, this.ptree0) || idEqual(this.ch.tree, this.ptree1)) {
          this.genStage = 2;
          continue;
        }
        const c = this.genCur.at(0);
        rc = c.open(this.src, this.ch.tree);
        if (rc == OK) rc = this.genB0.at(0).open(this.src, idIsZero(this.ptree0) ? 0 : this.ptree0);
        if (rc == OK) rc = this.genB1.at(0).open(this.src, idIsZero(this.ptree1) ? 0 : this.ptree1);
        if (rc == OK) rc = this.genB0.at(0).next();
        if (rc >= 0) rc = this.genB1.at(0).next();
        if (rc < 0) return rc;
        this.genDepth = 0;
        this.genStage = 1;
        memory.copy(out, this.ch.tree, ID_LEN);
        return 1;
      }
      if (this.genStage == 1) {
        const rc = this.walkStep(out);
        if (rc != 0) return rc;
        this.genStage = 2;
      }
      if (this.genStage == 2) {
        this.genStage = 3;
        memory.copy(out, this.genCommit, ID_LEN);
        return 1;
      }
      // Stage 3: the commit went out.
      this.genStage = -1;
      this.nextIdx++;
      this.lastProgress = this.now;
    }
    return 0;
  }

  /** One step of the tree walk; 1 with a new object, 0 when the tree is done. */
  private walkStep(out: usize): i32 {
    while (this.genDepth >= 0) {
      const d = this.genDepth;
      const c = this.genCur.at(d);
      let rc = c.next();
      if (rc < 0) return rc;
      if (rc == 0) {
        this.genDepth--;
        continue;
      }
      const b0 = this.genB0.at(d);
      const b1 = this.genB1.at(d);
      while (b0.valid && cmpCursor(b0, c) < 0) if ((rc = b0.next()) < 0) return rc;
      while (b1.valid && cmpCursor(b1, c) < 0) if ((rc = b1.next()) < 0) return rc;
      if (sameEntry(b0, c) || sameEntry(b1, c)) continue;
      memory.copy(out, c.child, ID_LEN);
      if (c.isTree) {
        if (d + 1 >= MAX_DEPTH) return E_LIMIT;
        const n = this.genCur.at(d + 1);
        rc = n.open(this.src, c.child);
        const s0 = b0.valid && b0.isTree && cmpCursor(b0, c) == 0;
        const s1 = b1.valid && b1.isTree && cmpCursor(b1, c) == 0;
        if (rc == OK) rc = this.genB0.at(d + 1).open(this.src, s0 ? b0.child : 0);
        if (rc == OK) rc = this.genB1.at(d + 1).open(this.src, s1 ? b1.child : 0);
        if (rc == OK) rc = this.genB0.at(d + 1).next();
        if (rc >= 0) rc = this.genB1.at(d + 1).next();
        if (rc < 0) return rc;
        this.genDepth = d + 1;
      }
      return 1;
    }
    return 0;
  }

  // ================================================================ outcomes

  private checkSynced(): void {
    const done = this.doneSent && this.winN == 0 && this.genStage < 0 && this.nextIdx > this.k;
    const have = this.peerDone && idEqual(this.peerDoneHead, this.inHead);
    const now = done && have;
    if (now && !this.synced) {
      memory.copy(this.id1, this.head, ID_LEN);
      this.event(EV_SYNCED, this.id1, this.inHead, ID_LEN);
    }
    this.synced = now;
  }

  private setAckRef(): void {
    const cur = this.b.getRef(this.ackRef, this.ackRefLen, this.id1) == OK ? this.id1 : 0;
    this.b.setRef(this.ackRef, this.ackRefLen, cur, this.acked);
  }

  /** Refuses a peer's commit: REJECT with the reason, nothing of it stored, session over. */
  private deny(code: i32, commitId: usize, why: string): i32 {
    let n = 0;
    if (why.length > 0) n = asciiInto(why, this.reason, REASON_MAX);
    else {
      // authorize() left the offending path in reason[0, reasonLen).
      memory.copy(this.reason + 24, this.reason, <usize>this.reasonLen);
      asciiInto("outside write prefixes: ", this.reason, 24);
      n = 24 + this.reasonLen;
    }
    store<u8>(this.fatal, <u8>M_REJECT);
    store<i8>(this.fatal, <i8>code, 1);
    store<u16>(this.fatal, 0, 2);
    memory.copy(this.fatal + 4, commitId, ID_LEN);
    memory.copy(this.fatal + 4 + ID_LEN, this.reason, <usize>n);
    this.fatalLen = 4 + ID_LEN + n;
    this.q.clear();
    this.state = S_FAILED_PEER;
    this.event(EV_DENIED, commitId, this.reason, n, code);
    return code;
  }

  private failPeer(code: i32, why: string): i32 {
    return this.fail(S_FAILED_PEER, code, why);
  }

  private failLocal(code: i32, why: string): i32 {
    return this.fail(S_FAILED_LOCAL, code, why);
  }

  private fail(state: i32, code: i32, why: string): i32 {
    const n = asciiInto(why, this.reason, REASON_MAX);
    store<u8>(this.fatal, <u8>M_ERROR);
    store<i8>(this.fatal, <i8>code, 1);
    store<u16>(this.fatal, 0, 2);
    memory.copy(this.fatal + 4, this.reason, <usize>n);
    this.fatalLen = 4 + n;
    this.q.clear();
    this.state = state;
    memory.fill(this.id1, 0, ID_LEN);
    this.event(EV_FAILED, this.id1, this.reason, n, code);
    return code;
  }

  /**
   * Queues an event: id ‖ (second id or text). An ACKED or RECEIVED right after
   * one of its kind replaces it (only the latest id matters, and a burst of
   * commits accepted at once must not push other events out); a full queue
   * drops the oldest.
   */
  private event(code: i32, id: usize, extra: usize, extraLen: i32, errCode: i32 = 0): void {
    if ((code == EV_ACKED || code == EV_RECEIVED) && this.evN > 0) {
      const last = this.evq + <usize>(((this.evHead + this.evN - 1) % EV_QUEUE) * EV_REC);
      if (load<i32>(last) == code) {
        memory.copy(last + 8, id, ID_LEN);
        return;
      }
    }
    if (this.evN == EV_QUEUE) {
      this.evHead = (this.evHead + 1) % EV_QUEUE;
      this.evN--;
    }
    const r = this.evq + <usize>(((this.evHead + this.evN) % EV_QUEUE) * EV_REC);
    const hasCode = code >= EV_REJECTED;
    let len = 0;
    if (hasCode) {
      store<i32>(r + 8, errCode);
      len = 4;
    }
    memory.copy(r + 8 + <usize>len, id, ID_LEN);
    len += ID_LEN;
    if (extraLen > 0) {
      memory.copy(r + 8 + <usize>len, extra, <usize>extraLen);
      len += extraLen;
    }
    store<i32>(r, code);
    store<i32>(r, len, 4);
    this.evN++;
  }
}

// ================================================================ helpers

/** Whether some prefix in the '\n'-terminated list covers path, by the
 *  certificate's rule (identity's underPrefix: an empty prefix covers
 *  everything, a whole-segment head or a head ending in '/' covers below). */
export function prefixCovers(list: usize, listLen: i32, path: usize, pathLen: i32): bool {
  let s = 0;
  while (s < listLen) {
    let e = s;
    while (e < listLen && load<u8>(list + <usize>e) != 0x0a) e++;
    if (underPrefix(path, pathLen, list + <usize>s, e - s)) return true;
    s = e + 1;
  }
  return false;
}

/** Whether some prefix in the list lies strictly below path (path is its ancestor). */
export function prefixUnder(list: usize, listLen: i32, path: usize, pathLen: i32): bool {
  let s = 0;
  while (s < listLen) {
    let e = s;
    while (e < listLen && load<u8>(list + <usize>e) != 0x0a) e++;
    const pl = e - s;
    if (pl > pathLen && memory.compare(list + <usize>s, path, <usize>pathLen) == 0 && (pathLen == 0 || load<u8>(list + <usize>(s + pathLen)) == 0x2f)) return true;
    s = e + 1;
  }
  return false;
}

function asciiInto(s: string, dst: usize, cap: i32): i32 {
  const n = min(s.length, cap);
  for (let i = 0; i < n; i++) store<u8>(dst + <usize>i, <u8>s.charCodeAt(i));
  return n;
}

function joined(prefix: string, name: usize, nameLen: i32): usize {
  const p = heap.alloc(<usize>(prefix.length + nameLen));
  asciiInto(prefix, p, prefix.length);
  memory.copy(p + <usize>prefix.length, name, <usize>nameLen);
  return p;
}
