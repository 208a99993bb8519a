// The commands as a user runs them: export-git (with --push), show, backup push
// and restore through the CLI entry, exit codes and messages included.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import { encode } from "cbor-x";
import nacl from "tweetnacl";
import { buildGateway, git, type History } from "./fixture.ts";

let root: string;
let h: History;
const bin = new URL("../../bin/nymote.js", import.meta.url).pathname;

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-cli-"));
  h = buildGateway(root, ["thermo-1"], 1);
});
after(() => rmSync(root, { recursive: true, force: true }));

function nymote(...args: string[]) {
  return spawnSync(process.execPath, [bin, ...args], { encoding: "utf8" });
}

test("nymote show prints CBOR diagnostic notation", () => {
  const file = join(root, "value.cbor");
  writeFileSync(file, encode({ celsius: 21.5, tags: ["a", 2], raw: new Uint8Array([1, 255]) }));
  const r = nymote("show", file);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(r.stdout, '{\n  "celsius": 21.5,\n  "tags": [\n    "a",\n    2\n  ],\n  "raw": 64(h\'01ff\')\n}\n');
  writeFileSync(file, Uint8Array.of(0xff, 0x00));
  assert.match(nymote("show", file).stdout, /not CBOR/);
});

test("nymote export-git --push, then git verifies in the remote's clone", () => {
  const out = join(root, "history.git");
  const remote = join(root, "remote.git");
  const r = nymote("export-git", "--dir", h.dir, out, "--push", remote);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /new objects, 2 branches/);
  assert.equal(git(remote, ["rev-parse", "thermo-1"]), git(h.dir, ["rev-parse", "thermo-1"]));
  assert.equal(spawnSync("git", ["verify-commit", "thermo-1"], { cwd: out }).status, 0);
  assert.notEqual(nymote("export-git", "--dir", join(root, "nope"), out).status, 0);
});

test("nymote backup push / restore, and a clear error on tampering", () => {
  const key = join(root, "owner.key");
  writeFileSync(key, Buffer.from(nacl.randomBytes(32)).toString("hex"));
  const target = join(root, "target");
  const p = nymote("backup", "push", "--dir", h.dir, "--key", key, target);
  assert.equal(p.status, 0, p.stderr);
  assert.match(p.stdout, /^bundle 1: \d+ objects/);
  assert.match(nymote("backup", "push", "--dir", h.dir, "--key", key, target).stdout, /nothing new/);
  const dir = join(root, "restored");
  const r = nymote("backup", "restore", target, "--dir", dir, "--key", key);
  assert.equal(r.status, 0, r.stderr);
  assert.equal(git(dir, ["rev-parse", "main"]), git(h.dir, ["rev-parse", "main"]));
  rmSync(join(target, "bundle-00000001.nyb"));
  const bad = nymote("backup", "restore", target, "--dir", join(root, "restored-2"), "--key", key);
  assert.equal(bad.status, 2);
  assert.equal(bad.stderr, "nymote: bundle 1 (the newest) is missing: the backup was truncated\n");
});
