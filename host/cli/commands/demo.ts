import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("demo")
    .description(
      "owner key, gateway with its embedded MQTT broker and a few simulated devices in a throwaway folder: sync, a config change, a summary",
    )
    .option("--devices <n>", "simulated devices", "4")
    .option("--seconds <s>", "seconds of device activity", "8")
    .option("--seed <x>", "seed for signals and network faults", "1")
    .option("--dir <path>", "folder to use instead of a fresh temporary one")
    .action(async (o: { devices: string; seconds: string; seed: string; dir?: string }) => {
      const { demoLive } = await import("../../demo/demo.ts");
      const r = await demoLive({ devices: Number(o.devices), seconds: Number(o.seconds), seed: Number(o.seed), dir: o.dir });
      if (!r.converged) {
        const { CliError } = await import("../main.ts");
        throw new CliError("not every device converged");
      }
    });
}
