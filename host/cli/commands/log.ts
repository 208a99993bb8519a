import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("log")
    .description("history of a gateway's main (or another ref) from its data directory")
    .requiredOption("--data <dir>", "gateway data directory")
    .option("--ref <name>", "ref to walk", "main")
    .option("-n, --limit <n>", "most commits to show", "20")
    .action(async (o: { data: string; ref: string; limit: string }) => {
      const { logLines, ReadError } = await import("../../gateway/read.ts");
      const { expected } = await import("../main.ts");
      try {
        for (const l of logLines(o.data, o.ref, Number(o.limit))) process.stdout.write(`${l}\n`);
      } catch (e) {
        throw expected(e, ReadError);
      }
    });
}
