// The ESP-IDF template agrees with the boards and the platform interface: its
// partition table holds the store's data partition where boards/*.json say, it
// depends on the WAMR component, its sources exist, and its platform layer (like
// the POSIX and semihosting ones) defines every function nymote_platform.h declares.
// (CI has no ESP-IDF toolchain: the template itself is not compiled here. What can
// be checked statically is: its CMake files run under `cmake -P` with IDF's
// commands stubbed, its partition table follows ESP-IDF's layout rules, and its
// component manifest names valid version ranges.)
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { loadBoards } from "../../host/build/boards.ts";
import { repoRoot } from "../../host/build/compile.ts";

const idf = (p: string) => join(repoRoot, "boards/esp-idf", p);
const bindings = (p: string) => join(repoRoot, "bindings", p);

test("partitions.csv holds each ESP board's data partition", () => {
  const rows = readFileSync(idf("partitions.csv"), "utf8")
    .split("\n")
    .filter((l) => l.trim() && !l.startsWith("#"))
    .map((l) => l.split(",").map((c) => c.trim()));
  for (const b of loadBoards().filter((b) => b.arch.startsWith("xtensa") || b.runtime.startsWith("wamr"))) {
    const row = rows.find((r) => r[0] === b.flash.data.label);
    assert.ok(row, `${b.name}: partition ${b.flash.data.label}`);
    assert.equal(row[1], "data");
    assert.equal(Number(row[2]), 0x99);
    assert.equal(Number(row[3]), b.flash.data.offset, `${b.name}: offset`);
    assert.equal(Number(row[4]), b.flash.data.sizeKiB * 1024, `${b.name}: size`);
    const end = Math.max(...rows.map((r) => Number(r[3]) + Number(r[4])));
    assert.ok(end <= b.flash.sizeKiB * 1024, `${b.name}: the table fits in flash`);
  }
  const src = readFileSync(idf("main/nymote_platform_esp.c"), "utf8");
  assert.match(src, /NYMOTE_PARTITION_SUBTYPE \(\(esp_partition_subtype_t\)0x99\)/);
  assert.match(src, /NYMOTE_PARTITION_LABEL "nymote"/);
});

test("the template depends on espressif/wasm-micro-runtime and builds only files that exist", () => {
  assert.match(readFileSync(idf("main/idf_component.yml"), "utf8"), /^\s+espressif\/wasm-micro-runtime: "\^2\.\d+\.\d+"$/m);
  const cmake = readFileSync(idf("main/CMakeLists.txt"), "utf8");
  const srcs = [...cmake.matchAll(/"([^"]+\.c)"/g)].map((m) => m[1].replace(`$\{NYMOTE_ROOT}`, repoRoot));
  assert.ok(srcs.length >= 5);
  for (const s of srcs) assert.ok(existsSync(s.startsWith("/") ? s : idf(join("main", s))), s);
  assert.match(readFileSync(idf("sdkconfig.defaults"), "utf8"), /CONFIG_PARTITION_TABLE_CUSTOM_FILENAME="partitions.csv"/);
});

/** ESP-IDF's rules for a partition table (docs: "Partition Tables"): entries after
 *  the table (0x8000 + 0x1000), app partitions 64 KiB-aligned, data 4 KiB-aligned,
 *  none overlapping, all inside the flash size sdkconfig.defaults selects. */
function partitionErrors(csv: string, flashBytes: number): string[] {
  const errs: string[] = [];
  const rows = csv
    .split("\n")
    .filter((l) => l.trim() && !l.trim().startsWith("#"))
    .map((l) => l.split(",").map((c) => c.trim()));
  let end = 0x9000;
  for (const [name, type, , offset, size] of rows) {
    const off = Number(offset);
    const len = Number(size);
    if (!name || !/^(app|data)$/.test(type ?? "")) errs.push(`${name}: type ${type}`);
    if (!Number.isInteger(off) || !Number.isInteger(len) || len <= 0) {
      errs.push(`${name}: offset ${offset}, size ${size}`);
      continue;
    }
    const align = type === "app" ? 0x10000 : 0x1000;
    if (off % align !== 0) errs.push(`${name}: offset 0x${off.toString(16)} not ${align}-aligned`);
    if (len % 0x1000 !== 0) errs.push(`${name}: size 0x${len.toString(16)} not whole 4 KiB sectors`);
    if (off < end)
      errs.push(`${name}: starts at 0x${off.toString(16)}, before the previous entry (or the table) ends at 0x${end.toString(16)}`);
    end = off + len;
    if (end > flashBytes) errs.push(`${name}: ends at 0x${end.toString(16)}, past the ${flashBytes / 1048576} MiB flash`);
  }
  return errs;
}

