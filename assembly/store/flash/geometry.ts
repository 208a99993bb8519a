// The partition as the flash_* imports describe it, and the layout this part puts on
// it:
//
//   sector 0, 1       the device secret area (two copies, secret.ts)
//   sector 2 .. N-1   the object and ref log (log.ts)
//
// Bounds: sectors of 512 B to 64 KiB (powers of two; 4 KiB on ESP32; the log needs
// 4 KiB to hold its largest object, log.ts), write granularity a power of two up to
// MAX_GRANULE, at most MAX_SECTORS sectors.
import { E_IO, E_UNSUPPORTED, OK } from "../../abi/errors";
import { flash_geometry } from "../../abi/imports";

export const MAX_GRANULE: i32 = 32;
/**
 * Most sectors a partition may have: 4 MiB at 4 KiB sectors. The log's tables are
 * sized to the partition at mount (12 bytes a sector plus the index, log.ts): about
 * 40 KiB of the device's 128 KiB at the bound (docs/flash.md).
 */
export const MAX_SECTORS: i32 = 1024;
export const SECRET_SECTORS: i32 = 2;
/** Smallest log this part mounts: room for data, one spare for compaction, one free. */
export const MIN_LOG_SECTORS: i32 = 4;

const geo = memory.data(12);

export let partSize: u32 = 0;
export let sectorSize: i32 = 0;
export let granule: i32 = 0;
export let sectorCount: i32 = 0;

@inline function pow2(x: i32): bool {
  return x > 0 && (x & (x - 1)) == 0;
}

/** Reads and checks the geometry; OK, E_IO (no partition) or E_UNSUPPORTED. */
export function loadGeometry(): i32 {
  if (flash_geometry(geo) != OK) return E_IO;
  const size = load<u32>(geo);
  const sector = load<i32>(geo, 4);
  const g = load<i32>(geo, 8);
  if (!pow2(sector) || sector < 512 || sector > 65536) return E_UNSUPPORTED;
  if (!pow2(g) || g > MAX_GRANULE) return E_UNSUPPORTED;
  if (size % <u32>sector != 0) return E_UNSUPPORTED;
  const n = <i32>(size / <u32>sector);
  if (n > MAX_SECTORS || n < SECRET_SECTORS + MIN_LOG_SECTORS) return E_UNSUPPORTED;
  partSize = size;
  sectorSize = sector;
  granule = g;
  sectorCount = n;
  return OK;
}

/** Rounds n up to the write granularity. */
@inline export function roundUp(n: i32): i32 {
  return (n + granule - 1) & ~(granule - 1);
}
