import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("selftest")
    .description("build the device self-test for a native board, run it (qemu-rv32: under QEMU), report ELF sizes and peak memory")
    .option("--board <name>", "host or qemu-rv32", "qemu-rv32")
    .option("--out <dir>", "keep the build in this directory (default: a temporary one)")
    .action(async (opts: { board: string; out?: string }) => {
      const { runSelftest } = await import("../../build/report.ts");
      const { CliError } = await import("../main.ts");
      const { BuildError } = await import("../../build/image.ts");
      const { BoardError } = await import("../../build/boards.ts");
      let passed: boolean;
      try {
        passed = await runSelftest(opts);
      } catch (e) {
        if (e instanceof BuildError || e instanceof BoardError) throw new CliError(e.message);
        throw e;
      }
      if (!passed) throw new CliError(`self-test failed on ${opts.board}`);
    });
}
