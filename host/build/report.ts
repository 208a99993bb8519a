// Human-readable output of the build commands (tables, progress). The library
// functions return data; only this module prints.
import { basename, join } from "node:path";
import { type Board, loadBoards, PAGE } from "./boards.ts";
import type { SizeReport } from "./image.ts";
import { loadOwnerKeys } from "./owner.ts";

export function table(head: string[], rows: (string | number)[][]): string {
  const cells = [head, ...rows.map((r) => r.map(String))];
  const widths = head.map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => (i === 0 || Number.isNaN(Number(c)) ? c.padEnd(widths[i]) : c.padStart(widths[i])))
      .join("  ")
      .trimEnd();
  return `${[line(cells[0]), line(widths.map((w) => "-".repeat(w))), ...cells.slice(1).map(line)].join("\n")}\n`;
}

const kib = (n: number) => `${Math.round(n / 1024)}`;

export function boardsTable(boards: Board[]): string {
  return table(
    ["board", "arch", "MHz", "SRAM KiB", "flash KiB", "data KiB", "pages", "code KiB", "runtime", "capabilities"],
    boards.map((b) => [
      b.name,
      b.arch,
      b.cpuMHz,
      b.sramKiB,
      b.flash.sizeKiB,
      b.flash.data.sizeKiB,
      `${b.budget.initialPages}/${b.budget.maxPages}`,
      kib(b.budget.codeBytes),
      b.runtime,
      b.capabilities.join(","),
    ]),
  );
}

export function printBoards(opts: { json?: boolean }): void {
  const boards = loadBoards();
  process.stdout.write(opts.json ? `${JSON.stringify(boards, null, 2)}\n` : boardsTable(boards));
}

function progressLine(step: string): void {
  process.stderr.write(`  .. ${step}\n`);
}

export function sizeTable(sizes: SizeReport, budget: Board["budget"]): string {
  const pct = (a: number, b: number) => `${Math.round((100 * a) / b)}%`;
  const mem = budget.initialPages * PAGE;
  return table(
    ["", "bytes", "budget", "used"],
    [
      ["module (.wasm)", sizes.wasmBytes, budget.codeBytes, pct(sizes.wasmBytes, budget.codeBytes)],
      ["  code section", sizes.codeBytes, "", ""],
      ["static data", sizes.staticBytes, mem, pct(sizes.staticBytes, mem)],
      ["shadow stack", sizes.shadowStackBytes, budget.shadowStackBytes, pct(sizes.shadowStackBytes, budget.shadowStackBytes)],
      ["heap (initial memory)", sizes.heapBytes, "", ""],
      ["linear memory", sizes.initialPages * PAGE, budget.maxPages * PAGE, pct(sizes.maxPages, budget.maxPages)],
    ],
  );
}

export async function runBuild(app: string, opts: { board: string; out?: string; owner?: string }): Promise<void> {
  const { buildImage } = await import("./image.ts");
  const owner = opts.owner ? await loadOwnerKeys(opts.owner) : undefined;
  const outDir = opts.out ?? join("build", "images", `${basename(app, ".ts")}-${opts.board}`);
  process.stderr.write(`nymote build ${app} --board ${opts.board}\n`);
  const r = await buildImage({ app, board: opts.board, outDir, owner, progress: progressLine });
  const m = r.manifest;
  process.stdout.write(`\n${m.app} for ${m.board} (${m.runtime}), sha256 ${m.sha256}\n`);
  process.stdout.write(
    `capabilities: ${m.capabilities.join(", ")}${m.owner ? `; owner key ${m.owner.publicKey.slice(0, 16)}… baked in` : ""}\n\n`,
  );
  process.stdout.write(sizeTable(m.sizes, m.budget));
  process.stdout.write(`\nwrote ${Object.values(m.files).join(", ")} to ${r.outDir}\n`);
}

export async function runSelftest(opts: { board: string; out?: string }): Promise<boolean> {
  const { selftest } = await import("./selftest.ts");
  process.stderr.write(`nymote selftest --board ${opts.board}\n`);
  const r = await selftest({ board: opts.board, outDir: opts.out, progress: progressLine });
  process.stdout.write(r.output.trimEnd().replace(/^/gm, "  | "));
  process.stdout.write("\n\n");
  const rows: (string | number)[][] = [
    ["result", r.passed ? "passed" : `FAILED (exit ${r.status})`],
    ["checks", r.checks ?? "?"],
    ["run time (ms)", r.runMs],
    ["module bytes", r.wasm.wasmBytes],
  ];
  if (r.elf) rows.push(["ELF text", r.elf.text], ["ELF data", r.elf.data], ["ELF bss", r.elf.bss]);
  rows.push(["peak linear memory", r.highWater === null ? "?" : `${r.highWater} of ${r.memoryBytes}`]);
  process.stdout.write(table([r.board, ""], rows));
  return r.passed;
}
