// Shared by the store tests: a core per target and a temporary directory.
import { execFileSync } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Core } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";

export const TARGETS = ["debug", "release", "gateway"] as const;

export function openStore(target: (typeof TARGETS)[number] = "debug"): CoreStore {
  return CoreStore.openMemory(new Core(target));
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `nymote-${prefix}-`));
}

/** Runs stock git with a fixed identity and no user config. */
export function git(cwd: string, args: string[], input?: string | Uint8Array): string {
  return execFileSync("git", args, {
    cwd,
    input,
    encoding: "utf8",
    env: {
      ...process.env,
      GIT_CONFIG_NOSYSTEM: "1",
      GIT_CONFIG_GLOBAL: "/dev/null",
      GIT_AUTHOR_NAME: "Git Tester",
      GIT_AUTHOR_EMAIL: "git@example.org",
      GIT_COMMITTER_NAME: "Git Tester",
      GIT_COMMITTER_EMAIL: "git@example.org",
      GIT_AUTHOR_DATE: "1700000000 +0000",
      GIT_COMMITTER_DATE: "1700000000 +0000",
    },
  });
}

export const enc = new TextEncoder();
export const dec = new TextDecoder();
export const AUTHOR = "Kitchen Sensor <kitchen@nymote.local>";