test("partitions.csv follows ESP-IDF's layout rules (alignment, order, no overlap, inside the flash)", () => {
  const sdk = readFileSync(idf("sdkconfig.defaults"), "utf8");
  const mb = Number(/^CONFIG_ESPTOOLPY_FLASHSIZE_(\d+)MB=y$/m.exec(sdk)?.[1]);
  assert.ok(mb > 0, "sdkconfig.defaults selects a flash size");
  const csv = readFileSync(idf("partitions.csv"), "utf8");
  assert.deepEqual(partitionErrors(csv, mb * 1048576), []);
  for (const b of loadBoards().filter((b) => b.runtime.startsWith("wamr")))
    assert.ok(mb * 1024 <= b.flash.sizeKiB, `${b.name}: the selected ${mb} MiB flash is not larger than the board's`);
  // The rules can fail: an unaligned app, an overlap, an entry past the flash.
  assert.match(
    partitionErrors(csv.replace("factory,  app,  factory, 0x10000", "factory,  app,  factory, 0x11000"), mb * 1048576).join(),
    /not 65536-aligned/,
  );
  assert.match(partitionErrors(csv.replace("0x190000, 0x100000", "0x180000, 0x100000"), mb * 1048576).join(), /before the previous entry/);
  assert.match(partitionErrors(csv, 2 * 1048576).join(), /past the 2 MiB flash/);
});

test("idf_component.yml: a dependencies map of valid version ranges", () => {
  const yml = readFileSync(idf("main/idf_component.yml"), "utf8");
  const lines = yml.split("\n").filter((l) => l.trim() && !l.trim().startsWith("#"));
  assert.equal(lines[0], "dependencies:");
  const deps = new Map<string, string>();
  for (const l of lines.slice(1)) {
    const m = /^ {2}([a-z0-9_./-]+): "([^"]+)"$/.exec(l);
    assert.ok(m, `not a 'name: "range"' entry: ${l}`);
    deps.set(m[1], m[2]);
  }
  // The component manager's ranges (semver): an operator and a dotted version.
  for (const [name, range] of deps) assert.match(range, /^(\^|~|>=|<=|>|<|==)?\d+(\.\d+){0,2}$/, `${name}: ${range}`);
  assert.ok(deps.has("idf") && deps.has("espressif/wasm-micro-runtime"));
});

/** tests/fixtures/esp-idf/check.cmake over a template directory. */
function cmakeCheck(template: string, imageDir: string | null): { status: number | null; output: string } {
  const args = [`-DTEMPLATE=${template}`, ...(imageDir === null ? [] : [`-DNYMOTE_IMAGE_DIR=${imageDir}`])];
  const r = spawnSync("cmake", [...args, "-P", join(repoRoot, "tests/fixtures/esp-idf/check.cmake")], { encoding: "utf8" });
  return { status: r.status, output: `${r.stdout}${r.stderr}` };
}

test("the template's CMake files run under cmake -P (IDF stubbed); broken ones do not", () => {
  const dir = join(repoRoot, "boards/esp-idf");
  const ok = cmakeCheck(dir, tmpdir());
  assert.equal(ok.status, 0, ok.output);
  assert.match(ok.output, /nymote_wamr_runner\.c/);
  assert.match(cmakeCheck(dir, null).output, /set NYMOTE_IMAGE_DIR/);
  const broken = mkdtempSync(join(tmpdir(), "nymote-idf-broken-"));
  cpSync(dir, broken, { recursive: true });
  const main = join(broken, "main/CMakeLists.txt");
  writeFileSync(main, readFileSync(main, "utf8").replace('"main.c"', '"main.c" "gone.c"'));
  assert.match(cmakeCheck(broken, tmpdir()).output, /missing source .*gone\.c/);
  writeFileSync(main, readFileSync(main, "utf8").replace("idf_component_register(", "idf_component_register(("));
  assert.notEqual(cmakeCheck(broken, tmpdir()).status, 0);
});

/** Function names declared in nymote_platform.h. */
function platformFunctions(): string[] {
  const h = readFileSync(bindings("c/nymote_platform.h"), "utf8");
  return [...h.matchAll(/^(?:int32_t|int64_t|void) (nymote_\w+)\(/gm)].map((m) => m[1]);
}

for (const [name, files] of [
  ["ESP-IDF", [idf("main/nymote_platform_esp.c")]],
  ["POSIX", ["c/nymote_platform_posix.c", "c/nymote_random_file.c", "c/nymote_flash_file.c", "c/nymote_sim_periph.c"].map(bindings)],
  [
    "semihosting",
    ["c/nymote_platform_semihost.c", "c/nymote_random_file.c", "c/nymote_flash_file.c", "c/nymote_sim_periph.c"].map(bindings),
  ],
] as const) {
  test(`the ${name} platform defines every platform function`, () => {
    const src = files.map((f) => readFileSync(f, "utf8")).join("\n");
    const fns = platformFunctions();
    assert.ok(fns.length >= 15);
    for (const fn of fns) assert.match(src, new RegExp(`^(?:int32_t|int64_t|void) ${fn}\\(`, "m"), `${name}: ${fn}`);
  });
}
