import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("sim")
    .description("simulated devices (each its own device core): against a gateway at --gateway, or in-process with injected faults")
    .option("--devices <n>", "devices", "3")
    .option("--gateway <addr>", "tcp://host:port or mqtt://host:port (without: an in-process gateway and network)")
    .option("--owner <dir>", "with --gateway: the owner data directory that certifies the devices")
    .option("--gateway-key <hex|file>", "with --gateway: the gateway's public key (hex, or its data directory's gateway.pub)")
    .option("--duration <s>", "seconds of activity", "10")
    .option(
      "--name-prefix <p>",
      "with --gateway: device names are <p>000, <p>001, ... (a gateway refuses a name it enrolled with another key)",
      "dev",
    )
    .option("--watch <path>", "with --gateway: show the value each device holds at path (e.g. config/all/interval)")
    .option("--seed <x>", "seed for signals and faults", "1")
    .option("--drop <p>", "in-process: probability a message is lost", "0")
    .option("--duplicate <p>", "in-process: probability a message is delivered twice", "0")
    .option("--reorder <p>", "in-process: probability a message is held back", "0")
    .option("--delay <ms>", "in-process: extra latency up to ms", "0")
    .option("--corrupt <p>", "in-process: probability a message is corrupted (the link closes)", "0")
    .option("--partition <every:len>", "in-process: links down for len ms every `every` ms")
    .option("--reboot <p>", "in-process: reboots per device-second", "0")
    .option("--power-cut <p>", "in-process, devices on flash: power cuts per device-second", "0")
    .action(async (o: Record<string, string | undefined>) => {
      const say = (l: string) => process.stdout.write(`${l}\n`);
      const devices = Number(o.devices);
      const seed = Number(o.seed);
      const seconds = Number(o.duration);
      if (o.gateway) {
        const { runLive } = await import("../../sim/live.ts");
        const { loadIdentity } = await import("../../identity/keys.ts");
        const { Owner } = await import("../../sync/owner.ts");
        const { existsSync, readFileSync } = await import("node:fs");
        const { CliError } = await import("../main.ts");
        if (!o.owner || !o.gatewayKey) throw new CliError("--gateway needs --owner <dir> and --gateway-key <hex|file>");
        const keyText = existsSync(o.gatewayKey) ? readFileSync(o.gatewayKey, "utf8").trim() : o.gatewayKey;
        if (!/^[0-9a-f]{64}$/i.test(keyText)) throw new CliError("--gateway-key: 64 hex digits or a file holding them");
        const prefix = o.namePrefix ?? "dev";
        const r = await runLive({
          devices,
          names: Array.from({ length: devices }, (_, i) => `${prefix}${String(i).padStart(3, "0")}`),
          gateway: o.gateway,
          owner: Owner.of(loadIdentity(o.owner, process.env.NYMOTE_PASSPHRASE)),
          gatewayKey: new Uint8Array(Buffer.from(keyText, "hex")),
          durationMs: seconds * 1000,
          seed,
          progress: say,
          watch: o.watch,
        });
        for (const d of r.devices)
          say(
            `${d.dev.name}  commits ${d.dev.commits}  acknowledged ${d.dev.acked === d.dev.head ? "yes" : "no"}  reconnects ${d.reconnects - 1}  ${d.dev.log.slice(-1).join("")}`,
          );
        if (!r.allAcked) {
          throw new CliError(
            "not every commit was acknowledged (each run makes new device keys: a gateway that enrolled these names before refuses them; see its log, or pick another --name-prefix)",
          );
        }
        return;
      }
      const { runFleet } = await import("../../sim/fleet.ts");
      const [every, length] = (o.partition ?? "").split(":").map(Number);
      const r = runFleet({
        devices,
        seed,
        durationMs: seconds * 1000,
        faults: {
          drop: Number(o.drop),
          duplicate: Number(o.duplicate),
          reorder: Number(o.reorder),
          delay: Number(o.delay) > 0 ? [0, Number(o.delay)] : undefined,
          corrupt: Number(o.corrupt),
          partition: every && length ? { every, length } : undefined,
        },
        reboot: Number(o.reboot),
        powerCut: Number(o.powerCut),
        config: [{ at: Math.floor((seconds * 1000) / 2000) * 1000, path: "config/all/interval", value: 10 }],
      });
      for (const d of r.devices)
        say(
          `${d.name}  commits ${d.commits}  acked ${d.acked ? "yes" : "no"}  in main ${d.inMain ? "yes" : "no"}  config ${d.config ? "yes" : "no"}  reconnects ${d.reconnects - 1}  power cuts ${d.powerCuts}`,
        );
      say(`network: ${JSON.stringify(r.net)}`);
      say(`all converged: ${r.converged ? "yes" : "no"}`);
      for (const p of r.problems) say(`problem: ${p}`);
      if (!r.converged) {
        const { CliError } = await import("../main.ts");
        throw new CliError("not every device converged");
      }
    });
}
