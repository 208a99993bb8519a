// The gateway's identity lives where a device's does: in the core's flash
// secret area (docs/identity.md "Device key"). Here that flash is a small
// file in the data directory, replaced atomically and fsync'ed on every change,
// so the gateway keeps its key and certificate across restarts (devices pin
// its key). Only the secret-area sectors are ever written.
import { existsSync, readFileSync } from "node:fs";
import { FLASH_OK, MemoryFlash } from "../runtime/flash.ts";
import { replaceFile } from "./persist.ts";

// The secret area (2 sectors) plus the smallest log the geometry check accepts.
const SECTORS = 6;
const SECTOR = 4096;

export class FileFlash extends MemoryFlash {
  constructor(private readonly path: string) {
    super(SECTORS * SECTOR, SECTOR, 1);
    if (existsSync(path)) {
      const saved = readFileSync(path);
      if (saved.length === this.bytes.length) this.bytes.set(saved);
    }
  }

  override write(offset: number, data: Uint8Array): number {
    const rc = super.write(offset, data);
    if (rc === FLASH_OK) this.persist();
    return rc;
  }

  override erase(offset: number, len: number): number {
    const rc = super.erase(offset, len);
    if (rc === FLASH_OK) this.persist();
    return rc;
  }

  // Replaced whole and atomically: a crash leaves the old file or the new one.
  private persist(): void {
    replaceFile(this.path, this.bytes, 0o600);
  }
}
