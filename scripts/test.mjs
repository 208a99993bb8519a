// npm test: system packages, core build, type check, lint, AssemblyScript unit
// tests, then every host test. Exits non-zero on the first failing stage.
import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { ensureSystemDeps } from "./system-deps.mjs";

function run(label, cmd, args, onFailure = () => {}) {
  const t0 = Date.now();
  console.log(`\n== ${label}`);
  const r = spawnSync(cmd, args, { stdio: "inherit" });
  if (r.status !== 0) {
    onFailure();
    console.error(`\n== ${label} FAILED (exit ${r.status ?? r.signal})`);
    process.exit(1);
  }
  console.log(`== ${label} ok (${((Date.now() - t0) / 1000).toFixed(1)} s)`);
}

function testFiles(dir, out = []) {
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) {
      if (name !== "assembly" && name !== "fixtures") testFiles(p, out);
    } else if (name.endsWith(".test.ts")) out.push(p);
  }
  return out;
}

console.log("== system packages");
try {
  ensureSystemDeps();
} catch (e) {
  console.error(e.message);
  process.exit(1);
}
const npx = "npx";
run("build core", process.execPath, ["--import", "tsx", "scripts/build-core.ts"]);
run("type check", npx, ["tsc", "-p", "tsconfig.json"]);
run("lint", npx, ["biome", "check", "."]);
run("AssemblyScript unit tests", npx, ["asp", "--no-logo", "--config", "as-pect.config.mjs"]);
const only = process.argv.slice(2);
const files = only.length > 0 ? only : testFiles("tests");
// Dots on the console; a TAP copy in build/ names what failed (with
// --test-force-exit the dot reporter's own summary of failures is lost).
const tap = join("build", "host-tests.tap");
mkdirSync("build", { recursive: true });
run(
  `host tests (${files.length} files)`,
  process.execPath,
  [
    "--import",
    "tsx",
    "--test",
    "--test-concurrency=2",
    // A hung test (a broker that never answers, a promise never settled) fails
    // after 5 minutes and its file exits, instead of holding CI until its limit.
    "--test-timeout=300000",
    "--test-force-exit",
    "--test-reporter=dot",
    "--test-reporter-destination=stdout",
    "--test-reporter=tap",
    `--test-reporter-destination=${tap}`,
    ...files,
  ],
  () => printFailures(tap),
);

/** Each failed test of a TAP file: its "not ok" line and the details under it. */
function printFailures(file) {
  if (!existsSync(file)) return;
  const lines = readFileSync(file, "utf8").split("\n");
  for (let i = 0; i < lines.length; i++) {
    if (!/^\s*not ok /.test(lines[i])) continue;
    console.error(`\n${lines[i].trim()}`);
    for (let j = i + 1; j < lines.length && j < i + 40 && !/^\s*\.\.\.$/.test(lines[j]); j++) console.error(lines[j]);
  }
}
