// The SDK's sync pump as exports (bindings/abi/builder.json), for the runner:
// `nymote build` adds them to an image whose app starts sync (imports sdk/sync),
// and only then, so an app that never syncs carries no session code. The runner
// calls sdk_sync_tick with its clock, feeds what the link received to
// sdk_sync_receive and sends what sdk_sync_take gives (sync.ts does the rest).
import { inMemory } from "../abi/bounds";
import { E_BOUNDS, E_INVAL } from "../abi/errors";
import { syncReceive, syncTake, syncTick } from "./sync";

export function sdk_sync_tick(now_ms: i64): i32 {
  return syncTick(now_ms);
}

export function sdk_sync_receive(ptr: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(ptr, n)) return E_BOUNDS;
  return syncReceive(ptr, n);
}

export function sdk_sync_take(out: usize, cap: i32): i32 {
  if (cap < 0) return E_INVAL;
  if (!inMemory(out, cap)) return E_BOUNDS;
  return syncTake(out, cap);
}
