// The in-memory Backend: objects in one open-addressing hash table keyed by id,
// refs in a small sorted table. Used by tests, by the gateway (through the host
// API) and as the reference the flash backend is checked against (tests/store
// backend suite). Bodies count against MEMORY_BACKEND_MAX; past it put() returns
// E_FULL rather than letting the allocator trap.
import { E_BOUNDS, E_CONFLICT, E_FULL, E_INVAL, E_NOTFOUND, OK } from "../abi/errors";
import { compareBytes } from "../cbor";
import { Backend, ID_LEN, REF_NAME_MAX } from "./backend";
import { GATEWAY, MEMORY_BACKEND_MAX } from "./limits";
import { hashObject, idEqual, idIsZero, validType } from "./objects";

// Record layout: id[32] type:i32 len:i32 body[len].
const REC_TYPE: usize = 32;
const REC_LEN: usize = 36;
const REC_BODY: usize = 40;

const REFS_MAX: i32 = GATEWAY ? 1024 : 16;
// Ref slot: len:i32 name[REF_NAME_MAX] id[32].
const REF_SLOT: i32 = 4 + REF_NAME_MAX + ID_LEN;

export class MemoryBackend extends Backend {
  private table: usize;
  private mask: i32 = 63;
  private count: i32 = 0;
  private bytes: i64 = 0;
  private refs: usize;
  private refCount: i32 = 0;

  constructor() {
    super();
    this.table = heap.alloc(64 * sizeof<usize>());
    memory.fill(this.table, 0, 64 * sizeof<usize>());
    this.refs = heap.alloc(<usize>(REFS_MAX * REF_SLOT));
  }

  /** Releases every object and ref; the backend is unusable afterwards. */
  dispose(): void {
    for (let i = 0; i <= this.mask; i++) {
      const r = load<usize>(this.table + (<usize>i) * sizeof<usize>());
      if (r != 0) heap.free(r);
    }
    heap.free(this.table);
    heap.free(this.refs);
  }

  /** Objects held and their body bytes (for tests and the bench). */
  objectCount(): i32 {
    return this.count;
  }

  bodyBytes(): i64 {
    return this.bytes;
  }

  private slot(id: usize): i32 {
    let i = <i32>load<u32>(id) & this.mask;
    while (true) {
      const r = load<usize>(this.table + (<usize>i) * sizeof<usize>());
      if (r == 0 || idEqual(r, id)) return i;
      i = (i + 1) & this.mask;
    }
    return -1;
  }

  private find(id: usize): usize {
    return load<usize>(this.table + (<usize>this.slot(id)) * sizeof<usize>());
  }

  private grow(): void {
    const oldTable = this.table;
    const oldSize = this.mask + 1;
    const size = oldSize << 1;
    this.table = heap.alloc((<usize>size) * sizeof<usize>());
    memory.fill(this.table, 0, (<usize>size) * sizeof<usize>());
    this.mask = size - 1;
    for (let i = 0; i < oldSize; i++) {
      const r = load<usize>(oldTable + (<usize>i) * sizeof<usize>());
      if (r != 0) store<usize>(this.table + (<usize>this.slot(r)) * sizeof<usize>(), r);
    }
    heap.free(oldTable);
  }

  put(type: i32, body: usize, len: i32, idOut: usize): i32 {
    if (!validType(type) || len < 0) return E_INVAL;
    hashObject(type, body, len, idOut);
    if (this.find(idOut) != 0) return OK;
    if (this.bytes + <i64>len + <i64>REC_BODY > <i64>MEMORY_BACKEND_MAX) return E_FULL;
    // Keep the load factor under 1/2 so probes stay short.
    if ((this.count + 1) * 2 > this.mask + 1) this.grow();
    const r = heap.alloc(REC_BODY + <usize>len);
    memory.copy(r, idOut, ID_LEN);
    store<i32>(r + REC_TYPE, type);
    store<i32>(r + REC_LEN, len);
    memory.copy(r + REC_BODY, body, <usize>len);
    store<usize>(this.table + (<usize>this.slot(idOut)) * sizeof<usize>(), r);
    this.count++;
    this.bytes += <i64>len + <i64>REC_BODY;
    return OK;
  }

  has(id: usize): i32 {
    return this.find(id) != 0 ? 1 : 0;
  }

