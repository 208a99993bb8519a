// LCA and three-way merge: untyped conflicts kept and resolvable, the mergeable
// types, criss-cross histories checked against `git merge-base --all`, bounds.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encode as cborEncode, decode, type Tag } from "cbor-x";
import { toHex } from "../../host/git/index.ts";
import type { CoreStore } from "../../host/store/index.ts";
import { AUTHOR, dec, enc, git, openStore, TARGETS, tempDir } from "./helpers.ts";

const encode = (v: unknown) => new Uint8Array(cborEncode(v));
const TAG_CONFLICT = 0x4e594d00;
let clock = 1700000000;

function commitOn(s: CoreStore, branch: string, writes: Record<string, string | null>): Uint8Array {
  s.checkout(branch);
  for (const [p, v] of Object.entries(writes)) {
    if (v === null) s.remove(p);
    else s.set(p, enc.encode(v));
  }
  return s.commit({ author: AUTHOR, time: clock++, message: `${branch} ${Object.keys(writes).join(",")}` });
}

function branchAt(s: CoreStore, name: string, commit: Uint8Array): void {
  s.setRef(name, commit, s.getRef(name));
}

for (const target of TARGETS) {
  describe(`merge (${target})`, () => {
    test("disjoint changes merge cleanly; merge(a,b) and merge(b,a) give the same tree", () => {
      const s = openStore(target);
      const base = commitOn(s, "main", { "k/a": "1", "k/b": "2", "k/c": "3" });
      branchAt(s, "x", base);
      branchAt(s, "y", base);
      const x = commitOn(s, "x", { "k/a": "10", "new/x": "x" });
      const y = commitOn(s, "y", { "k/c": null, "new/y": "y" });
      assert.deepEqual(s.lca(x, y), [base]);
      const m1 = s.mergeTree(x, y);
      const m2 = s.mergeTree(y, x);
      assert.equal(m1.conflicts, 0);
      assert.deepEqual(m1.tree, m2.tree);
      s.checkout("x");
      const { head, conflicts } = s.merge(y, { author: AUTHOR, time: clock++ });
      assert.equal(conflicts, 0);
      assert.deepEqual(s.resolve("", head)?.id, m1.tree);
      assert.deepEqual(
        [...s.list("k")].map((e) => e.name),
        ["a", "b"],
      );
      assert.equal(dec.decode(s.get("new/y")), "y");
      // Merging again is a no-op; the other side fast-forwards.
      assert.deepEqual(s.merge(y, { author: AUTHOR }).head, head);
      s.checkout("y");
      assert.deepEqual(s.merge(head, { author: AUTHOR }).head, head);
      assert.deepEqual(s.head(), head);
    });

    test("an untyped value changed on both sides becomes a conflict record, resolvable by a write", () => {
      const s = openStore(target);
      const base = commitOn(s, "main", { t: "20", u: "keep" });
      branchAt(s, "x", base);
      branchAt(s, "y", base);
      const x = commitOn(s, "x", { t: "21", u: null });
      const y = commitOn(s, "y", { t: "22", u: "changed" });
      const m = s.mergeTree(x, y);
      assert.equal(m.conflicts, 2);
      assert.deepEqual(s.mergeTree(y, x), m);
      s.checkout("x");
      const { head } = s.merge(y, { author: AUTHOR, time: clock++ });
      assert.deepEqual(s.conflicts(head), ["t", "u"]);
      const rec = decode(s.get("t")!) as Tag;
      assert.equal(rec.tag, TAG_CONFLICT);
      assert.deepEqual(
        (rec.value as Uint8Array[]).map((b) => dec.decode(b)),
        ["21", "22"],
      );
      const u = decode(s.get("u")!) as Tag;
      assert.deepEqual(
        (u.value as (Uint8Array | null)[]).map((b) => (b === null ? null : dec.decode(b))),
        ["changed", null],
      );
      s.set("t", enc.encode("23"));
      s.set("u", enc.encode("resolved"));
      const fixed = s.commit({ author: AUTHOR, time: clock++ });
      assert.deepEqual(s.conflicts(fixed), []);
    });

    test("a value on one side and a directory of the same name on the other conflict", () => {
      const s = openStore(target);
      const base = commitOn(s, "main", { other: "o" });
      branchAt(s, "x", base);
      branchAt(s, "y", base);
      const x = commitOn(s, "x", { a: "value", "a.b": "sibling" });
      const y = commitOn(s, "y", { "a/b": "inside" });
      const m = s.mergeTree(x, y);
      assert.equal(m.conflicts, 1);
      assert.deepEqual(s.mergeTree(y, x), m);
      s.checkout("x");
      const { head } = s.merge(y, { author: AUTHOR, time: clock++ });
      assert.deepEqual(s.conflicts(head), ["a"]);
      const rec = decode(s.get("a")!) as Tag;
      const [first, second] = rec.value as [Uint8Array, [Uint8Array]];
      assert.equal(dec.decode(first), "value");
      // The directory is kept by id: its contents stay readable.
      const sub = second[0];
      assert.equal(sub.length, 32);
      assert.equal(s.getObject(sub)?.type, "tree");
    });

    test("mergeable types: PN counter, LWW register, add-wins set, time series", () => {
      const s = openStore(target);
      const w1 = enc.encode("device-1");
      const w2 = enc.encode("device-2");
      s.counterAdd("c", w1, 5);
      s.lwwSet("r", 100, w1, encode("first"));
      s.setAdd("set", encode("a"));
      s.setAdd("set", encode("b"));
      s.seriesAppend("ts", 10, w1, encode(20.5));
      const base = s.commit({ author: AUTHOR, time: clock++ });
      branchAt(s, "x", base);
      branchAt(s, "y", base);
      s.checkout("x");
      s.counterAdd("c", w1, 3);
      s.lwwSet("r", 200, w1, encode("x wins"));
      s.setRemove("set", encode("a"));
      s.setAdd("set", encode("c"));
      s.seriesAppend("ts", 30, w1, encode(21));
      const x = s.commit({ author: AUTHOR, time: clock++ });
      s.checkout("y");
      s.counterAdd("c", w2, -2);
      s.counterAdd("c", w2, 10);
      s.lwwSet("r", 150, w2, encode("y loses"));
      s.setRemove("set", encode("b"));
      s.setAdd("set", encode("a")); // concurrent re-add of a: add wins
      s.seriesAppend("ts", 20, w2, encode(19));
      s.seriesAppend("ts", 30, w1, encode(21)); // same entry as x: kept once
      const y = s.commit({ author: AUTHOR, time: clock++ });
      const m = s.mergeTree(x, y);
      assert.equal(m.conflicts, 0);
      assert.deepEqual(s.mergeTree(y, x), m);
      const { head } = s.merge(x, { author: AUTHOR, time: clock++ });
      assert.equal(s.counterValue("c", head), 5n + 3n - 2n + 10n);
      const r = decode(s.get("r")!) as Tag;
      assert.deepEqual(r.value[2], "x wins");
      for (const [e, has] of [
        ["a", true],
        ["b", false],
        ["c", true],
      ] as const)
        assert.equal(s.setHas("set", encode(e), head), has, e);
      const ts = decode(s.get("ts")!) as Tag;
      assert.deepEqual(
        (ts.value as [number, Uint8Array, number][]).map(([t, w, v]) => [t, dec.decode(w), v]),
        [
          [10, "device-1", 20.5],
          [20, "device-2", 19],
          [30, "device-1", 21],
        ],
      );
    });

    test("criss-cross: several LCAs, as git merge-base --all finds them; recursive base", () => {
      const s = openStore(target);
      const base = commitOn(s, "main", { v: "0", w: "0" });
      branchAt(s, "x", base);
      branchAt(s, "y", base);
      const x1 = commitOn(s, "x", { v: "x1" });
      const y1 = commitOn(s, "y", { w: "y1" });
      // Each side merges the other's first commit: two merge commits, two LCAs.
      s.checkout("x");
      const x2 = s.merge(y1, { author: AUTHOR, time: clock++ }).head;
      s.checkout("y");
      const y2 = s.merge(x1, { author: AUTHOR, time: clock++ }).head;
      const x3 = commitOn(s, "x", { v: "x3" });
      const y3 = commitOn(s, "y", { w: "y3" });
      const lcas = s.lca(x3, y3).map(toHex);
      assert.equal(lcas.length, 2);
      const dir = tempDir("crisscross");
      s.exportGit(dir);
      const gitLcas = git(dir, ["merge-base", "--all", toHex(x3), toHex(y3)])
        .trim()
        .split("\n")
        .sort();
      assert.deepEqual(lcas, gitLcas);
      assert.deepEqual(lcas.sort(), [toHex(x1), toHex(y1)].sort());
      assert.notDeepEqual(x2, y2);
      const m = s.mergeTree(x3, y3);
      assert.equal(m.conflicts, 0);
      assert.deepEqual(s.mergeTree(y3, x3), m);
      s.checkout("x");
      const { head } = s.merge(y3, { author: AUTHOR, time: clock++ });
      assert.equal(dec.decode(s.get("v", head)), "x3");
      assert.equal(dec.decode(s.get("w", head)), "y3");
      git(dir, ["fsck", "--strict"]);
    });

    test("unrelated histories merge with an empty base; the LCA search is bounded", () => {
      const s = openStore(target);
      const a = commitOn(s, "a", { p: "1" });
      const b = commitOn(s, "b", { q: "2" });
      assert.deepEqual(s.lca(a, b), []);
      assert.equal(s.mergeTree(a, b).conflicts, 0);
      // A chain longer than the walk's bound (128 commits on the device builds,
      // 8192 on the gateway), written as bare commit objects to fit the device.
      const bound = target === "gateway" ? 8192 : 128;
      const empty = s.putObject("tree", new Uint8Array(0));
      const mk = (parent: Uint8Array | undefined, i: number) =>
        s.putObject(
          "commit",
          enc.encode(
            `tree ${toHex(empty)}\n${parent ? `parent ${toHex(parent)}\n` : ""}author a <b> ${i} +0000\ncommitter a <b> ${i} +0000\n\n`,
          ),
        );
      const root = mk(undefined, 0);
      const side = mk(root, 1);
      let l1 = root;
      for (let i = 0; i < bound + 2; i++) l1 = mk(l1, 2 + i);
      const l2 = side;
      const near = mk(l1, bound + 10);
      assert.deepEqual(s.lca(near, l1), [l1]);
      assert.throws(() => s.lca(l1, l2), /E_LIMIT/);
    });
  });
}
