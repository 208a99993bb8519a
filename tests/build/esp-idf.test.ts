// The ESP-IDF template agrees with the boards and the platform interface: its
// partition table holds the store's data partition where boards/*.json say, it
// depends on the WAMR component, its sources exist, and its platform layer (like
// the POSIX and semihosting ones) defines every function nymote_platform.h declares.
// (CI has no ESP-IDF toolchain: the template itself is not compiled here.)
import assert from "node:assert/strict";
import { existsSync, readFileSync } from "node:fs";
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
