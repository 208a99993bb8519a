// The published bundle (npm run bundle → dist/) works as plain JavaScript: no
// TypeScript loader, the core and the ABI found beside it.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { repoRoot } from "../../host/build/compile.ts";

test("dist/ runs without tsx: nymote/crypto hashes, the CLI answers", () => {
  execFileSync("npx", ["rollup", "-c", "rollup.config.mjs", "--silent"], { cwd: repoRoot, stdio: "pipe" });
  const script = `
    const c = await import(${JSON.stringify(`${repoRoot}/dist/host/crypto/index.js`)});
    process.stdout.write(Buffer.from(c.sha256(new TextEncoder().encode("nymote"))).toString("hex"));`;
  // A plain node: no --import tsx, cwd outside the repository.
  const out = execFileSync(process.execPath, ["--input-type=module", "-e", script], { cwd: "/", encoding: "utf8" });
  assert.equal(out, createHash("sha256").update("nymote").digest("hex"));
  const version = execFileSync(process.execPath, [`${repoRoot}/dist/bin/nymote.js`, "--version"], { cwd: "/", encoding: "utf8" });
  assert.match(version, /^\d+\.\d+\.\d+/);
});
