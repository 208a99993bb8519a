// The raw-flash contract the core sees through flash_* imports: an ESP32-style data
// partition of NOR flash. Erase sets a whole sector to 0xFF; a write can only clear
// bits. Implementations: MemoryFlash here (strict, simple); the fault-injecting
// simulator lives in host/flash.

export interface FlashGeometry {
  /** Partition size in bytes; a multiple of sectorSize. */
  size: number;
  /** Erase unit in bytes (4096 on ESP32). */
  sectorSize: number;
  /** Smallest programmable unit in bytes (1 on ESP32 NOR; 4 or more when encrypted). */
  writeGranularity: number;
}

/** Errors are ABI codes: 0 OK, E_BOUNDS (-2), E_INVAL (-1), E_IO (-4). */
export interface FlashDevice {
  readonly geometry: FlashGeometry;
  read(offset: number, out: Uint8Array): number;
  write(offset: number, data: Uint8Array): number;
  erase(offset: number, len: number): number;
}

export const FLASH_OK = 0;
export const FLASH_E_INVAL = -1;
export const FLASH_E_BOUNDS = -2;
export const FLASH_E_IO = -4;

/** In-memory NOR flash that refuses anything real flash would silently corrupt. */
export class MemoryFlash implements FlashDevice {
  readonly geometry: FlashGeometry;
  readonly bytes: Uint8Array;

  constructor(size = 256 * 1024, sectorSize = 4096, writeGranularity = 1) {
    if (size <= 0 || size % sectorSize !== 0) throw new RangeError("flash size must be a positive multiple of the sector size");
    this.geometry = { size, sectorSize, writeGranularity };
    this.bytes = new Uint8Array(size).fill(0xff);
  }

  private inside(offset: number, len: number): boolean {
    return Number.isInteger(offset) && offset >= 0 && len >= 0 && offset + len <= this.geometry.size;
  }

  read(offset: number, out: Uint8Array): number {
    if (!this.inside(offset, out.length)) return FLASH_E_BOUNDS;
    out.set(this.bytes.subarray(offset, offset + out.length));
    return FLASH_OK;
  }

  write(offset: number, data: Uint8Array): number {
    if (!this.inside(offset, data.length)) return FLASH_E_BOUNDS;
    const g = this.geometry.writeGranularity;
    if (offset % g !== 0 || data.length % g !== 0) return FLASH_E_INVAL;
    for (let i = 0; i < data.length; i++) {
      // Setting a bit that is 0 needs an erase; real NOR would silently keep the 0.
      if ((~this.bytes[offset + i] & data[i]) !== 0) return FLASH_E_IO;
    }
    for (let i = 0; i < data.length; i++) this.bytes[offset + i] &= data[i];
    return FLASH_OK;
  }

  erase(offset: number, len: number): number {
    const s = this.geometry.sectorSize;
    if (!this.inside(offset, len)) return FLASH_E_BOUNDS;
    if (offset % s !== 0 || len % s !== 0) return FLASH_E_INVAL;
    this.bytes.fill(0xff, offset, offset + len);
    return FLASH_OK;
  }
}
