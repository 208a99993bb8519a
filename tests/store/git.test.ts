// Interop with stock git (sha256 object format): the store's history exported as
// loose objects passes `git fsck --strict` and reads back through `git log` and
// `git cat-file`; objects git makes itself (hash-object, mktree, commit-tree) are
// read by the store with the same ids.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encode as cborEncode } from "cbor-x";
import { fromHex, GitRepo, objectId, parseTree, toHex, writeRepository } from "../../host/git/index.ts";
import { AUTHOR, dec, enc, git, openStore, tempDir } from "./helpers.ts";

const encode = (v: unknown) => new Uint8Array(cborEncode(v));

describe("git interop", () => {
  test("an exported store passes git fsck --strict; git log and cat-file agree", () => {
    const s = openStore("release");
    s.set("sensors/kitchen/temp", encode(21.5));
    s.set("sensors/kitchen/hum", encode(40));
    s.set("sensors/hall/door", encode(true));
    const c1 = s.commit({ author: AUTHOR, time: 1700000000, message: "first reading" });
    s.set("sensors/kitchen/temp", encode(22.25));
    s.remove("sensors/hall");
    s.set("meta/name-with.dots", enc.encode("plain bytes"));
    const c2 = s.commit({ author: AUTHOR, time: 1700000060, message: "second reading\n\nwith a body" });
    s.setRef("devices/kitchen", c1, undefined);
    const dir = tempDir("export");
    s.exportGit(dir);
    git(dir, ["fsck", "--strict", "--no-dangling"]);
    assert.equal(git(dir, ["rev-parse", "--show-object-format"]).trim(), "sha256");
    assert.equal(git(dir, ["log", "--format=%H %s", "main"]).trim(), `${toHex(c2)} second reading\n${toHex(c1)} first reading`);
    assert.equal(git(dir, ["log", "-1", "--format=%an <%ae> %at", "main"]).trim(), `${AUTHOR} 1700000060`);
    assert.equal(git(dir, ["rev-parse", "devices/kitchen"]).trim(), toHex(c1));
    const raw = git(dir, ["cat-file", "blob", "main:sensors/kitchen/temp"]);
    assert.equal(raw.length, encode(22.25).length);
    // Binary blob content through cat-file: compare as hex.
    const hex = git(dir, ["cat-file", "-p", `${toHex(s.resolve("sensors/kitchen/temp")!.id)}`]);
    assert.ok(hex.length > 0);
    assert.equal(git(dir, ["cat-file", "-p", "main:meta/name-with.dots"]), "plain bytes");
    assert.equal(git(dir, ["cat-file", "-t", "main:sensors"]).trim(), "tree");
    assert.equal(git(dir, ["ls-tree", "--name-only", "main", "sensors/"]).trim(), "sensors/kitchen");
    assert.equal(git(dir, ["ls-tree", "--name-only", `${toHex(c1)}`, "sensors/"]).trim(), "sensors/hall\nsensors/kitchen");
    assert.deepEqual(
      git(dir, ["diff", "--name-status", toHex(c1), toHex(c2)])
        .trim()
        .split("\n"),
      ["A\tmeta/name-with.dots", "D\tsensors/hall/door", "M\tsensors/kitchen/temp"],
    );
  });

  test("objects made by git are read by the store with the same ids", () => {
    const dir = tempDir("import");
    git(dir, ["init", "-q", "--object-format=sha256", "-b", "main"]);
    const blob1 = git(dir, ["hash-object", "-w", "--stdin"], "hello from git\n").trim();
    const blob2 = git(dir, ["hash-object", "-w", "--stdin"], new Uint8Array(encode({ t: 20 }))).trim();
    const sub = git(dir, ["mktree"], `100644 blob ${blob2}\treading\n`).trim();
    const root = git(dir, ["mktree"], `100644 blob ${blob1}\tgreeting\n040000 tree ${sub}\tsensor\n`).trim();
    const commit = git(dir, ["commit-tree", root, "-m", "made by git"]).trim();
    const commit2 = git(dir, ["commit-tree", root, "-p", commit, "-m", "second"]).trim();
    git(dir, ["update-ref", "refs/heads/main", commit2]);
    const s = openStore("debug");
    const repo = GitRepo.open(dir);
    assert.equal(s.importGit(repo), 6);
    for (const id of [blob1, blob2, sub, root, commit, commit2]) {
      const o = s.getObject(fromHex(id));
      assert.ok(o, `store has ${id}`);
      assert.equal(toHex(objectId(o.type, o.body)), id);
    }
    s.setRef("main", fromHex(commit2), undefined);
    assert.equal(dec.decode(s.get("greeting")), "hello from git\n");
    assert.deepEqual(s.get("sensor/reading", fromHex(commit)), encode({ t: 20 }));
    assert.deepEqual([...s.log(10)].map(toHex), [commit2, commit]);
    assert.deepEqual(
      [...s.list("")].map((e) => [e.name, e.kind, toHex(e.id)]),
      [
        ["greeting", "value", blob1],
        ["sensor", "tree", sub],
      ],
    );
    // A commit on top of git's history is again accepted by git.
    s.set("sensor/reading", encode({ t: 21 }));
    const c3 = s.commit({ author: AUTHOR, time: 1700000100, message: "from the store" });
    s.exportGit(dir);
    git(dir, ["fsck", "--strict", "--no-dangling"]);
    assert.equal(git(dir, ["rev-parse", "main^"]).trim(), commit2);
    assert.equal(git(dir, ["rev-parse", "main"]).trim(), toHex(c3));
  });

  test("a gpgsig header is carried through untouched", () => {
    const s = openStore("debug");
    s.set("a", enc.encode("x"));
    const sig = "gpgsig -----BEGIN SSH SIGNATURE-----\n U1NIU0lHAAAAAQ==\n -----END SSH SIGNATURE-----\n";
    const c = s.commit({ author: AUTHOR, time: 1700000000, message: "signed", extraHeaders: sig });
    const body = dec.decode(s.getObject(c)!.body);
    assert.ok(body.includes(`+0000\n${sig}\nsigned\n`), body);
    assert.throws(() => s.commit({ author: AUTHOR, time: 1, extraHeaders: "tree 00\n" }), /E_INVAL/);
    assert.throws(() => s.commit({ author: AUTHOR, time: 1, extraHeaders: "no newline" }), /E_INVAL/);
  });

  test("writeRepository writes any set of objects and refs", () => {
    const dir = tempDir("write");
    const blob = enc.encode("v");
    const blobId = objectId("blob", blob);
    const tree = new Uint8Array([...enc.encode("100644 v\0"), ...blobId]);
    const treeId = objectId("tree", tree);
    const commit = enc.encode(`tree ${toHex(treeId)}\nauthor ${AUTHOR} 1 +0000\ncommitter ${AUTHOR} 1 +0000\n\nm\n`);
    const repo = writeRepository(
      dir,
      [
        { type: "blob", body: blob },
        { type: "tree", body: tree },
        { type: "commit", body: commit },
      ],
      { main: objectId("commit", commit), "refs/tags/v1": objectId("commit", commit) },
      { head: "main" },
    );
    git(dir, ["fsck", "--strict", "--no-dangling"]);
    assert.equal(git(dir, ["cat-file", "-p", "v1:v"]), "v");
    assert.deepEqual(repo.refs(), ["refs/heads/main", "refs/tags/v1"]);
    assert.deepEqual(parseTree(repo.readObject(treeId).body)[0].name, "v");
  });
});
