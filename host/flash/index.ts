// The flash part of the host library: the NOR flash simulator and its file-backed variant.
export { type CutPlan, FileFlash, rng, SimFlash, type SimFlashOptions } from "./sim.ts";
