// The core's SSH signatures against OpenSSH and git: Ed25519 is deterministic, so
// the core's output must equal ssh-keygen's and `git commit -S`'s byte for byte;
// each side verifies the other's; any changed byte fails. On the device build too.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { allowedSigners } from "../../host/export/export-git.ts";
import { signCommit, sshsigSign, sshsigVerify, verifyCommit } from "../../host/export/sign.ts";
import { Core } from "../../host/runtime/index.ts";
import { git, makeDevice, sshKeygenSigner, type TestDevice } from "./fixture.ts";

const OK = 0;
const E_AUTH = -6;
const E_NOTFOUND = -7;

let root: string;
let dev: TestDevice;
let other: TestDevice;
let signers: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-sshsig-"));
  dev = makeDevice(root, "sensor-7");
  other = makeDevice(root, "sensor-8");
  signers = join(root, "allowed_signers");
  writeFileSync(signers, allowedSigners([dev, other]));
});
after(() => rmSync(root, { recursive: true, force: true }));

function sshKeygenSign(msg: Uint8Array, d: TestDevice): Uint8Array {
  return new Uint8Array(execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-n", "git", "-f", d.keyFile], { input: msg }));
}

function sshKeygenVerify(sig: Uint8Array, msg: Uint8Array, principal: string): boolean {
  const sigFile = join(root, "msg.sig");
  writeFileSync(sigFile, sig);
  return spawnSync("ssh-keygen", ["-Y", "verify", "-f", signers, "-I", principal, "-n", "git", "-s", sigFile], { input: msg }).status === 0;
}

/** An unsigned commit body as git writes it. */
function commitBody(message: string): Uint8Array {
  const t = "a".repeat(64);
  return new Uint8Array(
    Buffer.from(`tree ${t}\nauthor sensor-7 <s@nymote> 1700000000 +0100\ncommitter sensor-7 <s@nymote> 1700000000 +0100\n\n${message}\n`),
  );
}

for (const target of ["gateway", "release"] as const) {
  test(`${target}: SSHSIG equals ssh-keygen's byte for byte, and each verifies the other's`, () => {
    const core = new Core(target);
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 3000 }), (msg) => {
        const ours = sshsigSign(core, msg, dev.secretKey);
        const theirs = sshKeygenSign(msg, dev);
        assert.equal(Buffer.from(ours).toString(), Buffer.from(theirs).toString());
        assert.equal(sshsigVerify(core, theirs, msg, dev.publicKey), OK);
        assert.equal(sshsigVerify(core, theirs, msg, other.publicKey), E_AUTH);
      }),
      { numRuns: 8 },
    );
    const msg = new Uint8Array(Buffer.from("the kitchen is 21.5 degrees"));
    const sig = sshsigSign(core, msg, dev.secretKey);
    assert.ok(sshKeygenVerify(sig, msg, "sensor-7"));
    assert.ok(!sshKeygenVerify(sig, msg, "sensor-8"));
  });

  test(`${target}: any changed byte of message or signature fails`, () => {
    const core = new Core(target);
    const msg = commitBody("reading 1");
    const sig = sshKeygenSign(msg, dev);
    for (let i = 0; i < msg.length; i++) {
      const bad = msg.slice();
      bad[i] ^= 1 << (i % 8);
      assert.equal(sshsigVerify(core, sig, bad, dev.publicKey), E_AUTH, `message byte ${i}`);
    }
    for (let i = 0; i < sig.length; i++) {
      const bad = sig.slice();
      bad[i] ^= 1 << (i % 8);
      assert.notEqual(sshsigVerify(core, bad, msg, dev.publicKey), OK, `signature byte ${i}`);
    }
  });

  test(`${target}: commit signing is exactly git commit -S (gpg.format=ssh, SHA-256 repository)`, () => {
    const core = new Core(target);
    const repo = join(root, `repo-${target}`);
    execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", repo]);
    const tree = git(repo, ["mktree"], "").trim();
    const env = { ...process.env, GIT_AUTHOR_DATE: "1700000000 +0100", GIT_COMMITTER_DATE: "1700000000 +0100" };
    const id = execFileSync(
      "git",
      [
        "--git-dir",
        repo,
        "-c",
        "gpg.format=ssh",
        "-c",
        `user.signingkey=${dev.keyFile}.pub`,
        "-c",
        "user.name=sensor-7",
        "-c",
        "user.email=s@nymote",
        "commit-tree",
        "-S",
        "-m",
        "reading 1",
        tree,
      ],
      { env, encoding: "utf8" },
    ).trim();
    const signedByGit = new Uint8Array(Buffer.from(git(repo, ["cat-file", "commit", id]), "latin1"));
    const text = Buffer.from(signedByGit).toString("latin1");
    const unsigned = new Uint8Array(Buffer.from(text.replace(/^gpgsig-sha256 .*\n( .*\n)*/m, ""), "latin1"));
    const ours = signCommit(core, unsigned, dev.secretKey);
    assert.equal(Buffer.from(ours).toString("latin1"), text);
    assert.equal(verifyCommit(core, signedByGit, dev.publicKey), OK);
    assert.equal(verifyCommit(core, unsigned, dev.publicKey), E_NOTFOUND);
    assert.equal(verifyCommit(core, ours, other.publicKey), E_AUTH);
    // And the fixture's ssh-keygen signer agrees with both.
    assert.equal(Buffer.from(sshKeygenSigner(unsigned, dev)).toString("latin1"), text);
  });

  test(`${target}: a core-signed commit fails verification after any byte changes`, () => {
    const core = new Core(target);
    const signed = signCommit(core, commitBody("door opened"), dev.secretKey);
    assert.equal(verifyCommit(core, signed, dev.publicKey), OK);
    for (let i = 0; i < signed.length; i++) {
      const bad = signed.slice();
      bad[i] ^= 0x20;
      assert.notEqual(verifyCommit(core, bad, dev.publicKey), OK, `byte ${i}`);
    }
  });
}

test("git verify-commit accepts commits the core signed", () => {
  const core = new Core("release");
  const repo = join(root, "verify.git");
  execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", repo]);
  const tree = git(repo, ["mktree"], "").trim();
  const body = new Uint8Array(
    Buffer.from(`tree ${tree}\nauthor sensor-7 <s@nymote> 1700000000 +0000\ncommitter sensor-7 <s@nymote> 1700000000 +0000\n\nreading\n`),
  );
  const signed = signCommit(core, body, dev.secretKey);
  const id = git(repo, ["hash-object", "-w", "-t", "commit", "--stdin"], signed).trim();
  const v = spawnSync(
    "git",
    ["--git-dir", repo, "-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${signers}`, "verify-commit", "-v", id],
    {
      encoding: "utf8",
    },
  );
  assert.equal(v.status, 0, v.stderr);
  assert.match(v.stderr, /Good "git" signature for sensor-7/);
  assert.equal(git(repo, ["fsck", "--strict", "--no-dangling"]), "");
});
