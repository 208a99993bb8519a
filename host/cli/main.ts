// The CLI shell: parses argv, maps errors to an exit code. Only this file touches
// argv and the exit code. Each command lives in commands/<name>.ts, declares its
// options there and lazily imports its implementation from the library. A command
// is listed here once it works; one that does not exist yet is not listed.
import { readFileSync } from "node:fs";
import { Command, CommanderError } from "commander";
import { register as abi } from "./commands/abi.ts";
import { register as backup } from "./commands/backup.ts";
import { register as boards } from "./commands/boards.ts";
import { register as build } from "./commands/build.ts";
import { register as demo } from "./commands/demo.ts";
import { register as devices } from "./commands/devices.ts";
import { register as enroll } from "./commands/enroll.ts";
import { register as exportGit } from "./commands/export-git.ts";
import { register as gateway } from "./commands/gateway.ts";
import { register as get } from "./commands/get.ts";
import { register as identity } from "./commands/identity.ts";
import { register as log } from "./commands/log.ts";
import { register as selftest } from "./commands/selftest.ts";
import { register as set } from "./commands/set.ts";
import { register as show } from "./commands/show.ts";
import { register as sim } from "./commands/sim.ts";

const COMMANDS = [abi, identity, enroll, exportGit, show, backup, demo, log, get, set, devices, gateway, sim, boards, build, selftest];

const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as { version: string };

/** Thrown by commands for a user-facing failure: printed without a stack. */
export class CliError extends Error {
  readonly exitCode: number;
  constructor(message: string, exitCode = 1) {
    super(message);
    this.exitCode = exitCode;
  }
}

/** e as a CliError (message only, exit 1) when it is of the kind a command expects, else e. */
export function expected(e: unknown, kind: abstract new (...args: never[]) => Error): unknown {
  return e instanceof kind ? new CliError(e.message) : e;
}

export function program(): Command {
  const cli = new Command("nymote")
    .description("Firmware in AssemblyScript for ESP32-class devices, with a store you own")
    .version(pkg.version)
    .showHelpAfterError()
    .exitOverride();

  for (const register of COMMANDS) register(cli);

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
