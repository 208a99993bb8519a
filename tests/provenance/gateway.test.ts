// Export and backup of a real gateway's data directory: the one `nymote demo`
// leaves behind (host/gateway, devices syncing over a lossy simulated network).
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import nacl from "tweetnacl";
import { backupPush, backupRestore } from "../../host/backup/backup.ts";
import { demo } from "../../host/demo/demo.ts";
import { exportGit } from "../../host/export/export-git.ts";
import { openStore } from "../../host/export/gateway.ts";

let root: string;
let dataDir: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-gw-"));
  const r = demo({ devices: 2, seconds: 6, dir: join(root, "demo"), out: () => {} });
  assert.ok(r.converged);
  dataDir = join(r.dir, "gateway");
});
after(() => rmSync(root, { recursive: true, force: true }));

test("export-git of a gateway's data directory: fsck-clean, main and one branch per device", () => {
  const out = join(root, "export.git");
  const r = exportGit({ dir: dataDir, out });
  assert.ok(r.objects > 0);
  const fsck = spawnSync("git", ["fsck", "--strict", "--no-dangling"], { cwd: out, encoding: "utf8" });
  assert.equal(fsck.status, 0, fsck.stderr);
  const branches = spawnSync("git", ["for-each-ref", "--format=%(refname:short)", "refs/heads"], { cwd: out, encoding: "utf8" }).stdout;
  assert.deepEqual(branches.trim().split("\n").sort(), ["devices/dev000", "devices/dev001", "main"]);
  const log = spawnSync("git", ["log", "-p", "-3", "devices/dev000"], { cwd: out, encoding: "utf8" });
  assert.equal(log.status, 0);
  assert.match(log.stdout, /sensors\/dev000\//);
  assert.doesNotMatch(log.stdout, /Binary files/);
});

test("backup and restore of a gateway's data directory give the same store", () => {
  const owner = nacl.randomBytes(32);
  backupPush(dataDir, join(root, "target"), owner);
  const restored = join(root, "restored");
  backupRestore(join(root, "target"), restored, owner);
  const a = openStore(dataDir);
  const b = openStore(restored);
  assert.deepEqual(b.ids(), a.ids());
  assert.deepEqual([...b.refs()], [...a.refs()]);
  assert.equal(readFileSync(join(restored, "devices.json"), "utf8"), readFileSync(join(dataDir, "devices.json"), "utf8"));
});
