// Objects received from a peer but not yet accepted (as git receive-pack's
// quarantine): they are hashed on arrival, looked up by id while a commit is
// checked, and reach the store only when the commit that reaches them is
// accepted. A rejected commit leaves nothing in the store.
import { OK } from "../abi/errors";
import { Backend } from "../store/backend";
import { ObjectArena } from "./arena";
import { ObjectSource, idEqual } from "./gitobj";

export class Quarantine extends ObjectSource {
  private a: ObjectArena;

  /** cap: the most bytes of records held at once (the memory bound). */
  constructor(cap: i32) {
    super();
    this.a = new ObjectArena(cap, 1024);
  }

  get count(): i32 {
    return this.a.count;
  }

  /** Adds an object unless present, by its id (the caller hashed the body). OK, or E_NOMEM past the cap. */
  add(type: i32, body: usize, len: i32, id: usize): i32 {
    if (this.find(id) != 0) return OK;
    const off = this.a.append(type, body, len, id);
    return off < 0 ? off : OK;
  }

  /**
   * Room for a body of len bytes where the next record's body goes, to build an
   * object in place before add()ing it from there; 0 past the cap. Valid until
   * the next add.
   */
  room(len: i32): usize {
    return this.a.room(len);
  }

  /** The record of id, or 0 (a scan: the quarantine holds a few objects). */
  find(id: usize): usize {
    for (let off = 0; off < this.a.used; ) {
      const r = this.a.rec(off);
      if (idEqual(r, id)) return r;
      off = this.a.next(r);
    }
    return 0;
  }

  /** The i-th record in arrival order (0-based) or 0. */
  at(i: i32): usize {
    let off = 0;
    for (let k = 0; off < this.a.used; k++) {
      const r = this.a.rec(off);
      if (k == i) return r;
      off = this.a.next(r);
    }
    return 0;
  }

  has(id: usize): i32 {
    return this.find(id) != 0 ? 1 : 0;
  }
  typeOf(id: usize): i32 {
    return ObjectArena.typeOf(this.find(id));
  }
  sizeOf(id: usize): i32 {
    return ObjectArena.sizeOf(this.find(id));
  }
  readAt(id: usize, offset: i32, out: usize, len: i32): i32 {
    return ObjectArena.readAt(this.find(id), offset, out, len);
  }

  static body(r: usize): usize {
    return ObjectArena.body(r);
  }
  static len(r: usize): i32 {
    return ObjectArena.len(r);
  }
  static type(r: usize): i32 {
    return ObjectArena.type(r);
  }
  static mark(r: usize, on: bool): void {
    ObjectArena.mark(r, on);
  }

  /** Drops marked records (drop=true) or clears every mark (drop=false). */
  compact(drop: bool): void {
    this.a.compact(drop);
  }

  clear(): void {
    this.a.clear();
  }
}

/** Quarantine first, then the store: what a receiver sees while checking a commit. */
export class Layered extends ObjectSource {
  constructor(
    public q: Quarantine,
    public b: Backend,
  ) {
    super();
  }
  has(id: usize): i32 {
    return this.q.find(id) != 0 ? 1 : this.b.has(id);
  }
  typeOf(id: usize): i32 {
    return this.q.find(id) != 0 ? this.q.typeOf(id) : this.b.typeOf(id);
  }
  sizeOf(id: usize): i32 {
    return this.q.find(id) != 0 ? this.q.sizeOf(id) : this.b.sizeOf(id);
  }
  readAt(id: usize, offset: i32, out: usize, len: i32): i32 {
    return this.q.find(id) != 0 ? this.q.readAt(id, offset, out, len) : this.b.readAt(id, offset, out, len);
  }
}
