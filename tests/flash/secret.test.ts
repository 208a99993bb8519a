import assert from "node:assert/strict";
import { test } from "node:test";
import { crc32 } from "node:zlib";
import { compile } from "../../host/build/compile.ts";
import { SimFlash } from "../../host/flash/sim.ts";
import { Core } from "../../host/runtime/index.ts";

const E_INVAL = -1;
const E_BOUNDS = -2;
const E_NOTFOUND = -7;

async function fixture(target: "debug" | "release"): Promise<string> {
  const { outFile } = await compile({
    entry: "tests/assembly/flash/secret-fixture.ts",
    target,
    outFile: `build/test-flash-secret.${target}.wasm`,
  });
  return outFile;
}

function save(core: Core, data: Uint8Array): number {
  return core.with([data], ([p]) => core.call("t_secret_save", p, data.length));
}

function load(core: Core, cap = 600): Uint8Array | number {
  return core.with([cap], ([p]) => {
    const n = core.call("t_secret_load", p, cap);
    return n < 0 ? n : core.read(p, n);
  });
}

for (const target of ["debug", "release"] as const) {
  test(`secret area (${target}): save, load, replace, bounds`, async () => {
    const wasm = await fixture(target);
    const flash = new SimFlash({ size: 64 * 1024 });
    const core = new Core(wasm, { flash });
    assert.equal(load(core), E_NOTFOUND);
    const a = new Uint8Array(100).map((_, i) => i);
    assert.equal(save(core, a), 0);
    assert.deepEqual(load(core), a);
    assert.equal(load(core, 10), E_BOUNDS);
    const b = new Uint8Array(512).fill(7);
    assert.equal(save(core, b), 0);
    assert.deepEqual(load(new Core(wasm, { flash })), b, "a new boot sees the newest copy");
    assert.equal(save(core, new Uint8Array(513)), E_INVAL);
    assert.equal(save(core, new Uint8Array(0)), 0);
    assert.deepEqual(load(core), new Uint8Array(0));
    assert.equal(flash.violations, 0);
  });
}

test("secret record layout: magic, sequence, length, CRC-32 as zlib computes it", async () => {
  const flash = new SimFlash({ size: 64 * 1024 });
  const core = new Core(await fixture("debug"), { flash });
  const data = new TextEncoder().encode("seed and enrollment");
  assert.equal(save(core, data), 0);
  const rec = flash.bytes.subarray(0, 12 + data.length + 4);
  const v = new DataView(rec.buffer, rec.byteOffset);
  assert.equal(v.getUint32(0, true), 0x4b53594e);
  assert.equal(v.getUint32(4, true), 1);
  assert.equal(v.getUint16(8, true), data.length);
  assert.equal(v.getUint32(12 + data.length, true), crc32(rec.subarray(0, 12 + data.length)));
});

test("secret area survives a power cut at every operation and byte of a save", async () => {
  const wasm = await fixture("debug");
  const old = new Uint8Array(64).fill(0x11);
  const neu = new Uint8Array(64).fill(0x22);
  // A save is one erase (op 0) and one write (op 1) of 12 + 64 + 4 bytes.
  const cuts: [number, number][] = [[0, 0]];
  for (let landed = 0; landed <= 80; landed += 4) cuts.push([1, landed]);
  for (const [twice, label] of [
    [false, "second save"],
    [true, "third save"],
  ] as const) {
    for (const [op, landed] of cuts) {
      const flash = new SimFlash({ size: 64 * 1024, seed: op * 1000 + landed });
      let core = new Core(wasm, { flash });
      assert.equal(save(core, twice ? neu : old), 0);
      if (twice) assert.equal(save(core, old), 0);
      flash.cutAt(flash.ops + op, landed);
      assert.notEqual(save(core, neu), 0, `${label}: the cut save must fail (op ${op}, landed ${landed})`);
      flash.reboot();
      core = new Core(wasm, { flash });
      const got = load(core);
      assert.ok(got instanceof Uint8Array, `${label}: op ${op} landed ${landed}: secret lost (${got})`);
      assert.ok(
        (got as Uint8Array).every((x, i) => x === old[i]) || (got as Uint8Array).every((x, i) => x === neu[i]),
        `${label}: op ${op} landed ${landed}: torn secret`,
      );
      assert.equal(save(core, neu), 0);
      assert.deepEqual(load(core), neu);
    }
  }
});

test("a bit flip in the newest copy falls back to the older copy, never a corrupt secret", async () => {
  const wasm = await fixture("debug");
  const flash = new SimFlash({ size: 64 * 1024 });
  const core = new Core(wasm, { flash });
  assert.equal(save(core, new Uint8Array(32).fill(1)), 0);
  assert.equal(save(core, new Uint8Array(32).fill(2)), 0);
  flash.flipBit(4096 + 20, 3); // copy 1 holds the second save
  assert.deepEqual(load(core), new Uint8Array(32).fill(1));
  flash.flipBit(20, 5);
  assert.equal(load(core), E_NOTFOUND);
});
