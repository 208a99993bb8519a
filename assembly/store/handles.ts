// The fixed table of open stores behind the integer handles every store_* export
// takes (TEAM.md "Store handles"). Handles are 1..HANDLES_MAX; 0 is never valid.
// The flash part registers its FlashBackend here from flash_store_open().
import { Backend } from "./backend";
import { HANDLES_MAX } from "./limits";
import { Store } from "./store";

const stores = new StaticArray<Store | null>(HANDLES_MAX);

/** Opens a store over backend; returns its handle, or 0 when the table is full. */
export function registerStore(backend: Backend): i32 {
  for (let i = 0; i < HANDLES_MAX; i++) {
    if (unchecked(stores[i]) == null) {
      unchecked((stores[i] = new Store(backend)));
      return i + 1;
    }
  }
  return 0;
}

/** The store behind handle h, or null for an unknown or closed handle. */
export function storeOf(h: i32): Store | null {
  if (h < 1 || h > HANDLES_MAX) return null;
  return unchecked(stores[h - 1]);
}

/** Frees the handle's store (not its backend, which its opener owns). */
export function releaseStore(h: i32): Backend | null {
  const s = storeOf(h);
  if (s == null) return null;
  s.free();
  unchecked((stores[h - 1] = null));
  return s.backend;
}

/**
 * In the device's fixed 128 KiB the incremental GC does not keep pace with a
 * commit's allocations (tree levels, signature); without a full collection a
 * device ran out of memory after ~60 offline commits. A commit is rare next to
 * its cost in flash writes, so each one starts from a collected heap.
 */
export function collectBeforeCommit(): void {
  __collect();
}
