import type { Command } from "commander";

const lib = () => import("../../identity/cli.ts");

export function register(cli: Command): void {
  const identity = cli.command("identity").description("the owner's keys: Ed25519 owner key and Secret Handshake network key");
  identity
    .command("init")
    .description("create the owner key and network key in the data directory (default $NYMOTE_HOME or ~/.nymote)")
    .option("--dir <dir>", "data directory")
    .option("--passphrase", "encrypt the secret files (passphrase from NYMOTE_PASSPHRASE or asked)")
    .action(async (opts: { dir?: string; passphrase?: boolean }) => {
      const m = await lib();
      await m.asCommand(() => m.identityInit(opts));
    });
  identity
    .command("show")
    .description("print the owner's public key: fingerprint, hex, id and OpenSSH line")
    .option("--dir <dir>", "data directory")
    .option("--json", "print as JSON")
    .action(async (opts: { dir?: string; json?: boolean }) => {
      const m = await lib();
      await m.asCommand(() => m.identityShow(opts));
    });
  identity
    .command("revoke")
    .description("issue a new signed revocation list adding these certificate serials")
    .argument("<serial...>", "certificate serials")
    .option("--dir <dir>", "data directory")
    .action(async (serials: string[], opts: { dir?: string }) => {
      const m = await lib();
      await m.asCommand(() => m.identityRevoke(serials, opts));
    });
}
