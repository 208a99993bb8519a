import type { Command } from "commander";
import type { EnrollOptions } from "../../identity/cli.ts";

const collect = (v: string, prev: string[]) => [...prev, v];

export function register(cli: Command): void {
  cli
    .command("enroll")
    .description("issue a device certificate (COSE_Sign1) signed by the owner key")
    .argument("<device-pubkey>", "the device's Ed25519 public key: hex, base64, @….ed25519 or an ssh-ed25519 line")
    .requiredOption("--name <name>", "device name")
    .option("--write <prefix>", "store path prefix the device may write (repeatable)", collect, [])
    .option("--read <prefix>", "store path prefix the device may read (repeatable)", collect, [])
    .option("--days <n>", "validity in days", "365")
    .option("--out <file>", "where to write the certificate (default: <dir>/certs/<serial>-<name>.cose)")
    .option("--dir <dir>", "data directory")
    .action(async (pubkey: string, opts: EnrollOptions) => {
      const m = await import("../../identity/cli.ts");
      await m.asCommand(() => m.enroll(pubkey, opts));
    });
}
