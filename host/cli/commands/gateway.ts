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
    .option("--enroll <spec...>", "enroll a device: name:write,prefixes:read,prefixes", [])
    .option("--open-enrollment", "accept simulator devices dev000..dev999 with default capabilities")
    .action(
      async (o: {
        data: string;
        host: string;
        port: string;
        mqttPort: string;
        mqtt?: string;
        enroll: string[];
        openEnrollment?: boolean;
      }) => {
        const { runGateway } = await import("../../gateway/daemon.ts");
        const say = (l: string) => process.stdout.write(`${l}\n`);
        const stop = await runGateway(
          {
            data: o.data,
            host: o.host,
            port: Number(o.port),
            mqttPort: Number(o.mqttPort),
            mqtt: o.mqtt,
            enroll: o.enroll,
            openEnrollment: o.openEnrollment === true,
          },
          say,
        );
        await new Promise<void>((resolve) => {
          process.once("SIGINT", resolve);
          process.once("SIGTERM", resolve);
        });
        await stop();
      },
    );
}
