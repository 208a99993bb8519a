// Interim in-memory Backend with a handle table, so sync, the gateway and the
// simulator run end to end before the store part's memory and flash backends
// land on main; they replace it (docs/sync.md "Status"). Objects live in one
// growing arena (arena.ts, shared with the quarantine) with an open-addressing
// index on the id's first 4 bytes.
import { E_CONFLICT, E_INVAL, E_LIMIT, E_NOTFOUND, OK } from "../abi/errors";
import { Backend, ID_LEN, REF_NAME_MAX } from "../store/backend";
import { ObjectArena } from "./arena";

const SMALL_BUDGET: i32 = 256 * 1024;

export class MemBackend extends Backend {
  private a: ObjectArena;
  private slots: usize = 0; // u32 offsets + 1 (0 = empty)
  private nSlots: i32 = 0;
  private refNames: usize;
  private refIds: usize;
  private nRefs: i32 = 0;

  /** budget: the most bytes of objects kept (E_NOMEM past it); maxRefs: ref table size. */
  constructor(
    public budget: i32,
    public maxRefs: i32,
  ) {
    super();
    this.a = new ObjectArena(budget, 4096);
    this.refNames = heap.alloc(<usize>(maxRefs * (REF_NAME_MAX + 1)));
    this.refIds = heap.alloc(<usize>(maxRefs * ID_LEN));
    // Small (device) budgets are reserved whole: growing by realloc would need
    // the old and the new arena at once.
    if (budget <= SMALL_BUDGET) this.a.reserveAll();
    this.rehash(64);
  }

  private rehash(n: i32): void {
    const old = this.slots;
    const oldN = this.nSlots;
    this.slots = heap.alloc(<usize>n * 4);
    memory.fill(this.slots, 0, <usize>n * 4);
    this.nSlots = n;
    for (let i = 0; i < oldN; i++) {
      const v = load<u32>(old + <usize>i * 4);
      if (v != 0) this.place(v);
    }
    if (old != 0) heap.free(old);
  }

  private place(v: u32): void {
    const mask = <u32>(this.nSlots - 1);
    let i = load<u32>(this.a.rec(<i32>v - 1)) & mask;
    while (load<u32>(this.slots + <usize>i * 4) != 0) i = (i + 1) & mask;
    store<u32>(this.slots + <usize>i * 4, v);
  }

  private find(id: usize): usize {
    const mask = <u32>(this.nSlots - 1);
    let i = load<u32>(id) & mask;
    let v = load<u32>(this.slots + <usize>i * 4);
    while (v != 0) {
      const r = this.a.rec(<i32>v - 1);
      if (memory.compare(r, id, ID_LEN) == 0) return r;
      i = (i + 1) & mask;
      v = load<u32>(this.slots + <usize>i * 4);
    }
    return 0;
  }

  put(type: i32, body: usize, len: i32, idOut: usize): i32 {
    const rc = ObjectArena.hash(type, body, len, idOut);
    if (rc < 0) return rc;
    if (this.find(idOut) != 0) return OK;
    const off = this.a.append(type, body, len, idOut);
    if (off < 0) return off;
    if (this.a.count * 2 > this.nSlots) this.rehash(this.nSlots * 2);
    this.place(<u32>off + 1);
    return OK;
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

  private refIndex(name: usize, nameLen: i32): i32 {
    for (let i = 0; i < this.nRefs; i++) {
      const p = this.refNames + <usize>(i * (REF_NAME_MAX + 1));
      if (<i32>load<u8>(p) == nameLen && memory.compare(p + 1, name, <usize>nameLen) == 0) return i;
    }
    return -1;
  }

  getRef(name: usize, nameLen: i32, idOut: usize): i32 {
    if (nameLen <= 0 || nameLen > REF_NAME_MAX) return E_INVAL;
    const i = this.refIndex(name, nameLen);
    if (i < 0) return E_NOTFOUND;
    memory.copy(idOut, this.refIds + <usize>(i * ID_LEN), ID_LEN);
    return OK;
  }

  setRef(name: usize, nameLen: i32, expected: usize, id: usize): i32 {
    if (nameLen <= 0 || nameLen > REF_NAME_MAX) return E_INVAL;
    let i = this.refIndex(name, nameLen);
    if (i < 0) {
      if (expected != 0) return E_CONFLICT;
    } else if (expected == 0 || memory.compare(this.refIds + <usize>(i * ID_LEN), expected, ID_LEN) != 0) return E_CONFLICT;
    if (id == 0) {
      if (i >= 0) {
        // Keep names in byte order: shift the tail down.
        const tail = this.nRefs - i - 1;
        memory.copy(this.refNames + <usize>(i * (REF_NAME_MAX + 1)), this.refNames + <usize>((i + 1) * (REF_NAME_MAX + 1)), <usize>(tail * (REF_NAME_MAX + 1)));
        memory.copy(this.refIds + <usize>(i * ID_LEN), this.refIds + <usize>((i + 1) * ID_LEN), <usize>(tail * ID_LEN));
        this.nRefs--;
      }
      return OK;
    }
    if (i < 0) {
      if (this.nRefs == this.maxRefs) return E_LIMIT;
      // Insert in byte order of names.
      i = 0;
      while (i < this.nRefs && cmpName(this.refNames + <usize>(i * (REF_NAME_MAX + 1)), name, nameLen) < 0) i++;
      const tail = this.nRefs - i;
      memory.copy(this.refNames + <usize>((i + 1) * (REF_NAME_MAX + 1)), this.refNames + <usize>(i * (REF_NAME_MAX + 1)), <usize>(tail * (REF_NAME_MAX + 1)));
      memory.copy(this.refIds + <usize>((i + 1) * ID_LEN), this.refIds + <usize>(i * ID_LEN), <usize>(tail * ID_LEN));
      const p = this.refNames + <usize>(i * (REF_NAME_MAX + 1));
      store<u8>(p, <u8>nameLen);
      memory.copy(p + 1, name, <usize>nameLen);
      this.nRefs++;
    }
    memory.copy(this.refIds + <usize>(i * ID_LEN), id, ID_LEN);
    return OK;
  }

  refAt(index: i32, out: usize): i32 {
    if (index < 0 || index >= this.nRefs) return E_NOTFOUND;
    const p = this.refNames + <usize>(index * (REF_NAME_MAX + 1));
    const n = <i32>load<u8>(p);
    memory.copy(out, p + 1, <usize>n);
    return n;
  }
}

function cmpName(stored: usize, name: usize, nameLen: i32): i32 {
  const sl = <i32>load<u8>(stored);
  const c = memory.compare(stored + 1, name, <usize>min(sl, nameLen));
  return c != 0 ? c : sl - nameLen;
}
