import type { Command } from "commander";

export function register(cli: Command): void {
  cli
    .command("export-git")
    .description("write (or update) the owner's history as a signed, verifiable SHA-256 Git repository")
    .requiredOption("--dir <gateway-dir>", "gateway data directory")
    .argument("<out>", "output repository (bare; created if missing)")
    .option("--push <remote>", "then push every branch to this Git remote (URL or path)")
    .action(async (out: string, opts: { dir: string; push?: string }) => {
      const { exportGit } = await import("../../export/export-git.ts");
      const r = exportGit({ dir: opts.dir, out });
      process.stdout.write(`${r.out}: ${r.objects} new objects, ${r.refs.size} branches\n`);
      if (opts.push) {
        const { pushRemote } = await import("../../export/remote.ts");
        pushRemote(r.out, opts.push);
        process.stdout.write(`pushed to ${opts.push}\n`);
      }
    });
}
