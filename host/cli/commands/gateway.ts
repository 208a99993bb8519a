import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("gateway")
    .description("run a gateway on a data directory: devices over TCP and MQTT (embedded broker by default)")
    .requiredOption("--data <dir>", "data directory (replicas, enrollments)")
    .option("--host <addr>", "address to listen on", "127.0.0.1")
    .option("--port <n>", "TCP port for devices", "7420")
    .option("--mqtt-port <n>", "port of the embedded MQTT broker", "1883")
    .option("--mqtt <url>", "use an existing MQTT broker (mqtt://host:port) instead of the embedded one")
    .option("--owner <dir>", "owner data directory (nymote identity init): certifies the gateway on first start")
    .option("--enroll <cert...>", "record device certificates (nymote enroll output) before devices connect", [])
    .action(async (o: { data: string; host: string; port: string; mqttPort: string; mqtt?: string; owner?: string; enroll: string[] }) => {
      const { runGateway } = await import("../../gateway/daemon.ts");
      const say = (l: string) => process.stdout.write(`${l}\n`);
      const stop = await runGateway(
        {
          data: o.data,
          host: o.host,
          port: Number(o.port),
          mqttPort: Number(o.mqttPort),
          mqtt: o.mqtt,
          owner: o.owner,
          enroll: o.enroll,
        },
        say,
      ).catch(async (e: unknown) => {
        // No certificate yet, or an unreadable owner directory: a usage error, said plainly.
        const { CliError } = await import("../main.ts");
        throw new CliError(e instanceof Error ? e.message : String(e));
      });
      await new Promise<void>((resolve) => {
        process.once("SIGINT", resolve);
        process.once("SIGTERM", resolve);
      });
      await stop();
    });
}
