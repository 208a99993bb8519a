// The flash store's exports (bindings/abi/flash.json). Every pointer range is checked
// against linear memory before use; results are OK, a count, or a negative code.
import { E_BOUNDS, E_INVAL, E_NOMEM, E_STATE, OK } from "../../abi/errors";
import { registerStore, releaseStore } from "../handles";
import { ID_LEN, REF_NAME_MAX } from "../backend";
import { flashBackend } from "./backend";
import { checkReachable, installLiveness, LIVE_RAM } from "./live";
import { checkRecords, compactAll, mount, mounted, stats, writePrune } from "./log";
import { inMemory } from "../../abi/bounds";

// The store handle registered for the partition by the last flash_store_open.
let handle: i32 = 0;
const STATS_LEN: i32 = 68;

/**
 * Mounts the data partition (recovering after any power cut) and registers it with
 * the store's handle table; the handle, which every store_* export takes, or an
 * error. Opening again re-mounts and replaces the previous handle.
 */
export function flash_store_open(): i32 {
  if (handle != 0) releaseStore(handle);
  handle = 0;
  const rc = mount();
  if (rc != OK) return rc;
  installLiveness();
  handle = registerStore(flashBackend);
  return handle > 0 ? handle : E_NOMEM;
}

export function flash_obj_put(type: i32, body: usize, len: i32, idOut: usize): i32 {
  if (len < 0) return E_INVAL;
  if (!inMemory(body, len) || !inMemory(idOut, ID_LEN)) return E_BOUNDS;
  return flashBackend.put(type, body, len, idOut);
}

export function flash_obj_has(id: usize): i32 {
  if (!inMemory(id, ID_LEN)) return E_BOUNDS;
  return flashBackend.has(id);
}

export function flash_obj_type(id: usize): i32 {
  if (!inMemory(id, ID_LEN)) return E_BOUNDS;
  return flashBackend.typeOf(id);
}

export function flash_obj_size(id: usize): i32 {
  if (!inMemory(id, ID_LEN)) return E_BOUNDS;
  return flashBackend.sizeOf(id);
}

export function flash_obj_read(id: usize, offset: i32, out: usize, len: i32): i32 {
  if (len < 0 || offset < 0) return E_INVAL;
  if (!inMemory(id, ID_LEN) || !inMemory(out, len)) return E_BOUNDS;
  return flashBackend.readAt(id, offset, out, len);
}

export function flash_ref_get(name: usize, n: i32, idOut: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(name, n) || !inMemory(idOut, ID_LEN)) return E_BOUNDS;
  return flashBackend.getRef(name, n, idOut);
}

export function flash_ref_set(name: usize, n: i32, expected: usize, id: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(name, n) || (expected != 0 && !inMemory(expected, ID_LEN)) || (id != 0 && !inMemory(id, ID_LEN))) return E_BOUNDS;
  return flashBackend.setRef(name, n, expected, id);
}

export function flash_ref_at(index: i32, out: usize): i32 {
  if (!inMemory(out, REF_NAME_MAX)) return E_BOUNDS;
  return flashBackend.refAt(index, out);
}

export function flash_store_prune(commit: usize): i32 {
  if (!inMemory(commit, ID_LEN)) return E_BOUNDS;
  return writePrune(commit);
}

export function flash_store_compact(): i32 {
  return compactAll();
}

export function flash_store_check(): i32 {
  if (!mounted) return E_STATE;
  const bad = checkRecords();
  if (bad < 0) return bad;
  const unreachable = checkReachable();
  return unreachable < 0 ? unreachable : bad + unreachable;
}

export function flash_store_stats(out: usize, cap: i32): i32 {
  if (cap < STATS_LEN) return E_INVAL;
  if (!inMemory(out, cap)) return E_BOUNDS;
  if (!mounted) return E_STATE;
  const n = stats(out);
  store<u32>(out, load<u32>(out, 24) + <u32>LIVE_RAM, 24); // the liveness walk's tables too
  return n;
}
