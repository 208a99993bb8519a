// The CLI shell: parses argv, lazily imports one command module, maps errors to an
// exit code. Only this file touches argv and the exit code. Commands register here
// once they work; a command that does not exist yet is not listed.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Thrown by commands for a user-facing failure: printed without a stack. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

export function program(): Command {
  const cli = new Command("nymote")
    .description("Firmware in AssemblyScript for ESP32-class devices, with a store you own")
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();

  cli
    .command("abi")
    .description("print the ABI between the core and its hosts (imports, exports, error codes)")
    .option("--json", "print as JSON")
    .action(async (opts: { json?: boolean }) => (await import("./commands/abi.ts")).abiCommand(opts));

  return cli;
}

export async function main(argv: string[]): Promise<number> {
  try {
    await program().parseAsync(argv);
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) return e.exitCode;
    if (e instanceof CliError) {
      process.stderr.write(`nymote: ${e.message}\n`);
      return e.exitCode;
    }
    process.stderr.write(`nymote: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
    return 1;
  }
}
