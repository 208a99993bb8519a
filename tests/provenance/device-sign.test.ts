// A device store signs every commit it writes, in the core, with the device's
// key (provenance_store_sign): its own commits (store_commit), its merges
// (store_merge) and the commits sync writes for it (sync_commit). Checked with
// stock git: the store exported as a repository, `git verify-commit` with an
// allowed_signers line for the device's key.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encode } from "cbor-x";
import { sshPublicKeyBlob } from "../../host/export/export-git.ts";
import { verifyCommit } from "../../host/export/sign.ts";
import { DeviceIdentity } from "../../host/identity/device.ts";
import { Core } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";
import { hex, SyncStore } from "../../host/sync/core.ts";

const E_STATE = -14;
const AUTHOR = "kitchen <kitchen@nymote.invalid>";
const value = (v: unknown) => new Uint8Array(encode(v));

test("a device store signs its commits, merges and sync's commits; stock git verifies them all", () => {
  const core = new Core("release");
  const s = CoreStore.openMemory(core);
  assert.equal(core.call("provenance_store_sign", s.handle, 1), E_STATE, "no key before identity_init");
  const id = new DeviceIdentity(core);
  assert.ok(id.init() >= 0);
  assert.equal(core.call("provenance_store_sign", s.handle, 1), 0);
  const pk = id.publicKey();

  s.set("sensors/kitchen/temp", value(21.5));
  const first = s.commit({ author: AUTHOR, time: 1_700_000_000, message: "reading" });
  s.checkout("side");
  s.setRef("side", first, undefined);
  s.set("sensors/kitchen/door", value(1));
  const side = s.commit({ author: AUTHOR, time: 1_700_000_001, message: "door" });
  s.checkout("main");
  s.set("sensors/kitchen/temp", value(22));
  s.commit({ author: AUTHOR, time: 1_700_000_002, message: "reading" });
  const merged = s.merge(side, { author: AUTHOR, time: 1_700_000_003 }).head;
  const sync = new SyncStore(core, s.handle);
  const viaSync = sync.commit(sync.put(2, new Uint8Array(0)), [hex(merged)], AUTHOR, 1_700_000_004, "merge owner's view\n");
  sync.setRef("main", hex(merged), viaSync);

  const commits = [...s.log(10)];
  assert.equal(commits.length, 4, "first-parent chain: sync's commit, the merge, two readings");
  const all = [...commits, side];
  for (const c of all) {
    const body = s.getObject(c)?.body;
    assert.ok(body);
    assert.match(Buffer.from(body).toString("latin1"), /\ngpgsig-sha256 -----BEGIN SSH SIGNATURE-----\n /);
    assert.equal(verifyCommit(core, body, pk), 0);
  }

  // Independent check: stock git with the device's key as the only allowed signer.
  const dir = mkdtempSync(join(tmpdir(), "nymote-device-sign-"));
  try {
    s.exportGit(dir, { bare: true });
    const signers = join(dir, "allowed_signers");
    writeFileSync(signers, `kitchen namespaces="git" ssh-ed25519 ${sshPublicKeyBlob(pk).toString("base64")}\n`);
    const cfg = ["-c", "gpg.format=ssh", "-c", `gpg.ssh.allowedSignersFile=${signers}`];
    for (const c of all) {
      const v = spawnSync("git", ["--git-dir", dir, ...cfg, "verify-commit", "-v", Buffer.from(c).toString("hex")], { encoding: "utf8" });
      assert.equal(v.status, 0, v.stderr);
      assert.match(v.stderr, /Good "git" signature for kitchen with ED25519 key/);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }

  // Off again: commits are plain.
  assert.equal(core.call("provenance_store_sign", s.handle, 0), 0);
  s.set("sensors/kitchen/temp", value(23));
  const plain = s.commit({ author: AUTHOR, time: 1_700_000_005, message: "reading" });
  assert.equal(verifyCommit(core, s.getObject(plain)?.body as Uint8Array, pk), -7, "E_NOTFOUND: unsigned");
});
