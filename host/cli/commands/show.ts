import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("show")
    .description("print a stored value (a CBOR blob file) as CBOR diagnostic notation; git's textconv for exported repositories")
    .argument("<file>", "file holding the value ('-' for stdin)")
    .action(async (file: string) => {
      const { readFileSync } = await import("node:fs");
      const { cborDiagnostic } = await import("../../export/show.ts");
      const bytes = new Uint8Array(readFileSync(file === "-" ? 0 : file));
      process.stdout.write(`${cborDiagnostic(bytes)}\n`);
    });
}
