// Native builds of a wasm2c image (boards whose runtime is wasm2c): the module's C,
// the generated import glue, the platform layer named by the board's toolchain and
// wasm2c's runtime, compiled and linked with the board's compiler, then run with
// the board's run command (QEMU for qemu-rv32, the ELF itself for host).
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import type { Board } from "./boards.ts";
import { repoRoot } from "./compile.ts";
import { BuildError, WASM2C_NAME } from "./image.ts";

/** wasm2c's runtime sources (Debian wabt). */
export const WASM2C_RUNTIME = "/usr/src/wasm2c";

export interface ElfSizes {
  text: number;
  data: number;
  bss: number;
}

export interface NativeResult {
  elf: string;
  sizes: ElfSizes | null;
}

const B = (p: string) => join(repoRoot, "bindings", p);

/** Compiles the image in outDir (built with wasm2c output) into outDir/<board>.elf. */
export function buildNative(board: Board, outDir: string, opts: { selftest?: boolean; maxLoops?: number } = {}): NativeResult {
  const tc = board.toolchain;
  if (!tc) throw new BuildError(`board ${board.name} has no native toolchain (runtime ${board.runtime})`);
  if (!existsSync(join(outDir, `${WASM2C_NAME}.c`))) throw new BuildError(`no wasm2c output in ${outDir}`);
  const elf = join(outDir, `${board.name}.elf`);
  const sources = [
    join(outDir, `${WASM2C_NAME}.c`),
    B("wasm2c/nymote_wasm2c_imports.c"),
    B("wasm2c/nymote_wasm2c.c"),
    B("wasm2c/nymote_wasm2c_main.c"),
    B("c/nymote_imports.c"),
    B("c/nymote_flash_file.c"),
    B("c/nymote_random_file.c"),
    B("c/nymote_sim_periph.c"),
    B(`c/nymote_platform_${tc.platform}.c`),
    join(WASM2C_RUNTIME, "wasm-rt-impl.c"),
  ];
  const includes = [outDir, B("c"), B("wasm2c"), WASM2C_RUNTIME, ...(tc.includes ?? []).map((d) => join(repoRoot, d))];
  const defines = [`-DNYMOTE_FLASH_SIZE=${board.flash.data.sizeKiB * 1024}u`];
  if (opts.selftest) defines.push("-DNYMOTE_SELFTEST");
  if (opts.maxLoops !== undefined) defines.push(`-DNYMOTE_MAX_LOOPS=${opts.maxLoops}`);
  // The runner's sync step, for images that carry the SDK's sync pump (bindings/abi/builder.json).
  const manifest = JSON.parse(readFileSync(join(outDir, "manifest.json"), "utf8")) as { exports: string[] };
  if (manifest.exports.includes("sdk_sync_tick")) defines.push("-DNYMOTE_SYNC");
  const args = [...tc.cflags, ...defines, ...includes.map((d) => `-I${d}`), ...sources, ...(tc.ldflags ?? []), "-o", elf];
  const r = spawnSync(tc.cc, args, { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    const errors = (r.stderr ?? "")
      .split("\n")
      .filter((l) => /error|undefined reference/.test(l))
      .slice(0, 20)
      .join("\n");
    throw new BuildError(`${tc.cc} failed for ${board.name}: ${r.error?.message ?? errors}`);
  }
  return { elf, sizes: elfSizes(board, elf) };
}

/** text/data/bss of an ELF (binutils `size`, Berkeley format). */
export function elfSizes(board: Board, elf: string): ElfSizes | null {
  const tool = board.toolchain?.size;
  if (!tool) return null;
  const out = execFileSync(tool, [elf], { encoding: "utf8" }).trim().split("\n");
  const [text, data, bss] = out[out.length - 1].trim().split(/\s+/).map(Number);
  return { text, data, bss };
}

export interface RunResult {
  status: number;
  output: string;
  /** "linear memory high-water N" reported by the runner, in bytes. */
  highWater: number | null;
}

/** Runs the ELF with the board's run command in cwd (where its flash file lives). */
export function runNative(board: Board, elf: string, cwd: string, opts: { freshFlash?: boolean; timeoutMs?: number } = {}): RunResult {
  const run = board.toolchain?.run ?? ["{elf}"];
  if (opts.freshFlash ?? true) rmSync(join(cwd, "nymote-flash.bin"), { force: true });
  const [cmd, ...args] = run.map((a) => a.replace("{elf}", elf));
  const r = spawnSync(cmd, args, {
    cwd,
    encoding: "utf8",
    timeout: opts.timeoutMs ?? 120_000,
    env: { ...process.env, NYMOTE_FLASH: join(cwd, "nymote-flash.bin") },
  });
  if (r.error) throw new BuildError(`could not run ${cmd}: ${r.error.message}`);
  const output = `${r.stdout}${r.stderr}`;
  const m = /linear memory high-water (\d+)/.exec(output);
  return { status: r.status ?? -1, output, highWater: m ? Number(m[1]) : null };
}
