// Encrypted backups: a restore is the original (refs, object ids, files); the
// bundles leak no value, path or device name; and every tampering with the
// untrusted target is detected with a clear error before anything is written.
import assert from "node:assert/strict";
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { after, before, test } from "node:test";
import fc from "fast-check";
import nacl from "tweetnacl";
import { BackupError, backupPush, backupRestore, bundleName } from "../../host/backup/backup.ts";
import { LooseRepo } from "../../host/export/loose.ts";
import { addCommits, buildGateway, git, type History } from "../provenance/fixture.ts";

let root: string;
let h: History;
let target: string;
const owner = nacl.randomBytes(32);

before(() => {
  root = mkdtempSync(join(tmpdir(), "nymote-backup-"));
  h = buildGateway(root, ["thermo-1", "door-2"], 2);
  target = join(root, "target");
  // Three pushes: a chain of three bundles to attack.
  assert.equal(backupPush(h.dir, target, owner).seq, 1);
  cpSync(join(target, "manifest.nym"), join(root, "manifest-1.nym"));
  addCommits(h, 1);
  assert.equal(backupPush(h.dir, target, owner).seq, 2);
  // A changed file travels too (a third device enrolled).
  const devices = JSON.parse(readFileSync(join(h.dir, "devices.json"), "utf8")) as unknown[];
  devices.push({ name: "window-3", publicKey: "ab".repeat(32) });
  writeFileSync(join(h.dir, "devices.json"), JSON.stringify(devices));
  addCommits(h, 1);
  assert.equal(backupPush(h.dir, target, owner).seq, 3);
});
after(() => rmSync(root, { recursive: true, force: true }));

let n = 0;
const fresh = () => join(root, `restored-${n++}`);

/** Every loose object id, branch and file of a gateway directory. */
function snapshot(dir: string) {
  const repo = new LooseRepo(dir);
  const files = (d: string, pre = ""): string[] =>
    readdirSync(join(dir, d), { withFileTypes: true }).flatMap((e) =>
      e.isDirectory()
        ? files(join(d, e.name), `${pre}${e.name}/`)
        : [`${pre}${e.name}:${readFileSync(join(dir, d, e.name)).toString("hex")}`],
    );
  return {
    ids: repo.ids(),
    refs: [...repo.refs()],
    files: files(".")
      .filter((f) => !f.startsWith("objects/"))
      .sort(),
  };
}

test("a restore is identical to the original: refs, object ids, files", () => {
  const dir = fresh();
  const r = backupRestore(target, dir, owner);
  assert.equal(r.seq, 3);
  assert.deepEqual(snapshot(dir), snapshot(h.dir));
  // ...and stock git agrees it is the same repository.
  assert.equal(git(dir, ["fsck", "--strict", "--no-dangling"]), "");
  assert.equal(git(dir, ["rev-parse", "main"]), git(h.dir, ["rev-parse", "main"]));
});

test("push writes nothing when nothing changed, and only new objects otherwise", () => {
  const before = readdirSync(target).sort();
  const r = backupPush(h.dir, target, owner);
  assert.equal(r.wrote, false);
  assert.deepEqual(readdirSync(target).sort(), before);
  const had = new LooseRepo(h.dir).ids().length;
  const copy = join(root, "gw-copy");
  cpSync(h.dir, copy, { recursive: true });
  const t2 = join(root, "target-copy");
  cpSync(target, t2, { recursive: true });
  addCommitsTo(copy);
  const next = backupPush(copy, t2, owner);
  assert.equal(next.seq, 4);
  assert.equal(next.objects, new LooseRepo(copy).ids().length - had);
  const dir = fresh();
  backupRestore(t2, dir, owner);
  assert.deepEqual(snapshot(dir), snapshot(copy));
});

function addCommitsTo(dir: string): void {
  addCommits({ ...h, dir, commits: new Map([...h.commits].map(([k, v]) => [k, [...v]])) }, 1);
}

test("bundles contain no plaintext value, path or device name", () => {
  const needles = [...h.secrets, "refs/heads", "devices.json", "main", "gpgsig", "SSH SIGNATURE", "tree "].map((s) => Buffer.from(s));
  // The values themselves, as CBOR, and every object id in hex and raw.
  for (const id of new LooseRepo(h.dir).ids()) needles.push(Buffer.from(id), Buffer.from(id, "hex"));
  for (const name of readdirSync(target)) {
    const bytes = readFileSync(join(target, name));
    for (const needle of needles) assert.equal(bytes.indexOf(needle), -1, `${name} contains ${needle.toString("latin1")}`);
  }
});

/** Runs restore on a tampered copy of the target; it must fail with `message` and leave no directory. */
function attack(tamper: (t: string) => void, message: RegExp): void {
  const t = join(root, `attacked-${n}`);
  rmSync(t, { recursive: true, force: true });
  cpSync(target, t, { recursive: true });
  tamper(t);
  const dir = fresh();
  assert.throws(
    () => backupRestore(t, dir, owner),
    (e: unknown) => e instanceof BackupError && message.test(e.message),
  );
  assert.equal(existsSync(dir), false, "nothing partial is applied");
  assert.deepEqual(
    readdirSync(root).filter((f) => f.includes(".restoring-")),
    [],
  );
}

