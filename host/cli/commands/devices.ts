import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("devices")
    .description("devices enrolled at a gateway, with their branch heads and capabilities")
    .requiredOption("--data <dir>", "gateway data directory")
    .action(async (o: { data: string }) => {
      const { deviceLines, ReadError } = await import("../../gateway/read.ts");
      const { expected } = await import("../main.ts");
      try {
        for (const l of deviceLines(o.data)) process.stdout.write(`${l}\n`);
      } catch (e) {
        throw expected(e, ReadError);
      }
    });
}
