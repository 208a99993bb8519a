// Bounds of the store. The device targets (debug, release: 128 KiB of linear
// memory, 16 KiB of it stack) get small tables; the gateway target (-O3, up to
// 64 MiB) gets larger ones. Every bound returns E_LIMIT / E_NOMEM when exceeded,
// never a trap (STYLE: size chosen at compile time).

/** True for the gateway build (asconfig "gateway": optimizeLevel 3, shrinkLevel 0). */
export const GATEWAY: bool = ASC_OPTIMIZE_LEVEL >= 3 && ASC_SHRINK_LEVEL == 0;

/** A path is at most this many bytes ("sensors/kitchen/temp"). */
export const PATH_MAX: i32 = 255;
/** One path segment (a Git tree entry name) is at most this many bytes. */
export const SEGMENT_MAX: i32 = 64;
/** At most this many segments: bounds every recursion over trees. */
export const DEPTH_MAX: i32 = 8;

/** Staged (uncommitted) writes a store holds before commit must be called. */
export const STAGE_MAX: i32 = GATEWAY ? 1024 : 16;

/**
 * Largest object body on a device, and of any object on flash: one record in one
 * 4 KiB sector at the coarsest supported write granularity (32 bytes: 4096 minus a
 * 128-byte sector header and a 64-byte record header). The flash log refuses a
 * geometry whose sectors cannot hold it (store/flash/log.ts mount) and any larger
 * object (E_LIMIT), so device stores and flash share this one bound.
 */
export const DEVICE_OBJECT_MAX: i32 = 3904;

/**
 * Largest object body the store assembles or accepts (a value, a tree level, a
 * commit, a merged value: every body is built in a Buf bounded by it, E_NOMEM past
 * it; store_set refuses a larger value with E_LIMIT).
 */
export const OBJECT_MAX: i32 = GATEWAY ? 8 << 20 : DEVICE_OBJECT_MAX;

/** Bytes of object bodies the memory backend may hold (its whole budget). */
export const MEMORY_BACKEND_MAX: i32 = GATEWAY ? 48 << 20 : 32 << 10;

/** Commits an LCA search may visit before it gives up with E_LIMIT. */
export const LCA_VISIT_MAX: i32 = GATEWAY ? 8192 : 128;
/** Nesting of virtual merge bases (criss-cross of criss-crosses). */
export const LCA_RECURSION_MAX: i32 = 4;

/** Open store handles. */
export const HANDLES_MAX: i32 = GATEWAY ? 64 : 4;

/** Author / committer identity ("Name <email>") and commit message bounds. */
export const AUTHOR_MAX: i32 = 128;
export const MESSAGE_MAX: i32 = GATEWAY ? 1 << 16 : 1024;
