// Owner keys on the host: files, modes, passphrase encryption, public key forms
// checked against ssh-keygen, and the CLI end to end.
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import fc from "fast-check";
import nacl from "tweetnacl";
import {
  feedId,
  initIdentity,
  loadIdentity,
  loadOwnerPublicKey,
  parsePublicKey,
  sshFingerprint,
  sshPublicKeyLine,
} from "../../host/identity/index.ts";

const tmp = () => mkdtempSync(join(tmpdir(), "nymote-id-"));
const cli = (args: string[], env: Record<string, string> = {}) =>
  execFileSync(process.execPath, ["bin/nymote.js", ...args], { encoding: "utf8", env: { ...process.env, ...env } });

test("init writes secret files 0600 and a public key ssh-keygen accepts with the same fingerprint", () => {
  const dir = tmp();
  const id = initIdentity({ dir });
  for (const f of ["owner.key", "network.key"]) assert.equal(statSync(join(dir, f)).mode & 0o777, 0o600, f);
  assert.equal(id.networkKey.length, 32);
  // nacl derives the same public key from the secret key's seed half
  assert.deepEqual(nacl.sign.keyPair.fromSeed(id.secretKey.subarray(0, 32)).publicKey, id.publicKey);
  const out = execFileSync("ssh-keygen", ["-l", "-f", join(dir, "owner.pub")], { encoding: "utf8" });
  assert.match(out, /^256 (SHA256:\S+) nymote-owner \(ED25519\)/);
  assert.equal(out.split(" ")[1], sshFingerprint(id.publicKey));
  // ssh-keygen -e exports RFC 4716 from the same key: the base64 blob must match ours
  const rfc4716 = execFileSync("ssh-keygen", ["-e", "-f", join(dir, "owner.pub")], { encoding: "utf8" });
  const blob = rfc4716
    .split("\n")
    .filter((l) => !l.startsWith("----") && !l.includes(":"))
    .join("");
  assert.equal(blob, sshPublicKeyLine(id.publicKey).split(" ")[1]);
  assert.throws(() => initIdentity({ dir }), /refusing to overwrite/);
  const loaded = loadIdentity(dir);
  assert.deepEqual(loaded.secretKey, id.secretKey);
  assert.deepEqual(loaded.networkKey, id.networkKey);
});

test("a passphrase encrypts both secrets; the wrong one is refused", () => {
  const dir = tmp();
  const id = initIdentity({ dir, passphrase: "correct horse" });
  for (const f of ["owner.key", "network.key"]) {
    const text = readFileSync(join(dir, f), "utf8");
    assert.ok(!text.includes(Buffer.from(id.secretKey.subarray(0, 32)).toString("base64")));
    assert.ok(!text.includes(Buffer.from(id.networkKey).toString("base64")));
  }
  assert.throws(() => loadIdentity(dir), /encrypted/);
  assert.throws(() => loadIdentity(dir, "wrong horse"), /wrong passphrase/);
  assert.deepEqual(loadIdentity(dir, "correct horse").networkKey, id.networkKey);
  assert.deepEqual(loadOwnerPublicKey(dir), id.publicKey);
  // a swapped owner.pub is caught
  writeFileSync(join(dir, "owner.pub"), `${sshPublicKeyLine(nacl.sign.keyPair().publicKey)}\n`);
  assert.throws(() => loadIdentity(dir, "correct horse"), /does not match/);
});

test("every public key form parses back to the key", () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 32, maxLength: 32 }), (pk) => {
      for (const form of [Buffer.from(pk).toString("hex"), Buffer.from(pk).toString("base64"), feedId(pk), sshPublicKeyLine(pk, "c")])
        assert.deepEqual(parsePublicKey(form), pk);
    }),
  );
  for (const bad of ["", "00", "ssh-rsa AAAA", `ssh-ed25519 ${Buffer.alloc(51).toString("base64")}`, "@abc.ed25519"])
    assert.throws(() => parsePublicKey(bad), /not an Ed25519 public key/);
});

test("CLI: identity init/show, enroll, revoke", () => {
  const dir = tmp();
  const env = { NYMOTE_HOME: dir, NYMOTE_PASSPHRASE: "pw" };
  cli(["identity", "init", "--passphrase"], env);
  const shown = JSON.parse(cli(["identity", "show", "--json"], { NYMOTE_HOME: dir })) as { fingerprint: string; ssh: string };
  writeFileSync(join(dir, "shown.pub"), `${shown.ssh}\n`);
  const keygen = execFileSync("ssh-keygen", ["-l", "-f", join(dir, "shown.pub")], { encoding: "utf8" });
  assert.equal(keygen.split(" ")[1], shown.fingerprint);
  const device = nacl.sign.keyPair().publicKey;
  const out = cli(
    ["enroll", Buffer.from(device).toString("hex"), "--name", "kitchen", "--write", "sensors/kitchen", "--read", "config/kitchen"],
    env,
  );
  assert.match(out, /certificate 1 for kitchen/);
  assert.ok(statSync(join(dir, "certs", "1-kitchen.cose")).size > 100);
  assert.match(cli(["identity", "revoke", "1"], env), /revocation list 1 revokes serials 1/);
  assert.throws(() => cli(["enroll", "nonsense", "--name", "x"], env), /not an Ed25519 public key/);
  assert.throws(
    () => cli(["enroll", Buffer.from(device).toString("hex"), "--name", "x"], { NYMOTE_HOME: dir, NYMOTE_PASSPHRASE: "bad" }),
    /wrong passphrase/,
  );
});
