// `nymote build`: an app builds for every board whose capabilities it needs, the
// outputs agree with each other (wasm, C header, wasm2c, manifest), and an app
// that needs a missing capability or exceeds a budget fails naming it.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { boardNames, loadBoard } from "../../host/build/boards.ts";
import { repoRoot } from "../../host/build/compile.ts";
import { BuildError, buildImage, type Manifest } from "../../host/build/image.ts";
import { buildNative, runNative } from "../../host/build/native.ts";
import { loadOwnerKeys } from "../../host/build/owner.ts";
import { initIdentity } from "../../host/identity/keys.ts";
import { Core, MemoryFlash } from "../../host/runtime/index.ts";

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `nymote-${name}-`));
const fixture = (name: string) => join(repoRoot, "tests/fixtures/build", name);
// In its own folder: an app folder that imports sync gets the sync pump in every image built from it.
const syncingApp = join(repoRoot, "tests/fixtures/syncing/app.ts");

/** Bytes of the array in a header written by cHeader. */
function headerBytes(text: string): Uint8Array {
  const body = text.slice(text.indexOf("= {") + 3, text.lastIndexOf("};"));
  return Uint8Array.from(body.match(/0x[0-9a-f]{2}/g) ?? [], (h) => Number.parseInt(h, 16));
}

for (const board of boardNames()) {
  test(`a gpio app builds for ${board} with consistent outputs`, async () => {
    const out = tmp(`blink-${board}`);
    const r = await buildImage({ app: fixture("blink.ts"), board, outDir: out });
    const wasm = readFileSync(join(out, "app.wasm"));
    const m = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as Manifest;
    assert.deepEqual(m, r.manifest);
    assert.equal(m.board, board);
    assert.equal(m.sha256, createHash("sha256").update(wasm).digest("hex"));
    assert.equal(m.sizes.wasmBytes, wasm.length);
    assert.ok(m.capabilities.includes("gpio"), "the gpio capability is recorded");
    for (const c of m.capabilities) assert.ok(loadBoard(board).capabilities.includes(c), c);
    assert.ok(m.exports.includes("setup") && m.exports.includes("loop"));
    assert.deepEqual(headerBytes(readFileSync(join(out, "nymote_app_wasm.h"), "utf8")), new Uint8Array(wasm));
    assert.match(readFileSync(join(out, "nymote_app.h"), "utf8"), /Z_nymote_appZ_loop/);
    assert.ok(m.sizes.initialPages <= loadBoard(board).budget.initialPages);
  });
}

test("an app that needs a capability the board lacks fails naming it", async () => {
  await assert.rejects(
    buildImage({ app: fixture("chip-temp.ts"), board: "esp32", outDir: tmp("temp-esp32") }),
    (e: Error) => e instanceof BuildError && /capability "temperature" \(import temperature_read\).*board esp32/.test(e.message),
  );
  const ok = await buildImage({ app: fixture("chip-temp.ts"), board: "esp32c3", outDir: tmp("temp-c3") });
  assert.ok(ok.manifest.capabilities.includes("temperature"));
});

// A syncing image (the SDK's sync pump, docs/boards.md "Runtime modes") builds for
// every board within its budgets; under the WAMR interpreter, where the module's
// bytes sit in RAM beside the linear memory, the C3's former interpreter budget
// (64 KiB of code, a 192 KiB pool) refuses it, naming both budgets.
test("a syncing app builds for every board; over an interpreter budget it fails naming it", async () => {
  for (const board of boardNames()) {
    const r = await buildImage({ app: syncingApp, board, outDir: tmp(`syncing-${board}`) });
    assert.ok(r.manifest.exports.includes("sdk_sync_tick"), board);
    assert.ok(r.manifest.sizes.wasmBytes <= loadBoard(board).budget.codeBytes, board);
  }
  const interp = { ...loadBoard("esp32c3"), name: "c3-interp", runtime: "wamr-interp" as const };
  interp.budget = { ...interp.budget, codeBytes: 65536, runtimePoolBytes: 196608 };
  await assert.rejects(
    buildImage({ app: syncingApp, board: interp, outDir: tmp("syncing-interp") }),
    (e: Error) =>
      e instanceof BuildError &&
      /code budget is 65536 \(RAM, the WAMR interpreter's pool\)/.test(e.message) &&
      /held in RAM beside 131072 bytes of linear memory; the board's runtime pool budget is 196608/.test(e.message),
  );
});

test("budgets are enforced: code size and linear memory", async () => {
  const tiny = { ...loadBoard("esp32c3"), name: "tiny" };
  tiny.budget = { ...tiny.budget, codeBytes: 1024 };
  await assert.rejects(buildImage({ app: fixture("blink.ts"), board: tiny, outDir: tmp("tiny") }), /code budget is 1024/);
  const small = { ...loadBoard("esp32c3"), name: "small" };
  small.budget = { ...small.budget, initialPages: 1, maxPages: 1, shadowStackBytes: 60 * 1024 };
  await assert.rejects(buildImage({ app: fixture("blink.ts"), board: small, outDir: tmp("small") }), /bytes of heap/);
});

test("the CLI prints a size table and fails with the capability message", () => {
  const out = tmp("cli");
  const ok = execFileSync(
    process.execPath,
    [join(repoRoot, "bin/nymote.js"), "build", fixture("blink.ts"), "--board", "esp32", "--out", out],
    {
      encoding: "utf8",
    },
  );
  assert.match(ok, /module \(\.wasm\)\s+\d+\s+262144/);
  assert.ok(existsSync(join(out, "manifest.json")));
  const bad = spawnSync(
    process.execPath,
    [join(repoRoot, "bin/nymote.js"), "build", fixture("chip-temp.ts"), "--board", "esp32", "--out", tmp("cli-bad")],
    {
      encoding: "utf8",
    },
  );
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /capability "temperature"/);
});

