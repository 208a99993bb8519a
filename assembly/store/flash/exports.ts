// The flash store's exports (bindings/abi/flash.json). Every pointer range is checked
// against linear memory before use; results are OK, a count, or a negative code.
import { E_BOUNDS, E_INVAL, E_STATE, OK } from "../../abi/errors";
import { ID_LEN, REF_NAME_MAX } from "../backend";
import { flashBackend } from "./backend";
import { checkRecords, compactAll, mount, mounted, refCount, refTarget, stats, writePrune } from "./log";

/** The handle flash_store_open returns (the store's handle table may map it). */
const FLASH_HANDLE: i32 = 1;
const STATS_LEN: i32 = 68;

@inline
function inside(p: usize, n: i32): bool {
  return n >= 0 && <u64>p + <u64>n <= (<u64>memory.size() << 16);
}

/** Mounts the data partition (recovering after any power cut); a store handle or an error. */
export function flash_store_open(): i32 {
  const rc = mount();
  return rc == OK ? FLASH_HANDLE : rc;
}

export function flash_obj_put(type: i32, body: usize, len: i32, idOut: usize): i32 {
  if (len < 0) return E_INVAL;
  if (!inside(body, len) || !inside(idOut, ID_LEN)) return E_BOUNDS;
  return flashBackend.put(type, body, len, idOut);
}

export function flash_obj_has(id: usize): i32 {
  if (!inside(id, ID_LEN)) return E_BOUNDS;
  return flashBackend.has(id);
}

export function flash_obj_type(id: usize): i32 {
  if (!inside(id, ID_LEN)) return E_BOUNDS;
  return flashBackend.typeOf(id);
}

export function flash_obj_size(id: usize): i32 {
  if (!inside(id, ID_LEN)) return E_BOUNDS;
  return flashBackend.sizeOf(id);
}

export function flash_obj_read(id: usize, offset: i32, out: usize, len: i32): i32 {
  if (len < 0 || offset < 0) return E_INVAL;
  if (!inside(id, ID_LEN) || !inside(out, len)) return E_BOUNDS;
  return flashBackend.readAt(id, offset, out, len);
}

export function flash_ref_get(name: usize, n: i32, idOut: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(name, n) || !inside(idOut, ID_LEN)) return E_BOUNDS;
  return flashBackend.getRef(name, n, idOut);
}

export function flash_ref_set(name: usize, n: i32, expected: usize, id: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(name, n) || (expected != 0 && !inside(expected, ID_LEN)) || (id != 0 && !inside(id, ID_LEN))) return E_BOUNDS;
  return flashBackend.setRef(name, n, expected, id);
}

export function flash_ref_at(index: i32, out: usize): i32 {
  if (!inside(out, REF_NAME_MAX)) return E_BOUNDS;
  return flashBackend.refAt(index, out);
}

export function flash_store_prune(commit: usize): i32 {
  if (!inside(commit, ID_LEN)) return E_BOUNDS;
  return writePrune(commit);
}

export function flash_store_compact(): i32 {
  return compactAll();
}

export function flash_store_check(): i32 {
  let bad = checkRecords();
  if (bad < 0) return bad;
  // Every ref must name an object that is stored and readable.
  for (let i = 0; i < refCount(); i++) {
    const t = refTarget(i);
    let zero = true;
    for (let k = 0; k < ID_LEN; k++) if (load<u8>(t + <usize>k) != 0) zero = false;
    if (zero) continue;
    if (flashBackend.sizeOf(t) < 0 || flashBackend.readAt(t, 0, 0, 0) < 0) bad++;
  }
  return bad;
}

export function flash_store_stats(out: usize, cap: i32): i32 {
  if (cap < STATS_LEN) return E_INVAL;
  if (!inside(out, cap)) return E_BOUNDS;
  if (!mounted) return E_STATE;
  return stats(out);
}
