import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("build")
    .description("build a device image of an app for a board: .wasm, C header for WAMR, wasm2c sources, manifest")
    .argument("<app>", "the app's entry file (exports setup and loop), e.g. examples/thermometer/app.ts")
    .requiredOption("--board <name>", "target board (nymote boards lists them)")
    .option("--out <dir>", "output directory (default build/images/<app>-<board>)")
    .option("--owner <dir>", "bake this owner's public key and network key into the image (made by nymote identity init)")
    .action(async (app: string, opts: { board: string; out?: string; owner?: string }) => {
      const { runBuild } = await import("../../build/report.ts");
      const { CliError } = await import("../main.ts");
      const { BuildError } = await import("../../build/image.ts");
      const { BoardError } = await import("../../build/boards.ts");
      try {
        await runBuild(app, opts);
      } catch (e) {
        if (e instanceof BuildError || e instanceof BoardError) throw new CliError(e.message);
        throw e;
      }
    });
}
