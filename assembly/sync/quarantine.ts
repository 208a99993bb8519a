// Objects received from a peer but not yet accepted (as git receive-pack's
// quarantine): they are hashed on arrival, looked up by id while a commit is
// checked, and reach the store only when the commit that reaches them is
// accepted. A rejected commit leaves nothing in the store.
import { Sha256 } from "../crypto/sha256";
import { E_INVAL, E_NOMEM, E_NOTFOUND, OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "../store/backend";
import { ObjectSource, Writer, idEqual } from "./gitobj";

// Record layout: id (32) | type u8 | mark u8 | 2 pad | len u32 | body (len), 4-aligned.
const REC_HEAD: i32 = 40;

@inline
function recSize(len: i32): i32 {
  return (REC_HEAD + len + 3) & ~3;
}

const hasher = new Sha256();
const hdr = memory.data(24);

/** Git's object id: SHA-256 of "<type> <len>\0" ++ body. */
export function objectId(type: i32, body: usize, len: i32, out: usize): void {
  const w = new Writer(hdr, 24);
  w.str(type == OBJ_BLOB ? "blob " : type == OBJ_TREE ? "tree " : "commit ");
  w.dec(len);
  w.byte(0);
  hasher.update(hdr, w.len);
  hasher.update(body, len);
  hasher.final(out);
}

export class Quarantine extends ObjectSource {
  private buf: usize = 0;
  private size: i32 = 0;
  used: i32 = 0;
  count: i32 = 0;

  /** cap: the most bytes of records held at once (the memory bound). */
  constructor(public cap: i32) {
    super();
  }

  /** Adds an object unless present; writes its id. OK, or E_NOMEM past the cap. */
  add(type: i32, body: usize, len: i32, idOut: usize): i32 {
    if (type != OBJ_BLOB && type != OBJ_TREE && type != OBJ_COMMIT) return E_INVAL;
    objectId(type, body, len, idOut);
    if (this.find(idOut) != 0) return OK;
    const need = this.used + recSize(len);
    if (need > this.cap) return E_NOMEM;
    if (need > this.size) {
      let grow = max(this.size * 2, 1024);
      while (grow < need) grow *= 2;
      grow = min(grow, this.cap);
      this.buf = this.buf == 0 ? heap.alloc(<usize>grow) : heap.realloc(this.buf, <usize>grow);
      this.size = grow;
    }
    const r = this.buf + <usize>this.used;
    memory.copy(r, idOut, ID_LEN);
    store<u8>(r, <u8>type, 32);
    store<u8>(r, 0, 33);
    store<u32>(r, <u32>len, 36);
    memory.copy(r + <usize>REC_HEAD, body, <usize>len);
    this.used = need;
    this.count++;
    return OK;
  }

  /** The record of id, or 0. */
  find(id: usize): usize {
    let off = 0;
    while (off < this.used) {
      const r = this.buf + <usize>off;
      if (idEqual(r, id)) return r;
      off += recSize(<i32>load<u32>(r, 36));
    }
    return 0;
  }

  /** The i-th record in arrival order (0-based) or 0. */
  at(i: i32): usize {
    let off = 0;
    for (let k = 0; off < this.used; k++) {
      const r = this.buf + <usize>off;
      if (k == i) return r;
      off += recSize(<i32>load<u32>(r, 36));
    }
    return 0;
  }

  has(id: usize): i32 {
    return this.find(id) != 0 ? 1 : 0;
  }
  typeOf(id: usize): i32 {
    const r = this.find(id);
    return r == 0 ? E_NOTFOUND : <i32>load<u8>(r, 32);
  }
  sizeOf(id: usize): i32 {
    const r = this.find(id);
    return r == 0 ? E_NOTFOUND : <i32>load<u32>(r, 36);
  }
  readAt(id: usize, offset: i32, out: usize, len: i32): i32 {
    const r = this.find(id);
    if (r == 0) return E_NOTFOUND;
    const size = <i32>load<u32>(r, 36);
    if (offset < 0 || len < 0 || offset > size) return E_INVAL;
    const n = min(len, size - offset);
    memory.copy(out, r + <usize>(REC_HEAD + offset), <usize>n);
    return n;
  }

  static body(r: usize): usize {
    return r + <usize>REC_HEAD;
  }
  static len(r: usize): i32 {
    return <i32>load<u32>(r, 36);
  }
  static type(r: usize): i32 {
    return <i32>load<u8>(r, 32);
  }
  static mark(r: usize, on: bool): void {
    store<u8>(r, on ? 1 : 0, 33);
  }

  /** Drops marked records (drop=true) or clears every mark (drop=false). */
  compact(drop: bool): void {
    let src = 0;
    let dst = 0;
    let n = 0;
    while (src < this.used) {
      const r = this.buf + <usize>src;
      const sz = recSize(<i32>load<u32>(r, 36));
      const marked = load<u8>(r, 33) != 0;
      if (!drop || !marked) {
        if (dst != src) memory.copy(this.buf + <usize>dst, r, <usize>sz);
        store<u8>(this.buf + <usize>dst, 0, 33);
        dst += sz;
        n++;
      }
      src += sz;
    }
    this.used = dst;
    this.count = n;
    if (this.used == 0) this.clear();
  }

  clear(): void {
    if (this.buf != 0) heap.free(this.buf);
    this.buf = 0;
    this.size = 0;
    this.used = 0;
    this.count = 0;
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
