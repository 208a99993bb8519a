// `nymote selftest --board NAME`: builds assembly/selftest.ts for a wasm2c board,
// compiles it natively (host gcc, or rv32imc + picolibc for qemu-rv32), runs it
// (under qemu-system-riscv32 with the ESP32-C3's 400 KiB of RAM for qemu-rv32)
// and reports the result with the ELF's sections and the peak linear memory.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { BoardError, loadBoard } from "./boards.ts";
import { repoRoot } from "./compile.ts";
import { BuildError, buildImage, type Progress, type SizeReport } from "./image.ts";
import { buildNative, type ElfSizes, runNative } from "./native.ts";

export const SELFTEST_ENTRY = join(repoRoot, "assembly/selftest.ts");

export interface SelftestResult {
  board: string;
  passed: boolean;
  status: number;
  /** Checks run, as the native runner reported them. */
  checks: number | null;
  /** Wall time of the native run (QEMU included), ms. */
  runMs: number;
  output: string;
  wasm: SizeReport;
  elf: ElfSizes | null;
  /** Highest byte of linear memory the self-test touched. */
  highWater: number | null;
  memoryBytes: number;
  outDir: string;
}

export async function selftest(opts: { board: string; outDir?: string; entry?: string; progress?: Progress }): Promise<SelftestResult> {
  const board = loadBoard(opts.board);
  if (board.runtime !== "wasm2c" || !board.toolchain)
    throw new BoardError(
      `board ${board.name} runs ${board.runtime}; the native self-test needs a wasm2c board with a toolchain (host, qemu-rv32)`,
    );
  const outDir = resolve(opts.outDir ?? mkdtempSync(join(tmpdir(), `nymote-selftest-${board.name}-`)));
  const progress = opts.progress ?? (() => {});
  const image = await buildImage({ app: opts.entry ?? SELFTEST_ENTRY, board, outDir, kind: "selftest", progress });
  progress(`compiling natively with ${board.toolchain.cc}`);
  const native = buildNative(board, outDir, { selftest: true });
  progress(`running ${board.toolchain.run?.[0] ?? native.elf}`);
  const t0 = performance.now();
  const run = runNative(board, native.elf, outDir);
  const runMs = Math.round(performance.now() - t0);
  const counted = /selftest \w+ \(\d+ failed of (\d+) checks\)/.exec(run.output);
  if (run.status !== 0 && !/selftest (passed|FAILED)/.test(run.output))
    throw new BuildError(`the self-test did not run to completion on ${board.name} (exit ${run.status}):\n${run.output}`);
  return {
    board: board.name,
    passed: run.status === 0,
    status: run.status,
    checks: counted ? Number(counted[1]) : null,
    runMs,
    output: run.output,
    wasm: image.manifest.sizes,
    elf: native.sizes,
    highWater: run.highWater,
    memoryBytes: image.manifest.sizes.initialPages * 65536,
    outDir,
  };
}
