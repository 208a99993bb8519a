import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import { FileFlash, SimFlash } from "../../host/flash/sim.ts";

const E_INVAL = -1;
const E_BOUNDS = -2;
const E_IO = -4;

test("SimFlash follows NOR rules: erased is 0xFF, writes clear bits, 1 over 0 is reported", () => {
  const f = new SimFlash({ size: 8192 });
  const b = new Uint8Array(2);
  assert.equal(f.read(0, b), 0);
  assert.deepEqual([...b], [0xff, 0xff]);
  assert.equal(f.write(0, new Uint8Array([0xf0, 0x0f])), 0);
  assert.equal(f.write(0, new Uint8Array([0x30])), 0);
  assert.equal(f.write(0, new Uint8Array([0x31])), E_IO, "setting bit 0 back needs an erase");
  assert.equal(f.violations, 1);
  assert.equal(f.read(0, b), 0);
  assert.deepEqual([...b], [0x30, 0x0f], "a refused write changes nothing");
  assert.equal(f.erase(0, 4096), 0);
  assert.equal(f.read(0, b), 0);
  assert.deepEqual([...b], [0xff, 0xff]);
  assert.equal(f.eraseCounts[0], 1);
  assert.equal(f.eraseCounts[1], 0);
  assert.equal(f.bytesWritten, 3);
});

test("SimFlash rejects out-of-range and misaligned operations", () => {
  const f = new SimFlash({ size: 8192, writeGranularity: 4 });
  assert.equal(f.read(8190, new Uint8Array(4)), E_BOUNDS);
  assert.equal(f.read(-1, new Uint8Array(1)), E_BOUNDS);
  assert.equal(f.write(8192, new Uint8Array(4)), E_BOUNDS);
  assert.equal(f.write(2, new Uint8Array(4)), E_INVAL);
  assert.equal(f.write(4, new Uint8Array(3)), E_INVAL);
  assert.equal(f.erase(4096, 8192), E_BOUNDS);
  assert.equal(f.erase(100, 4096), E_INVAL);
  assert.equal(f.erase(0, 100), E_INVAL);
  assert.throws(() => new SimFlash({ size: 5000 }), RangeError);
});

test("a cut in the middle of a write lands exactly a prefix, then everything fails until reboot", () => {
  fc.assert(
    fc.property(fc.integer({ min: 0, max: 3 }), fc.integer({ min: 0, max: 40 }), (op, landed) => {
      const f = new SimFlash({ size: 8192 });
      f.cutAt(op, landed);
      const data = new Uint8Array(32).map((_, i) => i);
      const rcs: number[] = [];
      for (let i = 0; i < 4; i++) rcs.push(f.write(i * 32, data));
      for (let i = 0; i < 4; i++) assert.equal(rcs[i], i < op ? 0 : E_IO);
      assert.ok(f.powerOff);
      assert.equal(f.read(0, new Uint8Array(1)), E_IO);
      assert.equal(f.erase(4096, 4096), E_IO);
      const land = Math.min(landed, 32);
      for (let i = 0; i < 32; i++) assert.equal(f.bytes[op * 32 + i], i < land ? i : 0xff);
      assert.equal(f.bytes[(op + 1) * 32], 0xff, "later writes never landed");
      f.reboot();
      assert.equal(f.read(0, new Uint8Array(1)), 0);
      assert.equal(f.ops, 0);
    }),
  );
});

test("a cut in an erase leaves a mix of old, erased and half-erased bytes", () => {
  const f = new SimFlash({ size: 8192, seed: 7 });
  f.write(0, new Uint8Array(4096));
  f.cutAt(1);
  assert.equal(f.erase(0, 4096), E_IO);
  const s = f.bytes.subarray(0, 4096);
  const zeros = s.filter((x) => x === 0).length;
  const ffs = s.filter((x) => x === 0xff).length;
  assert.ok(zeros > 500 && ffs > 500 && zeros + ffs < 4096, `zeros ${zeros} ffs ${ffs}`);
  f.reboot();
  assert.equal(f.erase(0, 4096), 0);
  assert.ok(f.bytes.subarray(0, 4096).every((x) => x === 0xff));
});

test("an erase of several sectors counts one operation per sector", () => {
  const f = new SimFlash({ size: 16384 });
  f.cutAt(2);
  assert.equal(f.erase(0, 16384), E_IO);
  assert.deepEqual([...f.eraseCounts], [1, 1, 1, 0]);
});

test("bit flips change exactly the chosen bits and are reproducible from the seed", () => {
  const a = new SimFlash({ size: 8192, seed: 42 });
  const b = new SimFlash({ size: 8192, seed: 42 });
  assert.deepEqual(a.flipBits(5), b.flipBits(5));
  assert.deepEqual(a.bytes, b.bytes);
  const changed = a.bytes.filter((x) => x !== 0xff).length;
  assert.ok(changed >= 1 && changed <= 5);
});

test("FileFlash persists writes and erases across instances", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-flash-"));
  try {
    const path = join(dir, "part.bin");
    const a = new FileFlash(path, { size: 8192 });
    assert.equal(a.write(10, new Uint8Array([1, 2, 3])), 0);
    assert.equal(a.erase(4096, 4096), 0);
    a.close();
    assert.equal(readFileSync(path).length, 8192);
    const b = new FileFlash(path, { size: 8192 });
    const out = new Uint8Array(3);
    assert.equal(b.read(10, out), 0);
    assert.deepEqual([...out], [1, 2, 3]);
    assert.equal(b.write(10, new Uint8Array([4])), E_IO, "the persisted zeros are still zeros");
    b.close();
    assert.throws(() => new FileFlash(path, { size: 4096 }), RangeError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