test("any flipped byte in any bundle or the manifest is detected", () => {
  const names = readdirSync(target).sort();
  fc.assert(
    fc.property(fc.constantFrom(...names), fc.nat(), fc.integer({ min: 1, max: 255 }), (name, at, x) => {
      attack((t) => {
        const b = readFileSync(join(t, name));
        b[at % b.length] ^= x;
        writeFileSync(join(t, name), b);
      }, /fails authentication|not a nymote backup file/);
    }),
    { numRuns: 40 },
  );
});

test("a truncated bundle is detected", () => {
  attack((t) => {
    const b = readFileSync(join(t, bundleName(2)));
    writeFileSync(join(t, bundleName(2)), b.subarray(0, b.length - 1));
  }, /bundle 2 fails authentication/);
  attack((t) => writeFileSync(join(t, bundleName(1)), Buffer.alloc(0)), /bundle 1 is not a nymote backup file/);
});

test("a missing bundle, middle or newest, is detected", () => {
  attack((t) => rmSync(join(t, bundleName(2))), /bundle 2 is missing/);
  attack((t) => rmSync(join(t, bundleName(3))), /bundle 3 \(the newest\) is missing: the backup was truncated/);
  attack((t) => rmSync(join(t, "manifest.nym")), /no backup manifest/);
});

test("reordered bundles are detected", () => {
  attack((t) => {
    renameSync(join(t, bundleName(2)), join(t, "x"));
    renameSync(join(t, bundleName(3)), join(t, bundleName(2)));
    renameSync(join(t, "x"), join(t, bundleName(3)));
  }, /bundle 2: the file holds bundle 3/);
});

test("bundles or a manifest replayed from an older backup are detected", () => {
  // Bundle 3 replaced by bundle 2 (a valid bundle, wrong place).
  attack((t) => cpSync(join(t, bundleName(2)), join(t, bundleName(3))), /bundle 3: the file holds bundle 2/);
  // The manifest rolled back to the one the first push wrote, newer bundles still there.
  attack((t) => cpSync(join(root, "manifest-1.nym"), join(t, "manifest.nym")), /bundle 2 is not covered by the manifest/);
  // ...or with the newer bundles dropped too, but the newest one left behind.
  attack((t) => {
    cpSync(join(root, "manifest-1.nym"), join(t, "manifest.nym"));
    rmSync(join(t, bundleName(2)));
  }, /bundle 3 is not covered by the manifest/);
  const first = mkdtempSync(join(root, "first-"));
  const gw = buildGateway(join(root, "other"), ["x-1"], 1);
  backupPush(gw.dir, first, owner);
  // Another chain's manifest, or one of its bundles at the right position.
  attack((t) => cpSync(join(first, "manifest.nym"), join(t, "manifest.nym")), /bundle 1 belongs to another backup chain/);
  // A bundle from another backup chain by the same owner, at the right position.
  attack((t) => cpSync(join(first, bundleName(1)), join(t, bundleName(1))), /bundle 1 belongs to another backup chain/);
});

test("another owner's key opens nothing", () => {
  assert.throws(() => backupRestore(target, fresh(), nacl.randomBytes(32)), /manifest fails authentication/);
});

test("a push interrupted between bundle and manifest is repaired by the next push", () => {
  const copy = join(root, "gw-interrupted");
  cpSync(h.dir, copy, { recursive: true });
  const t = join(root, "target-interrupted");
  cpSync(target, t, { recursive: true });
  const manifest = readFileSync(join(t, "manifest.nym"));
  addCommitsTo(copy);
  assert.equal(backupPush(copy, t, owner).seq, 4);
  // The crash: bundle 4 written, manifest not yet.
  writeFileSync(join(t, "manifest.nym"), manifest);
  assert.throws(() => backupRestore(t, fresh(), owner), /bundle 4 is not covered by the manifest/);
  const again = backupPush(copy, t, owner);
  assert.equal(again.seq, 4);
  const dir = fresh();
  backupRestore(t, dir, owner);
  assert.deepEqual(snapshot(dir), snapshot(copy));
});

test("temporary files a crash left behind (refs.json.tmp, devices.json.tmp) are not backed up", () => {
  const src = join(root, "with-tmp");
  const g = buildGateway(src, ["thermo-1"], 1);
  writeFileSync(join(g.dir, "refs.json.tmp"), "{");
  writeFileSync(join(g.dir, "devices.json.tmp"), "[");
  const t = join(root, "target-tmp");
  backupPush(g.dir, t, owner);
  const dir = fresh();
  backupRestore(t, dir, owner);
  assert.ok(existsSync(join(dir, "devices.json")), "the real files are restored");
  assert.ok(!existsSync(join(dir, "refs.json.tmp")) && !existsSync(join(dir, "devices.json.tmp")), "the leftovers are not");
});
