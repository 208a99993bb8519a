// The examples build for every board, and run: natively on the host board (setup,
// then a few loops) and in the Node runtime, where their store writes land on the
// simulated flash.
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { boardNames, loadBoard } from "../../host/build/boards.ts";
import { repoRoot } from "../../host/build/compile.ts";
import { buildImage } from "../../host/build/image.ts";
import { buildNative, runNative } from "../../host/build/native.ts";
import { Core, MemoryFlash } from "../../host/runtime/index.ts";

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `nymote-${name}-`));
const EXAMPLES = { thermometer: ["adc"], door: ["gpio"] } as const;

for (const [name, caps] of Object.entries(EXAMPLES)) {
  const app = join(repoRoot, "examples", name, "app.ts");
  for (const board of boardNames()) {
    test(`examples/${name} builds for ${board}`, async () => {
      const r = await buildImage({ app, board, outDir: tmp(`${name}-${board}`) });
      for (const c of caps) assert.ok(r.manifest.capabilities.includes(c), `${name} uses ${c}`);
      assert.ok(r.manifest.sizes.wasmBytes <= loadBoard(board).budget.codeBytes);
    });
  }

  test(`examples/${name} runs natively on the host board`, async () => {
    const board = loadBoard("host");
    const out = tmp(`${name}-run`);
    await buildImage({ app, board, outDir: out });
    const run = runNative(board, buildNative(board, out, { maxLoops: 4 }).elf, out);
    assert.equal(run.status, 0, run.output);
    assert.doesNotMatch(run.output, /panic|trapped|failed/);
    const flash = readFileSync(join(out, "nymote-flash.bin"));
    assert.ok(
      flash.subarray(2 * 4096).some((b) => b !== 0xff),
      "the store wrote to flash",
    );
  });

  test(`examples/${name} runs in the Node runtime`, async () => {
    const r = await buildImage({ app, board: "host", outDir: tmp(`${name}-node`), wasm2c: false });
    const flash = new MemoryFlash(256 * 1024);
    const logs: string[] = [];
    let level = 0;
    const core = new Core(readFileSync(r.wasmFile), {
      flash,
      logger: (l, m) => logs.push(`${l} ${m}`),
      capabilities: {
        adc_read_mv: () => 715,
        gpio_configure: () => 0,
        gpio_read: () => level,
      },
    });
    core.call("setup");
    let now = 0n;
    for (let i = 0; i < 12; i++) {
      if (i === 4) level = 1; // the door opens (held past the debounce)
      const next = core.call64("loop", now);
      assert.ok(next > now, "loop asks to be woken later");
      now = next;
    }
    assert.ok(!logs.some((l) => l.startsWith("error")), logs.join("\n"));
    assert.ok(
      flash.bytes.subarray(2 * 4096).some((b) => b !== 0xff),
      "the store wrote to flash",
    );
  });
}
