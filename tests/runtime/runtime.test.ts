import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import { compile } from "../../host/build/compile.ts";
import { Core, MemoryFlash, NymotePanic } from "../../host/runtime/index.ts";

test("a core abort becomes a typed NymotePanic with message and file, and kills the instance", async () => {
  const { outFile } = await compile({ entry: "tests/fixtures/panic.ts", target: "debug", outFile: "build/test-panic.wasm" });
  const core = new Core(outFile);
  assert.equal(core.call("fail_with", 7), 7);
  assert.throws(
    () => core.call("fail_with", 42),
    (e: unknown) => e instanceof NymotePanic && e.message.includes("the answer is not allowed") && e.file.includes("panic.ts"),
  );
  assert.ok(core.isDead);
  assert.throws(() => core.call("fail_with", 1), NymotePanic);
});

test("the release build panics the same way (abort redirected, no env import)", async () => {
  const { outFile } = await compile({ entry: "tests/fixtures/panic.ts", target: "release", outFile: "build/test-panic.release.wasm" });
  const core = new Core(outFile);
  assert.throws(() => core.call("fail_with", 42), NymotePanic);
});

test("an exhausted heap in the fixed-memory device build is named as out of memory; a growable one is not", () => {
  const device = new Core("release");
  assert.throws(
    () => device.call("__new", 256 * 1024, 0),
    (e: unknown) =>
      e instanceof NymotePanic && /unreachable/.test(e.message) && /128 KiB maximum: most likely out of memory/.test(e.message),
  );
  assert.ok(device.isDead);
  const gateway = new Core("gateway");
  const p = gateway.call("__new", 256 * 1024, 0);
  assert.ok(p > 0 && gateway.memoryBytes >= 256 * 1024, "the gateway build grows instead");
});

test("Core.with copies inputs in and frees them", () => {
  const core = new Core("debug");
  const data = new Uint8Array([1, 2, 3, 4, 5]);
  const seen = core.with([data, 8], ([p, q]) => {
    assert.notEqual(p, q);
    return core.read(p, 5);
  });
  assert.deepEqual(seen, data);
});

test("MemoryFlash follows NOR rules: erase to 0xFF, writes only clear bits, bounds", () => {
  const flash = new MemoryFlash(8192, 4096, 1);
  const buf = new Uint8Array(4);
  assert.equal(flash.read(0, buf), 0);
  assert.deepEqual([...buf], [0xff, 0xff, 0xff, 0xff]);
  assert.equal(flash.write(0, new Uint8Array([0x0f])), 0);
  assert.equal(flash.write(0, new Uint8Array([0x07])), 0, "clearing more bits is fine");
  assert.equal(flash.write(0, new Uint8Array([0x0f])), -4, "setting a cleared bit needs an erase");
  assert.equal(flash.read(8190, new Uint8Array(4)), -2);
  assert.equal(flash.erase(100, 4096), -1);
  assert.equal(flash.erase(0, 4096), 0);
  assert.equal(flash.read(0, buf), 0);
  assert.equal(buf[0], 0xff);
});

test("MemoryFlash: a write lands exactly as the AND of old and new (property)", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 64 }), fc.uint8Array({ minLength: 1, maxLength: 64 }), (a, b) => {
      const flash = new MemoryFlash(4096, 4096, 1);
      flash.write(0, a);
      const ok = b.every((x, i) => i >= a.length || (~a[i] & x & 0xff) === 0);
      const rc = flash.write(0, b);
      assert.equal(rc, ok ? 0 : -4);
    }),
  );
});
