// The flash part of the host library: the NOR flash simulator, its file-backed
// variant, and typed access to the core's flash store exports.
export { type FlashStats, FlashStore, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "./client.ts";
export { type CutPlan, FileFlash, rng, SimFlash, type SimFlashOptions } from "./sim.ts";
