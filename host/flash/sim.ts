// A fault-injecting NOR flash simulator implementing the runtime's FlashDevice.
//
// Rules it enforces (the ESP32 partition API on NOR flash):
// - erase works on whole sectors and sets them to 0xFF;
// - a write can only clear bits: programming a 1 over a 0 is refused with E_IO and
//   counted in `violations` (real flash would silently keep the 0 and corrupt data);
// - offsets and lengths of writes are multiples of the write granularity;
// - anything outside the partition fails with E_BOUNDS.
//
// Faults (LittleFS / ESP-IDF NVS style power-loss testing):
// - `cutAt(n, landed)`: the n-th mutating operation (writes and erases, 0-based,
//   counted since construction or the last reboot) is interrupted by a power cut. For
//   a write, the first `landed` bytes are programmed and the rest are not; for an
//   erase, every byte of the sector is left either untouched, erased, or half-way
//   (old | random bits), as a real interrupted erase does. That operation and every
//   operation after it return E_IO until `reboot()`.
// - `flipBits(n)` / `flipBit(offset, bit)`: decay, a stored bit changes.
// Counters: erases per sector (wear), bytes written, operation counts.
import { closeSync, existsSync, fstatSync, openSync, readSync, writeSync } from "node:fs";
import { FLASH_E_BOUNDS, FLASH_E_INVAL, FLASH_E_IO, FLASH_OK, type FlashDevice, type FlashGeometry } from "../runtime/flash.ts";

export interface SimFlashOptions {
  /** Partition size in bytes; a positive multiple of sectorSize. Default 256 KiB. */
  size?: number;
  /** Erase unit in bytes. Default 4096 (ESP32). */
  sectorSize?: number;
  /** Smallest programmable unit in bytes. Default 1 (ESP32 NOR). */
  writeGranularity?: number;
  /** Seed of the generator used for torn erases and bit flips. */
  seed?: number;
}

/** What happens to the interrupted operation's bytes. */
export interface CutPlan {
  /** Index of the mutating operation that the cut interrupts. */
  op: number;
  /** For a write: bytes of it that land (clamped to its length). Default 0. */
  landed?: number;
}

