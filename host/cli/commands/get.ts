import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("get <path>")
    .description("the value at a path in a gateway's main, decoded from CBOR")
    .requiredOption("--data <dir>", "gateway data directory")
    .option("--ref <name>", "ref to read", "main")
    .action(async (path: string, o: { data: string; ref: string }) => {
      const { getValue, ReadError } = await import("../../gateway/read.ts");
      const { expected } = await import("../main.ts");
      try {
        process.stdout.write(`${JSON.stringify(getValue(o.data, path, o.ref))}\n`);
      } catch (e) {
        throw expected(e, ReadError);
      }
    });
}
