import type { Command } from "commander";

const KEY_HELP = "file holding the owner's secret (32+ bytes, raw or hex)";

export function register(cli: Command): void {
  const backup = cli.command("backup").description("encrypted, authenticated backups of a gateway to untrusted storage");
  backup
    .command("push")
    .description("write what is new since the last backup as one encrypted bundle")
    .requiredOption("--dir <gateway-dir>", "gateway data directory")
    .requiredOption("--key <file>", KEY_HELP)
    .argument("<target>", "backup directory (any untrusted storage)")
    .action(async (target: string, opts: { dir: string; key: string }) => {
      const { backupPush, readOwnerSecret } = await import("../../backup/backup.ts");
      const r = await fail(() => backupPush(opts.dir, target, readOwnerSecret(opts.key)));
      process.stdout.write(
        r.wrote ? `bundle ${r.seq}: ${r.objects} objects, ${r.bytes} bytes\n` : `nothing new (bundle ${r.seq} is current)\n`,
      );
    });
  backup
    .command("restore")
    .description("rebuild a gateway directory from the bundles and the owner's key (checks the whole chain first)")
    .requiredOption("--dir <new-dir>", "directory to create (must not exist or be empty)")
    .requiredOption("--key <file>", KEY_HELP)
    .argument("<target>", "backup directory")
    .action(async (target: string, opts: { dir: string; key: string }) => {
      const { backupRestore, readOwnerSecret } = await import("../../backup/backup.ts");
      const r = await fail(() => backupRestore(target, opts.dir, readOwnerSecret(opts.key)));
      process.stdout.write(`restored ${r.objects} objects and ${r.refs.size} branches from ${r.seq} bundles into ${opts.dir}\n`);
    });
}

/** BackupError is a user-facing failure: message only, exit code 2. */
async function fail<T>(fn: () => T): Promise<T> {
  const { BackupError } = await import("../../backup/backup.ts");
  const { CliError } = await import("../main.ts");
  try {
    return fn();
  } catch (e) {
    if (e instanceof BackupError) throw new CliError(e.message, 2);
    throw e;
  }
}
