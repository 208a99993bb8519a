import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("set <path> [value]")
    .description(
      "the owner writes a value on a gateway's main (devices whose read prefixes cover the path receive it): through the running gateway, or in its data directory when none runs",
    )
    .requiredOption("--data <dir>", "gateway data directory")
    .option("--file <file>", "store this file's bytes as they are (one deterministic CBOR item) instead of a JSON value")
    .addHelpText("after", `\nvalue is JSON, stored as deterministic CBOR: 15, -2.5, '"text"', '{"a":1}'`)
    .action(async (path: string, value: string | undefined, o: { data: string; file?: string }) => {
      const { CliError } = await import("../main.ts");
      if ((value === undefined) === (o.file === undefined))
        throw new CliError("give either a JSON value or --file <file>, not both or neither");
      const { readFileSync } = await import("node:fs");
      const { Core } = await import("../../runtime/index.ts");
      const { cborOfJson } = await import("../../gateway/value.ts");
      const { setValue } = await import("../../gateway/set.ts");
      try {
        const bytes = o.file !== undefined ? new Uint8Array(readFileSync(o.file)) : cborOfJson(new Core("gateway"), value as string);
        const r = await setValue(o.data, path, bytes);
        process.stdout.write(`${r.commit}\n`);
      } catch (e) {
        // Refusals (bad value, bad path, size guard, a locked directory) are the user's to read, not stack traces.
        throw new CliError(e instanceof Error ? e.message : String(e));
      }
    });
}