/** Small deterministic generator (mulberry32): every fault is reproducible from its seed. */
export function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export class SimFlash implements FlashDevice {
  readonly geometry: FlashGeometry;
  readonly bytes: Uint8Array;
  /** Erases per sector since construction (wear). */
  readonly eraseCounts: Uint32Array;
  bytesWritten = 0;
  bytesRead = 0;
  writes = 0;
  erases = 0;
  reads = 0;
  /** Mutating operations (writes + erases) since construction or the last reboot. */
  ops = 0;
  /** Writes refused because they would have set a 0 bit back to 1. */
  violations = 0;
  /** When set, every mutating operation appends its length (an erase: -1) here. */
  opLog: number[] | null = null;
  /** True between a power cut and the next reboot. */
  powerOff = false;
  private plan: CutPlan | null = null;
  private random: () => number;

  constructor(options: SimFlashOptions = {}, initial?: Uint8Array) {
    const size = options.size ?? 256 * 1024;
    const sectorSize = options.sectorSize ?? 4096;
    const writeGranularity = options.writeGranularity ?? 1;
    if (!(sectorSize > 0 && size > 0 && size % sectorSize === 0))
      throw new RangeError("flash size must be a positive multiple of the sector size");
    if (!(writeGranularity > 0 && sectorSize % writeGranularity === 0))
      throw new RangeError("write granularity must divide the sector size");
    this.geometry = { size, sectorSize, writeGranularity };
    this.bytes = initial ?? new Uint8Array(size).fill(0xff);
    if (this.bytes.length !== size) throw new RangeError("initial image does not match the partition size");
    this.eraseCounts = new Uint32Array(size / sectorSize);
    this.random = rng(options.seed ?? 1);
  }

  /** Interrupts mutating operation `op` (see CutPlan); replaces any earlier plan. */
  cutAt(op: number, landed = 0): void {
    this.plan = { op, landed };
  }

  /** Cancels a scheduled cut. */
  clearCut(): void {
    this.plan = null;
  }

  /** Power comes back: operations work again and the operation counter restarts. */
  reboot(): void {
    this.powerOff = false;
    this.plan = null;
    this.ops = 0;
  }

  /** Flips one stored bit (decay). */
  flipBit(offset: number, bit: number): void {
    this.bytes[offset] ^= 1 << (bit & 7);
  }

  /** Flips `count` random bits inside [from, to); returns their offsets. */
  flipBits(count: number, from = 0, to = this.geometry.size): number[] {
    const where: number[] = [];
    for (let i = 0; i < count; i++) {
      const off = from + Math.floor(this.random() * (to - from));
      this.flipBit(off, Math.floor(this.random() * 8));
      where.push(off);
    }
    return where;
  }

  /** Largest minus mean erase count, as max/mean (1.0 is perfectly level). */
  wearSpread(): { max: number; min: number; mean: number } {
    let max = 0;
    let min = Number.POSITIVE_INFINITY;
    let sum = 0;
    for (const c of this.eraseCounts) {
      max = Math.max(max, c);
      min = Math.min(min, c);
      sum += c;
    }
    return { max, min, mean: sum / this.eraseCounts.length };
  }

  private inside(offset: number, len: number): boolean {
    return Number.isInteger(offset) && Number.isInteger(len) && offset >= 0 && len >= 0 && offset + len <= this.geometry.size;
  }

  /** Counts a mutating operation; returns the cut plan when this one is interrupted. */
  private tick(): CutPlan | null {
    const op = this.ops++;
    if (this.plan && this.plan.op === op) {
      const p = this.plan;
      this.plan = null;
      this.powerOff = true;
      return p;
    }
    return null;
  }

  read(offset: number, out: Uint8Array): number {
    if (this.powerOff) return FLASH_E_IO;
    if (!this.inside(offset, out.length)) return FLASH_E_BOUNDS;
    this.reads++;
    this.bytesRead += out.length;
    out.set(this.bytes.subarray(offset, offset + out.length));
    return FLASH_OK;
  }

  write(offset: number, data: Uint8Array): number {
    if (this.powerOff) return FLASH_E_IO;
    if (!this.inside(offset, data.length)) return FLASH_E_BOUNDS;
    const g = this.geometry.writeGranularity;
    if (offset % g !== 0 || data.length % g !== 0) return FLASH_E_INVAL;
    for (let i = 0; i < data.length; i++) {
      if ((~this.bytes[offset + i] & data[i] & 0xff) !== 0) {
        this.violations++;
        return FLASH_E_IO;
      }
    }
    this.opLog?.push(data.length);
    const cut = this.tick();
    const n = cut ? Math.max(0, Math.min(cut.landed ?? 0, data.length)) : data.length;
    for (let i = 0; i < n; i++) this.bytes[offset + i] &= data[i];
    this.persist(offset, n);
    this.writes++;
    this.bytesWritten += n;
    return cut ? FLASH_E_IO : FLASH_OK;
  }

  erase(offset: number, len: number): number {
    if (this.powerOff) return FLASH_E_IO;
    const s = this.geometry.sectorSize;
    if (!this.inside(offset, len)) return FLASH_E_BOUNDS;
    if (offset % s !== 0 || len % s !== 0) return FLASH_E_INVAL;
    for (let at = offset; at < offset + len; at += s) {
      this.opLog?.push(-1);
      const cut = this.tick();
      if (cut) {
        // An interrupted erase leaves each byte untouched, erased, or with some bits set.
        for (let i = at; i < at + s; i++) {
          const r = this.random();
          if (r < 1 / 3) this.bytes[i] = 0xff;
          else if (r < 2 / 3) this.bytes[i] |= Math.floor(this.random() * 256);
        }
        this.eraseCounts[at / s]++;
        this.persist(at, s);
        return FLASH_E_IO;
      }
      this.bytes.fill(0xff, at, at + s);
      this.eraseCounts[at / s]++;
      this.erases++;
      this.persist(at, s);
    }
    return FLASH_OK;
  }

  /** Hook for persistent variants: bytes [offset, offset+len) changed. */
  protected persist(_offset: number, _len: number): void {}
}

/**
 * A SimFlash whose image lives in a file (the gateway's and the simulator's device
 * partitions): every write and erase goes through to the file, so a partition
 * survives restarts of the process. A new file starts erased.
 */
export class FileFlash extends SimFlash {
  private fd: number;

  constructor(
    readonly path: string,
    options: SimFlashOptions = {},
  ) {
    const size = options.size ?? 256 * 1024;
    const image = new Uint8Array(size).fill(0xff);
    const fresh = !existsSync(path);
    const fd = openSync(path, fresh ? "w+" : "r+");
    if (!fresh) {
      const have = fstatSync(fd).size;
      if (have !== size) {
        closeSync(fd);
        throw new RangeError(`${path} holds ${have} bytes, not a ${size}-byte partition`);
      }
      readSync(fd, image, 0, size, 0);
    }
    super(options, image);
    this.fd = fd;
    if (fresh) writeSync(fd, image, 0, size, 0);
  }

  protected override persist(offset: number, len: number): void {
    if (len > 0) writeSync(this.fd, this.bytes, offset, len, offset);
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    this.fd = -1;
  }
}
