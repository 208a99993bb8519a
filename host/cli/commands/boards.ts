import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("boards")
    .description("list the boards an app can be built for (boards/*.json): memory, flash, runtime, capabilities")
    .option("--json", "print the validated board descriptions as JSON")
    .action(async (opts: { json?: boolean }) => (await import("../../build/report.ts")).printBoards(opts));
}
