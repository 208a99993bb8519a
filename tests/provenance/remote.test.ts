// Replication through Git: a gateway's export pushed to a bare remote, and another
// gateway pulling from it, moving branches forward only over commits whose device
// signatures verify in the core.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { exportGit } from "../../host/export/export-git.ts";
import { pullRemote, pushRemote } from "../../host/export/remote.ts";
import { Core } from "../../host/runtime/index.ts";
import { addCommits, buildGateway, commitText, git, type History, sshKeygenSigner, writeCommit } from "./fixture.ts";

let root: string;
let h: History;

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-remote-"));
  h = buildGateway(root, ["thermo-1", "door-2"], 2);
});
after(() => rmSync(root, { recursive: true, force: true }));

const head = (dir: string, ref: string) => git(dir, ["rev-parse", ref]).trim();

test("push: a bare remote receives every branch, then only what is new", () => {
  const out = join(root, "export.git");
  const remote = join(root, "backup-host.git");
  exportGit({ dir: h.dir, out });
  pushRemote(out, remote);
  assert.equal(git(remote, ["rev-parse", "--show-object-format"]).trim(), "sha256");
  for (const b of ["main", "thermo-1", "door-2"]) assert.equal(head(remote, b), head(h.dir, b));
  assert.equal(spawnSync("git", ["--git-dir", remote, "fsck", "--strict"]).status, 0);
  addCommits(h, 1);
  exportGit({ dir: h.dir, out });
  pushRemote(out, remote);
  assert.equal(head(remote, "main"), head(h.dir, "main"));
  // A clone of the remote verifies with the exported allowed_signers.
  const clone = join(root, "clone.git");
  execFileSync("git", ["clone", "--quiet", "--bare", remote, clone]);
  const v = spawnSync(
    "git",
    [
      "--git-dir",
      clone,
      "-c",
      "gpg.format=ssh",
      "-c",
      `gpg.ssh.allowedSignersFile=${join(out, "allowed_signers")}`,
      "verify-commit",
      "thermo-1",
    ],
    { encoding: "utf8" },
  );
  assert.equal(v.status, 0, v.stderr);
});

test("pull: an empty gateway receives every branch, each device commit verified in the core", () => {
  const remote = join(root, "backup-host.git");
  const b = join(root, "gateway-b");
  execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", b]);
  cpSync(join(h.dir, "devices.json"), join(b, "devices.json"));
  const r = pullRemote(b, remote, new Core("gateway"));
  assert.deepEqual(r.rejected, []);
  assert.deepEqual([...r.updated].sort(), ["door-2", "main", "thermo-1"]);
  for (const ref of ["main", "thermo-1", "door-2"]) assert.equal(head(b, ref), head(h.dir, ref));
  assert.equal(git(b, ["fsck", "--strict", "--no-dangling"]), "");
  // Nothing new: nothing moves.
  assert.deepEqual(pullRemote(b, remote, new Core("gateway")).updated, []);
});

test("pull: a device branch whose head is not signed by its device is refused", () => {
  const evil = join(root, "evil.git");
  execFileSync("git", ["clone", "--quiet", "--bare", join(root, "backup-host.git"), evil]);
  // Rewrite thermo-1's head: same content, one byte of the message changed.
  const id = head(evil, "thermo-1");
  const body = git(evil, ["cat-file", "commit", id]).replace("reading", "Reading");
  const forged = git(evil, ["hash-object", "-w", "-t", "commit", "--stdin"], body).trim();
  git(evil, ["update-ref", "refs/heads/thermo-1", forged]);
  const c = join(root, "gateway-c");
  cpSync(h.dir, c, { recursive: true });
  git(c, ["update-ref", "refs/heads/thermo-1", h.commits.get("thermo-1")![0]]);
  const r = pullRemote(c, evil, new Core("gateway"));
  assert.deepEqual(
    r.rejected.map((x) => [x.branch, x.commit]),
    [["thermo-1", forged]],
  );
  assert.equal(head(c, "thermo-1"), h.commits.get("thermo-1")![0]);
});

test("pull: an unsigned commit below a device-signed head is refused (devices sign every commit)", () => {
  const evil = join(root, "evil-2.git");
  execFileSync("git", ["clone", "--quiet", "--bare", join(root, "backup-host.git"), evil]);
  const device = h.devices.find((d) => d.name === "thermo-1")!;
  const base = head(evil, "thermo-1");
  const tree = git(evil, ["rev-parse", `${base}^{tree}`]).trim();
  const unsigned = writeCommit(evil, commitText(tree, [base], "thermo-1", 1_800_000_000, "slipped in"));
  const signed = writeCommit(evil, sshKeygenSigner(commitText(tree, [unsigned], "thermo-1", 1_800_000_001, "signed on top"), device));
  git(evil, ["update-ref", "refs/heads/thermo-1", signed]);
  const c = join(root, "gateway-d");
  cpSync(h.dir, c, { recursive: true });
  git(c, ["update-ref", "refs/heads/thermo-1", base]);
  const r = pullRemote(c, evil, new Core("gateway"));
  assert.deepEqual(
    r.rejected.map((x) => [x.branch, x.commit, x.reason]),
    [["thermo-1", unsigned, "commit not signed by device thermo-1"]],
  );
  assert.equal(head(c, "thermo-1"), base);
  assert.notEqual(spawnSync("git", ["--git-dir", c, "cat-file", "-e", signed]).status, 0, "nothing of the branch copied");
});
