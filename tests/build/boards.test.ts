// Boards: every file in boards/ passes the schema and the rules beyond it, and
// the validator rejects what it should (so a broken board cannot slip through).
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { abi } from "../../bindings/abi.ts";
import { type Board, BoardError, boardNames, boardsDir, loadBoard, loadBoards, parseBoard } from "../../host/build/boards.ts";
import { repoRoot } from "../../host/build/compile.ts";

const esp32c3 = () => JSON.parse(readFileSync(join(boardsDir, "esp32c3.json"), "utf8")) as Board & Record<string, unknown>;
const rejects = (b: unknown, why: RegExp) =>
  assert.throws(
    () => parseBoard(JSON.stringify(b), "esp32c3.json"),
    (e: Error) => e instanceof BoardError && why.test(e.message),
  );

test("the issue's boards exist and validate", () => {
  for (const name of ["esp32", "esp32s3", "esp32c3", "qemu-rv32"]) assert.ok(boardNames().includes(name), name);
  const boards = loadBoards();
  const c3 = boards.find((b) => b.name === "esp32c3");
  assert.equal(c3?.arch, "rv32imc");
  assert.equal(c3?.cpuMHz, 160);
  assert.equal(c3?.sramKiB, 400);
  const e32 = boards.find((b) => b.name === "esp32");
  assert.equal(e32?.arch, "xtensa-lx6");
  assert.equal(e32?.cpuMHz, 240);
  assert.equal(e32?.sramKiB, 520);
  assert.equal(loadBoard("qemu-rv32").sramKiB, c3?.sramKiB, "qemu-rv32 has the ESP32-C3's RAM");
});

test("every board capability is one the ABI defines, and boards differ in them", () => {
  const caps = new Set(abi.imports.map((f) => f.capability));
  for (const b of loadBoards()) for (const c of b.capabilities) assert.ok(caps.has(c), `${b.name}: ${c}`);
  assert.ok(!loadBoard("esp32").capabilities.includes("temperature"), "the original ESP32 has no supported on-chip temperature sensor");
});

test("the schema rejects malformed boards", () => {
  const { cpuMHz: _, ...noCpu } = esp32c3();
  rejects(noCpu, /missing cpuMHz/);
  rejects({ ...esp32c3(), runtime: "micropython" }, /runtime: must be one of/);
  rejects({ ...esp32c3(), colour: "blue" }, /unknown property colour/);
  rejects({ ...esp32c3(), name: "ESP 32" }, /name: must match/);
  rejects({ ...esp32c3(), capabilities: ["core", "core"] }, /unique/);
  const b = esp32c3();
  b.budget.maxPages = 17;
  rejects(b, /maxPages: must be <= 16/);
});

test("the rules beyond the schema reject inconsistent boards", () => {
  const past = esp32c3();
  past.flash.data.offset = 4096 * 1024 - 4096;
  rejects(past, /past the end of flash/);
  const unaligned = esp32c3();
  unaligned.flash.data.offset += 100;
  rejects(unaligned, /multiple of the sector size/);
  rejects({ ...esp32c3(), capabilities: ["core", "lasers"] }, /capability lasers is not defined/);
  rejects({ ...esp32c3(), capabilities: ["gpio"] }, /must include core/);
  const greedy = esp32c3();
  greedy.budget.initialPages = 8;
  greedy.budget.maxPages = 8;
  rejects(greedy, /exceed the board's 400 KiB SRAM/);
  rejects({ ...esp32c3(), name: "esp32" }, /does not match file/);
});

test("nymote boards lists every board", () => {
  const out = execFileSync(process.execPath, [join(repoRoot, "bin/nymote.js"), "boards"], { encoding: "utf8" });
  for (const name of boardNames()) assert.match(out, new RegExp(`^${name}\\s`, "m"));
  const json = JSON.parse(
    execFileSync(process.execPath, [join(repoRoot, "bin/nymote.js"), "boards", "--json"], { encoding: "utf8" }),
  ) as Board[];
  assert.deepEqual(
    json.map((b) => b.name),
    boardNames(),
  );
});