test("an app image runs natively: setup, then loop until the runner's limit", async () => {
  const board = loadBoard("host");
  const out = tmp("blink-run");
  await buildImage({ app: fixture("blink.ts"), board, outDir: out });
  const run = runNative(board, buildNative(board, out, { maxLoops: 5 }).elf, out);
  assert.equal(run.status, 0, run.output);
});

test("--owner bakes the owner's public key and network key into the image, and only there", async () => {
  const dir = tmp("owner");
  const id = initIdentity({ dir });
  const before = readFileSync(join(repoRoot, "assembly/identity/baked.ts"), "utf8");
  const owned = await buildImage({
    app: fixture("owner-probe.ts"),
    board: "esp32c3",
    outDir: tmp("owned"),
    owner: await loadOwnerKeys(dir),
  });
  const wasm = readFileSync(owned.wasmFile);
  assert.ok(wasm.includes(Buffer.from(id.publicKey)), "owner public key in the image");
  assert.ok(wasm.includes(Buffer.from(id.networkKey)), "network key in the image");
  assert.ok(!wasm.includes(Buffer.from(id.secretKey.subarray(0, 32))), "never the owner's secret seed");
  assert.equal(owned.manifest.owner?.publicKey, Buffer.from(id.publicKey).toString("hex"));
  const plain = await buildImage({ app: fixture("owner-probe.ts"), board: "esp32c3", outDir: tmp("unowned") });
  assert.ok(!readFileSync(plain.wasmFile).includes(Buffer.from(id.publicKey)));
  assert.equal(plain.manifest.owner, null);
  assert.equal(readFileSync(join(repoRoot, "assembly/identity/baked.ts"), "utf8"), before, "the checkout is never modified");
  await assert.rejects(loadOwnerKeys(tmp("not-an-owner")), BuildError);
});

test("an app on the SDK's board helpers builds and runs in the Node runtime", async () => {
  const r = await buildImage({ app: fixture("sdk-app.ts"), board: "esp32", outDir: tmp("sdk-app"), wasm2c: false });
  assert.deepEqual(r.manifest.capabilities, ["adc", "core", "gpio"]);
  const logs: string[] = [];
  const pins = new Map<number, number>();
  const core = new Core(readFileSync(r.wasmFile), {
    flash: new MemoryFlash(256 * 1024),
    logger: (level, msg) => logs.push(`${level} ${msg}`),
    capabilities: {
      gpio_configure: (pin: number, mode: number) => {
        pins.set(pin, mode === 2 ? 1 : 0);
        return 0;
      },
      gpio_read: (pin: number) => pins.get(pin) ?? 0,
      gpio_write: (pin: number, level: number) => {
        pins.set(pin, level);
        return 0;
      },
      adc_read_mv: () => 715,
    },
  });
  core.call("setup");
  assert.equal(core.call64("loop", 0n), 100n);
  assert.equal(pins.get(2), 0, "button released (pull-up high): the light is off");
  pins.set(9, 0);
  core.call64("loop", 100n);
  assert.equal(pins.get(2), 1, "button pressed: the light is on");
  assert.deepEqual(
    logs.filter((l) => !l.startsWith("debug")),
    ["info adc ok", "info adc ok"],
  );
});
