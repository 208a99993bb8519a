// Exports every module has, whatever app or part it carries (bindings/abi/core.json).
// The entry must import the abort redirect's target (asc --use abort=...).
import "./panic";

/** Bumped with bindings/abi.ts ABI_VERSION. */
export function abi_version(): i32 {
  return 1;
}

/** Unmanaged buffer for data the host passes in; 0 for len <= 0. The host keeps
 *  requests inside the memory budget (a failed grow panics). */
export function mem_alloc(len: i32): usize {
  if (len <= 0) return 0;
  return heap.alloc(<usize>len);
}

export function mem_free(ptr: usize): void {
  if (ptr != 0) heap.free(ptr);
}

export { mem_heap_stats, mem_paint } from "./memstat";