  typeOf(id: usize): i32 {
    const r = this.find(id);
    return r == 0 ? E_NOTFOUND : load<i32>(r + REC_TYPE);
  }

  sizeOf(id: usize): i32 {
    const r = this.find(id);
    return r == 0 ? E_NOTFOUND : load<i32>(r + REC_LEN);
  }

  readAt(id: usize, offset: i32, out: usize, len: i32): i32 {
    const r = this.find(id);
    if (r == 0) return E_NOTFOUND;
    const size = load<i32>(r + REC_LEN);
    if (offset < 0 || len < 0 || offset > size) return E_BOUNDS;
    const n = min(len, size - offset);
    memory.copy(out, r + REC_BODY + <usize>offset, <usize>n);
    return n;
  }

  // Refs: sorted by name bytes so refAt is in byte order.
  private refSlot(i: i32): usize {
    return this.refs + <usize>(i * REF_SLOT);
  }

  /** Index of the ref, or -(insertion point) - 1. */
  private refIndex(name: usize, nameLen: i32): i32 {
    let lo = 0;
    let hi = this.refCount;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const s = this.refSlot(mid);
      const c = compareBytes(s + 4, load<i32>(s), name, nameLen);
      if (c == 0) return mid;
      if (c < 0) lo = mid + 1;
      else hi = mid;
    }
    return -lo - 1;
  }

  getRef(name: usize, nameLen: i32, idOut: usize): i32 {
    if (!validRefName(name, nameLen)) return E_INVAL;
    const i = this.refIndex(name, nameLen);
    if (i < 0) return E_NOTFOUND;
    memory.copy(idOut, this.refSlot(i) + 4 + <usize>REF_NAME_MAX, ID_LEN);
    return OK;
  }

  setRef(name: usize, nameLen: i32, expected: usize, id: usize): i32 {
    if (!validRefName(name, nameLen)) return E_INVAL;
    const i = this.refIndex(name, nameLen);
    if (expected == 0) {
      if (i >= 0) return E_CONFLICT;
    } else if (i < 0 || !idEqual(this.refSlot(i) + 4 + <usize>REF_NAME_MAX, expected)) {
      return E_CONFLICT;
    }
    if (id == 0) {
      if (i < 0) return OK;
      memory.copy(this.refSlot(i), this.refSlot(i + 1), <usize>((this.refCount - i - 1) * REF_SLOT));
      this.refCount--;
      return OK;
    }
    if (idIsZero(id)) return E_INVAL;
    if (i >= 0) {
      memory.copy(this.refSlot(i) + 4 + <usize>REF_NAME_MAX, id, ID_LEN);
      return OK;
    }
    if (this.refCount >= REFS_MAX) return E_FULL;
    const at = -i - 1;
    memory.copy(this.refSlot(at + 1), this.refSlot(at), <usize>((this.refCount - at) * REF_SLOT));
    const s = this.refSlot(at);
    store<i32>(s, nameLen);
    memory.copy(s + 4, name, <usize>nameLen);
    memory.copy(s + 4 + <usize>REF_NAME_MAX, id, ID_LEN);
    this.refCount++;
    return OK;
  }

  refAt(index: i32, out: usize): i32 {
    if (index < 0 || index >= this.refCount) return E_NOTFOUND;
    const s = this.refSlot(index);
    const n = load<i32>(s);
    memory.copy(out, s + 4, <usize>n);
    return n;
  }
}

/**
 * Ref names: 1..REF_NAME_MAX printable ASCII bytes without space, '~', '^', ':',
 * '?', '*', '[', '\\', no "..", no leading or trailing '/', no empty component:
 * a subset of git-check-ref-format, so refs export as Git branches unchanged.
 */
export function validRefName(name: usize, len: i32): bool {
  if (len <= 0 || len > REF_NAME_MAX) return false;
  let prev = 0x2f;
  for (let i = 0; i < len; i++) {
    const c = <i32>load<u8>(name + <usize>i);
    if (c <= 0x20 || c >= 0x7f) return false;
    if (c == 0x7e || c == 0x5e || c == 0x3a || c == 0x3f || c == 0x2a || c == 0x5b || c == 0x5c) return false;
    if (c == 0x2f && prev == 0x2f) return false;
    if (c == 0x2e && prev == 0x2e) return false;
    if (c == 0x2e && prev == 0x2f) return false;
    prev = c;
  }
  return prev != 0x2f && prev != 0x2e;
}
