// AssemblyScript unit tests (tests/assembly/**/*.spec.ts), run with the same
// `nymote` imports the Node runtime gives the core, on an in-memory NOR flash.
import { randomFillSync } from "node:crypto";

export default {
  entries: ["tests/assembly/**/*.spec.ts"],
  include: ["tests/assembly/**/*.include.ts"],
  disclude: [/node_modules/],
  async instantiate(memory, createImports, instantiate, binary) {
    let instance;
    const mem = () => new Uint8Array(instance.exports.memory.buffer);
    const flash = new Uint8Array(64 * 1024).fill(0xff);
    const SECTOR = 4096;
    const inside = (off, len) => off >= 0 && len >= 0 && off + len <= flash.length;
    const nymote = {
      random_bytes: (ptr, len) => {
        randomFillSync(mem().subarray(ptr, ptr + len));
        return 0;
      },
      clock_ms: () => BigInt(Date.now()),
      monotonic_ms: () => BigInt(Math.floor(performance.now())),
      log: (level, ptr, len) => console.log(`[core ${level}] ${new TextDecoder().decode(mem().subarray(ptr, ptr + len))}`),
      panic: () => {
        throw new Error("core panic");
      },
      flash_geometry: (out) => {
        const v = new DataView(instance.exports.memory.buffer, out, 12);
        v.setUint32(0, flash.length, true);
        v.setUint32(4, SECTOR, true);
        v.setUint32(8, 1, true);
        return 0;
      },
      flash_read: (off, ptr, len) => {
        if (!inside(off, len)) return -2;
        mem().set(flash.subarray(off, off + len), ptr);
        return 0;
      },
      flash_write: (off, ptr, len) => {
        if (!inside(off, len)) return -2;
        const src = mem().subarray(ptr, ptr + len);
        for (let i = 0; i < len; i++) if (~flash[off + i] & src[i]) return -4;
        for (let i = 0; i < len; i++) flash[off + i] &= src[i];
        return 0;
      },
      flash_erase: (off, len) => {
        if (!inside(off, len) || off % SECTOR !== 0 || len % SECTOR !== 0) return -1;
        flash.fill(0xff, off, off + len);
        return 0;
      },
    };
    const result = await instantiate(binary, createImports({ env: { memory }, nymote }));
    instance = result.instance;
    return result;
  },
  outputBinary: false,
};
