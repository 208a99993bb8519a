// export-git checked by stock tools: git fsck --strict, git verify-commit (with
// only the exported repository's own config), ssh-keygen -Y verify, git log -p.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { exportGit } from "../../host/export/export-git.ts";
import { addCommits, buildGateway, git, type History, onlyUnsignedBytesDiffer, signatureBytes } from "./fixture.ts";

let root: string;
let h: History;
let out: string;

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-export-"));
  h = buildGateway(root, ["thermo-1", "door-2"], 3);
  out = join(root, "export.git");
});
after(() => rmSync(root, { recursive: true, force: true }));

/** Runs git inside the exported repository with no extra configuration. */
function inRepo(args: string[]) {
  return spawnSync("git", args, { cwd: out, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } });
}

test("export writes a SHA-256 repository that git fsck --strict accepts", () => {
  const r = exportGit({ dir: h.dir, out });
  assert.ok(r.objects > 0);
  assert.equal(git(out, ["rev-parse", "--show-object-format"]).trim(), "sha256");
  const fsck = inRepo(["fsck", "--strict", "--no-dangling"]);
  assert.equal(fsck.status, 0, fsck.stderr);
  assert.equal(fsck.stderr, "");
  const branches = git(out, ["for-each-ref", "--format=%(refname:short)", "refs/heads"]).trim().split("\n").sort();
  assert.deepEqual(branches, ["door-2", "main", "thermo-1"]);
  for (const name of branches) assert.equal(git(out, ["rev-parse", name]).trim(), git(h.dir, ["rev-parse", name]).trim());
});

test("git verify-commit accepts every device commit, naming its device", () => {
  for (const [device, commits] of h.commits)
    for (const id of commits) {
      const v = inRepo(["verify-commit", "-v", id]);
      assert.equal(v.status, 0, `${device} ${id}: ${v.stderr}`);
      assert.match(v.stderr, new RegExp(`Good "git" signature for ${device} with ED25519 key`));
    }
  // The gateway's merge commits are not device commits and carry no signature.
  assert.notEqual(inRepo(["verify-commit", "main"]).status, 0);
});

test("ssh-keygen -Y verify accepts the same signatures", () => {
  for (const [device, commits] of h.commits) {
    const body = git(out, ["cat-file", "commit", commits[0]]);
    const m = /^gpgsig-sha256 (.*(?:\n .*)*)\n/m.exec(body);
    assert.ok(m, "signature header");
    const sig = `${m[1].replace(/\n /g, "\n")}\n`;
    const payload = body.replace(m[0], "");
    const sigFile = join(root, `${device}.sig`);
    writeFileSync(sigFile, sig);
    const r = spawnSync("ssh-keygen", ["-Y", "verify", "-f", join(out, "allowed_signers"), "-I", device, "-n", "git", "-s", sigFile], {
      input: payload,
      encoding: "utf8",
    });
    assert.equal(r.status, 0, r.stderr);
    const wrong = spawnSync("ssh-keygen", ["-Y", "verify", "-f", join(out, "allowed_signers"), "-I", device, "-n", "git", "-s", sigFile], {
      input: `${payload} `,
      encoding: "utf8",
    });
    assert.notEqual(wrong.status, 0);
  }
});

test("git verify-commit fails after any byte of a signed commit changes", () => {
  const id = h.commits.get("thermo-1")![1];
  const body = new Uint8Array(Buffer.from(git(out, ["cat-file", "commit", id]), "latin1"));
  // Damaged commits go to a scratch repository that trusts the same signers.
  const scratch = join(root, "scratch.git");
  execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", scratch]);
  const cfg = ["-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${join(out, "allowed_signers")}`];
  const good = git(scratch, ["hash-object", "-w", "-t", "commit", "--stdin"], body).trim();
  assert.equal(spawnSync("git", ["--git-dir", scratch, ...cfg, "verify-commit", good]).status, 0);
  assert.equal(signatureBytes(body)?.subarray(0, 6).toString(), "SSHSIG", "the commit carries an armored SSHSIG");
  fc.assert(
    fc.property(fc.integer({ min: 0, max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
      const bad = body.slice();
      bad[at] ^= x;
      // Bytes SSHSIG leaves unsigned (see onlyUnsignedBytesDiffer) may verify; every other change must not.
      fc.pre(!onlyUnsignedBytesDiffer(body, bad));
      const badId = git(scratch, ["hash-object", "-w", "--literally", "-t", "commit", "--stdin"], bad).trim();
      const v = spawnSync("git", ["--git-dir", scratch, ...cfg, "verify-commit", badId]);
      assert.notEqual(v.status, 0, `byte ${at} ^ ${x} still verifies`);
    }),
    { numRuns: 24 },
  );
});

test("git log -p shows readable values through the CBOR textconv", () => {
  const log = inRepo(["log", "-p", "-1", "thermo-1"]);
  assert.equal(log.status, 0, log.stderr);
  assert.match(log.stdout, /"room": "kitchen-thermo-1"/);
  assert.match(log.stdout, /"celsius": 20\.75/);
  assert.match(log.stdout, /"door-opened": 3/);
});

test("a second export adds only what is new", () => {
  const before = git(out, ["count-objects", "-v"]);
  const again = exportGit({ dir: h.dir, out });
  assert.equal(again.objects, 0);
  assert.equal(git(out, ["count-objects", "-v"]), before);
  const reachable = (dir: string) => git(dir, ["rev-list", "--objects", "--all"]).trim().split("\n").length;
  const had = reachable(out);
  addCommits(h, 2);
  const next = exportGit({ dir: h.dir, out });
  assert.equal(next.objects, reachable(h.dir) - had);
  assert.equal(reachable(out), reachable(h.dir));
  const fsck = inRepo(["fsck", "--strict", "--no-dangling"]);
  assert.equal(fsck.status, 0, fsck.stderr);
  assert.equal(git(out, ["rev-parse", "main"]).trim(), git(h.dir, ["rev-parse", "main"]).trim());
  for (const id of h.commits.get("door-2")!) assert.equal(inRepo(["verify-commit", id]).status, 0);
});
