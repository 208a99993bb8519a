import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("abi")
    .description("print the ABI between the core and its hosts (imports, exports, error codes)")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => (await import("../abi-table.ts")).printAbi(opts));
}
