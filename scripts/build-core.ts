// npm run build:core — compiles assembly/core.ts for every target and prints sizes.
// --names: build the profiling variants instead, build/core.<target>.names.wasm
// (function names kept, so `node --cpu-prof` shows them); the images are untouched.
import { basename } from "node:path";
import { buildCore } from "../host/build/compile.ts";

const force = process.argv.includes("--force");
const results = await buildCore(undefined, force, process.argv.includes("--names"));
console.log("module                 target    bytes   rebuilt");
for (const r of results) {
  console.log(`${basename(r.outFile).padEnd(22)} ${r.target.padEnd(8)} ${String(r.bytes).padStart(7)}   ${r.rebuilt ? "yes" : "no"}`);
}
