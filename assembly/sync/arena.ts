// Git objects kept in memory as records in one growing heap block, the table
// both the quarantine (objects received, not yet accepted) and the gateway's
// in-memory store keep. Each record is addressed by its offset; lookups by id
// are the owner's (a scan for the small quarantine, a hash index for the store).
//
// Record: id (32) | type u8 | mark u8 | 2 pad | len u32 | body (len), 4-aligned.
import { E_INVAL, E_NOMEM, E_NOTFOUND } from "../abi/errors";
import { ID_LEN, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "../store/backend";
import { hashObject } from "../store/objects";

const REC_HEAD: i32 = 40;

@inline
function recSize(len: i32): i32 {
  return (REC_HEAD + len + 3) & ~3;
}

export class ObjectArena {
  buf: usize = 0;
  size: i32 = 0;
  /** Bytes of records held. */
  used: i32 = 0;
  count: i32 = 0;

  /** cap: the most bytes of records held at once; minGrow: the first block's size. */
  constructor(
    public cap: i32,
    private minGrow: i32,
  ) {}

  /** Reserves the whole cap at once (growing by realloc needs old and new blocks together). */
  reserveAll(): void {
    if (this.buf == 0) {
      this.buf = heap.alloc(<usize>this.cap);
      this.size = this.cap;
    }
  }

  /** The id of a body, E_INVAL for an unknown type or a negative length. */
  static hash(type: i32, body: usize, len: i32, idOut: usize): i32 {
    if ((type != OBJ_BLOB && type != OBJ_TREE && type != OBJ_COMMIT) || len < 0) return E_INVAL;
    hashObject(type, body, len, idOut);
    return 0;
  }

  /** Appends a record for id (hashed by the caller); its offset, or E_NOMEM past the cap. */
  append(type: i32, body: usize, len: i32, id: usize): i32 {
    if (this.room(len) == 0) return E_NOMEM;
    const r = this.buf + <usize>this.used;
    memory.copy(r, id, ID_LEN);
    store<u8>(r, <u8>type, 32);
    store<u8>(r, 0, 33);
    store<u32>(r, <u32>len, 36);
    memory.copy(r + <usize>REC_HEAD, body, <usize>len); // a no-op from room()'s address
    const off = this.used;
    this.used += recSize(len);
    this.count++;
    return off;
  }

  /** Grows the block for one more record of len bytes; where its body goes, or 0 past the cap. */
  room(len: i32): usize {
    const need = this.used + recSize(len);
    if (len < 0 || need > this.cap) return 0;
    if (need > this.size) {
      let grow = max(this.size * 2, this.minGrow);
      while (grow < need) grow *= 2;
      grow = min(grow, this.cap);
      this.buf = this.buf == 0 ? heap.alloc(<usize>grow) : heap.realloc(this.buf, <usize>grow);
      this.size = grow;
    }
    return this.buf + <usize>(this.used + REC_HEAD);
  }

  /** The record at offset off. */
  @inline
  rec(off: i32): usize {
    return this.buf + <usize>off;
  }

  /** The offset of the record after r. */
  @inline
  next(r: usize): i32 {
    return <i32>(r - this.buf) + recSize(ObjectArena.len(r));
  }

  @inline
  static body(r: usize): usize {
    return r + <usize>REC_HEAD;
  }
  @inline
  static len(r: usize): i32 {
    return <i32>load<u32>(r, 36);
  }
  @inline
  static type(r: usize): i32 {
    return <i32>load<u8>(r, 32);
  }
  @inline
  static marked(r: usize): bool {
    return load<u8>(r, 33) != 0;
  }
  @inline
  static mark(r: usize, on: bool): void {
    store<u8>(r, on ? 1 : 0, 33);
  }

  /** ObjectSource.typeOf / sizeOf on a record (0: not found). */
  static typeOf(r: usize): i32 {
    return r == 0 ? E_NOTFOUND : ObjectArena.type(r);
  }
  static sizeOf(r: usize): i32 {
    return r == 0 ? E_NOTFOUND : ObjectArena.len(r);
  }

  /** ObjectSource.readAt on a record (0: not found). */
  static readAt(r: usize, offset: i32, out: usize, len: i32): i32 {
    if (r == 0) return E_NOTFOUND;
    const size = ObjectArena.len(r);
    if (offset < 0 || len < 0 || offset > size) return E_INVAL;
    const n = min(len, size - offset);
    memory.copy(out, r + <usize>(REC_HEAD + offset), <usize>n);
    return n;
  }

  /** Drops marked records (drop=true) or clears every mark (drop=false). */
  compact(drop: bool): void {
    let src = 0;
    let dst = 0;
    let n = 0;
    while (src < this.used) {
      const r = this.buf + <usize>src;
      const sz = recSize(ObjectArena.len(r));
      if (!drop || !ObjectArena.marked(r)) {
        if (dst != src) memory.copy(this.buf + <usize>dst, r, <usize>sz);
        ObjectArena.mark(this.buf + <usize>dst, false);
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
