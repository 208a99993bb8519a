// Export and backup of a gateway directory in the gateway's own layout
// (objects.log + refs.json), not a Git directory.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import nacl from "tweetnacl";
import { backupPush, backupRestore } from "../../host/backup/backup.ts";
import { exportGit } from "../../host/export/export-git.ts";
import { openStore } from "../../host/export/gateway.ts";
import { buildGateway, git, type History, toLogLayout } from "./fixture.ts";

let root: string;
let h: History;
let dir: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-log-"));
  h = buildGateway(root, ["thermo-1", "door-2"], 2);
  dir = toLogLayout(h, join(root, "data"));
});
after(() => rmSync(root, { recursive: true, force: true }));

test("export-git reads the gateway's object log: main and devices/<name>, not the views", () => {
  const out = join(root, "export.git");
  exportGit({ dir, out });
  const branches = git(out, ["for-each-ref", "--format=%(refname:short)", "refs/heads"]).trim().split("\n").sort();
  assert.deepEqual(branches, ["devices/door-2", "devices/thermo-1", "main"]);
  assert.equal(spawnSync("git", ["fsck", "--strict", "--no-dangling"], { cwd: out }).status, 0);
  for (const [device, commits] of h.commits)
    for (const id of commits) {
      const v = spawnSync("git", ["verify-commit", "-v", id], { cwd: out, encoding: "utf8" });
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stderr, new RegExp(`Good "git" signature for ${device}`));
    }
});

test("backup and restore keep the gateway's layout: same refs, object ids and files", () => {
  const owner = nacl.randomBytes(32);
  const target = join(root, "target");
  backupPush(dir, target, owner);
  const restored = join(root, "restored");
  backupRestore(target, restored, owner);
  const a = openStore(dir);
  const b = openStore(restored);
  assert.equal(b.layout, "log");
  assert.deepEqual(b.ids(), a.ids());
  assert.deepEqual([...b.refs()], [...a.refs()]);
  assert.equal(readFileSync(join(restored, "devices.json"), "utf8"), readFileSync(join(dir, "devices.json"), "utf8"));
  for (const id of a.ids()) assert.deepEqual(b.read(id), a.read(id));
});
