// End to end: a gateway that ran the demo fleet (simulated devices, each its
// own device core signing its commits with its own key), exported with
// `export-git`, checked by stock tools only: git fsck --strict, git
// verify-commit for every device commit (naming its device), ssh-keygen -Y
// verify on the same signatures, and a changed byte fails.
import assert from "node:assert/strict";
import { execFileSync, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import { demo } from "../../host/demo/demo.ts";
import { exportGit } from "../../host/export/export-git.ts";
import { readDevices } from "../../host/export/gateway.ts";
import { git, onlyUnsignedBytesDiffer } from "./fixture.ts";

let root: string;
let out: string;
/** Device name -> its own commits (the first-parent chain of devices/<name>). */
const commits = new Map<string, string[]>();

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-fleet-export-"));
  const r = demo({ devices: 2, seconds: 8, seed: 5, dir: root, out: () => {} });
  assert.ok(r.converged, r.lines.join("\n"));
  out = join(root, "export.git");
  exportGit({ dir: join(root, "gateway"), out });
  for (const d of readDevices(join(root, "gateway")))
    commits.set(
      d.name,
      git(out, ["rev-list", "--first-parent", `devices/${d.name}`])
        .trim()
        .split("\n"),
    );
});
after(() => rmSync(root, { recursive: true, force: true }));

function inRepo(args: string[]) {
  return spawnSync("git", args, { cwd: out, encoding: "utf8", env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" } });
}

test("the exported fleet repository passes git fsck --strict", () => {
  const fsck = inRepo(["fsck", "--strict", "--no-dangling"]);
  assert.equal(fsck.status, 0, fsck.stderr);
  assert.equal(commits.size, 2);
});

test("git verify-commit accepts every device commit, naming its device; gateway commits are not device-signed", () => {
  let n = 0;
  for (const [device, ids] of commits) {
    assert.ok(ids.length >= 4, `${device}: first boot, readings and merges of the owner's view`);
    for (const id of ids) {
      const v = inRepo(["verify-commit", "-v", id]);
      assert.equal(v.status, 0, `${device} ${id}: ${v.stderr}`);
      assert.match(v.stderr, new RegExp(`Good "git" signature for ${device} with ED25519 key`));
      n++;
    }
    // The device merged the owner's view: the merge is the device's, the view the gateway's.
    const merge = git(out, ["rev-list", "--first-parent", "--merges", "-1", `devices/${device}`]).trim();
    assert.ok(merge, `${device} merged a view`);
    assert.equal(inRepo(["verify-commit", merge]).status, 0);
    assert.notEqual(inRepo(["verify-commit", `${merge}^2`]).status, 0);
  }
  assert.notEqual(inRepo(["verify-commit", "main"]).status, 0, "main's merges are the gateway's");
  assert.ok(n >= 8);
});

test("ssh-keygen -Y verify accepts every device signature, and refuses another device's name", () => {
  const names = [...commits.keys()];
  for (const [device, ids] of commits)
    for (const id of ids) {
      const body = git(out, ["cat-file", "commit", id]);
      const m = /^gpgsig-sha256 (.*(?:\n .*)*)\n/m.exec(body);
      assert.ok(m, `${id}: signature header`);
      const sigFile = join(root, "commit.sig");
      writeFileSync(sigFile, `${(m[1] as string).replace(/\n /g, "\n")}\n`);
      const payload = body.replace(m[0], "");
      const verify = (who: string) =>
        spawnSync("ssh-keygen", ["-Y", "verify", "-f", join(out, "allowed_signers"), "-I", who, "-n", "git", "-s", sigFile], {
          input: payload,
          encoding: "utf8",
        });
      const ok = verify(device);
      assert.equal(ok.status, 0, ok.stderr);
      const other = names.find((x) => x !== device) as string;
      assert.notEqual(verify(other).status, 0, `${id} is not ${other}'s`);
    }
});

test("any changed byte of an exported device commit fails git verify-commit", () => {
  const scratch = join(root, "scratch.git");
  execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", scratch]);
  const cfg = ["-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${join(out, "allowed_signers")}`];
  const sample = [...commits.values()].flatMap((ids) => [ids[0] as string, ids[ids.length - 1] as string]);
  for (const id of sample) {
    const body = new Uint8Array(Buffer.from(git(out, ["cat-file", "commit", id]), "latin1"));
    fc.assert(
      fc.property(fc.integer({ min: 0, max: body.length - 1 }), fc.integer({ min: 1, max: 255 }), (at, x) => {
        const bad = body.slice();
        bad[at] = (bad[at] as number) ^ x;
        // Bytes SSHSIG leaves unsigned (see onlyUnsignedBytesDiffer) may verify; every other change must not.
        fc.pre(!onlyUnsignedBytesDiffer(body, bad));
        const badId = git(scratch, ["hash-object", "-w", "--literally", "-t", "commit", "--stdin"], bad).trim();
        const v = spawnSync("git", ["--git-dir", scratch, ...cfg, "verify-commit", badId]);
        assert.notEqual(v.status, 0, `${id}: byte ${at} ^ ${x} still verifies`);
      }),
      { numRuns: 12 },
    );
  }
});
