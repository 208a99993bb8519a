// The C glue follows the ABI: the generated files are what bindings/gen-c.ts
// makes from bindings/abi today, every import has its one hand-written
// implementation, and every C file compiles warning-free (host gcc, the RISC-V
// cross compiler, and the WAMR glue against a declaration-only stand-in for
// WAMR's wasm_export.h, since WAMR itself is not installable here).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { abi } from "../../bindings/abi.ts";
import { generateGlue, glueDrift } from "../../bindings/gen-c.ts";
import { repoRoot } from "../../host/build/compile.ts";

const B = (p: string) => join(repoRoot, "bindings", p);

function cc(compiler: string, args: string[]): void {
  const r = spawnSync(compiler, args, { encoding: "utf8" });
  assert.equal(r.status, 0, `${compiler} ${args.join(" ")}\n${r.stderr}`);
}

test("checked-in C glue is what the ABI generates", () => {
  assert.deepEqual(glueDrift(), []);
});

test("the generator follows ABI changes (so the drift check can fail)", () => {
  const changed = structuredClone(abi);
  changed.imports.push({ name: "probe_read", params: [["x", "i32"]], results: ["i64"], doc: "test", capability: "probe", part: "test" });
  const before = generateGlue();
  const after = generateGlue(changed);
  for (const file of Object.keys(before)) assert.notEqual(after[file], before[file], `${file} did not change`);
  assert.match(after["wasm2c/nymote_wasm2c_imports.c"], /u64 Z_nymoteZ_probe_read\(struct Z_nymote_instance_t \*host, u32 x\)/);
  assert.match(after["wamr/nymote_wamr_natives.c"], /\{ "probe_read", \(void \*\)n_probe_read, "\(i\)I", NULL \}/);
  assert.match(after["c/nymote_abi.h"], /int64_t nymote_import_probe_read\(nymote_ctx \*ctx, int32_t x\);/);
});

test("every ABI import is implemented once in nymote_imports.c", () => {
  const src = readFileSync(B("c/nymote_imports.c"), "utf8");
  for (const f of abi.imports) {
    const defs = src.match(new RegExp(`^\\S+ nymote_import_${f.name}\\(`, "gm")) ?? [];
    assert.equal(defs.length, 1, `nymote_import_${f.name}`);
  }
});

const warn = ["-fsyntax-only", "-Wall", "-Wextra", "-Werror", "-std=c11"];

test("platform layer and import glue compile warning-free on the host", () => {
  cc("gcc", [
    ...warn,
    `-I${B("c")}`,
    B("c/nymote_imports.c"),
    B("c/nymote_flash_file.c"),
    B("c/nymote_random_file.c"),
    B("c/nymote_sim_periph.c"),
    B("c/nymote_platform_posix.c"),
  ]);
});

test("semihosting platform compiles warning-free for rv32imc with picolibc", () => {
  cc("riscv64-unknown-elf-gcc", [
    ...warn,
    "-march=rv32imc",
    "-mabi=ilp32",
    "--specs=picolibc.specs",
    "--oslib=semihost",
    `-I${B("c")}`,
    B("c/nymote_imports.c"),
    B("c/nymote_flash_file.c"),
    B("c/nymote_random_file.c"),
    B("c/nymote_platform_semihost.c"),
  ]);
});

test("WAMR runner and natives type-check against the wasm_export.h API", () => {
  cc("gcc", [
    ...warn,
    `-I${B("c")}`,
    `-I${B("wamr")}`,
    `-I${join(repoRoot, "tests/native/wamr-api")}`,
    B("wamr/nymote_wamr_runner.c"),
    B("wamr/nymote_wamr_natives.c"),
  ]);
});

// WAMR's real public header, fetched at test time when NYMOTE_WAMR_FETCH=1 (CI with
// network): build/cache/wamr-<commit>/ (never committed), then the runner and the
// natives must compile against it as against the stand-in. Without the variable
// the test says it is skipped; with it, an unreachable network fails it.
const WAMR_COMMIT = "00fec83e6784e607991e333d790a5207ae95e513";
const WAMR_RAW = `https://raw.githubusercontent.com/bytecodealliance/wasm-micro-runtime/${WAMR_COMMIT}/core/iwasm/include`;

test("WAMR runner and natives compile against the real wasm_export.h (NYMOTE_WAMR_FETCH=1)", {
  skip: process.env.NYMOTE_WAMR_FETCH === "1" ? false : "set NYMOTE_WAMR_FETCH=1 to fetch WAMR's header (needs network)",
}, async () => {
  const dir = join(repoRoot, "build/cache", `wamr-${WAMR_COMMIT.slice(0, 12)}`);
  mkdirSync(dir, { recursive: true });
  for (const name of ["wasm_export.h", "lib_export.h"]) {
    if (existsSync(join(dir, name))) continue;
    let res: Response;
    try {
      res = await fetch(`${WAMR_RAW}/${name}`, { signal: AbortSignal.timeout(20_000) });
    } catch (e) {
      assert.fail(`cannot fetch ${WAMR_RAW}/${name}: ${e instanceof Error ? e.message : String(e)}`);
    }
    assert.equal(res.status, 200, `${WAMR_RAW}/${name}: HTTP ${res.status}`);
    writeFileSync(join(dir, name), Buffer.from(await res.arrayBuffer()));
  }
  cc("gcc", [...warn, `-I${B("c")}`, `-I${B("wamr")}`, `-I${dir}`, B("wamr/nymote_wamr_runner.c"), B("wamr/nymote_wamr_natives.c")]);
});
