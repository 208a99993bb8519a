// The device self-test, natively: translated by wasm2c and compiled for the host
// and for 32-bit RISC-V (run under qemu-system-riscv32 with the ESP32-C3's 400 KiB
// of RAM), and the same image in the Node runtime. (selftest-wrong.test.ts: a
// wrong known answer fails it.)
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBoard } from "../../host/build/boards.ts";
import { repoRoot } from "../../host/build/compile.ts";
import { buildImage } from "../../host/build/image.ts";
import { selftest } from "../../host/build/selftest.ts";
import { Core, MemoryFlash } from "../../host/runtime/index.ts";

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `nymote-${name}-`));

for (const board of ["host", "qemu-rv32"]) {
  test(`self-test passes natively on ${board}`, async () => {
    const r = await selftest({ board });
    assert.equal(r.passed, true, r.output);
    assert.match(r.output, /selftest: all passed/);
    assert.ok(r.checks !== null && r.checks >= 90, `checks run: ${r.checks}`);
    assert.doesNotMatch(r.output, /selftest FAIL/);
    assert.ok(r.elf && r.elf.text > 10_000, "ELF text size reported");
    assert.ok(r.highWater !== null && r.highWater > r.wasm.staticBytes && r.highWater <= r.memoryBytes, `high-water ${r.highWater}`);
    // The flash file the run used holds the store's log (sectors 2 onwards).
    const flash = readFileSync(join(r.outDir, "nymote-flash.bin"));
    assert.equal(flash.length, loadBoard(board).flash.data.sizeKiB * 1024);
    assert.ok(
      flash.subarray(2 * 4096).some((b) => b !== 0xff),
      "the store wrote its log to the flash file",
    );
  });
}

test("the self-test image passes in the Node runtime too", async () => {
  const out = tmp("selftest-node");
  const r = await buildImage({ app: join(repoRoot, "assembly/selftest.ts"), board: "host", outDir: out, kind: "selftest", wasm2c: false });
  const logs: string[] = [];
  const core = new Core(readFileSync(r.wasmFile), { flash: new MemoryFlash(256 * 1024), logger: (_level, msg) => logs.push(msg) });
  const failed = core.call("selftest_run");
  assert.equal(failed, 0, logs.join("\n"));
  assert.ok(core.call("selftest_checks") >= 90, "runs its checks");
});
