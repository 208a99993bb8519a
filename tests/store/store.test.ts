// The store API through the Wasm core, on every build target: paths, staging,
// commit, history, historical reads, list, diff, refs.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encode as cborEncode } from "cbor-x";
import { NymoteError } from "../../host/runtime/index.ts";
import { AUTHOR, dec, enc, openStore, TARGETS } from "./helpers.ts";

const encode = (v: unknown) => new Uint8Array(cborEncode(v));

const E_INVAL = -1;
const E_LIMIT = -13;
const E_FULL = -8;

function code(fn: () => unknown): number {
  try {
    fn();
  } catch (e) {
    if (e instanceof NymoteError) return e.code;
    throw e;
  }
  return 0;
}

for (const target of TARGETS) {
  describe(`store (${target})`, () => {
    test("set, get, remove through the stage and commits", () => {
      const s = openStore(target);
      assert.equal(s.head(), undefined);
      assert.equal(s.get("a/b"), undefined);
      s.set("sensors/kitchen/temp", encode(21.5));
      s.set("sensors/kitchen/hum", encode(40));
      assert.deepEqual(s.get("sensors/kitchen/temp"), encode(21.5));
      const c1 = s.commit({ author: AUTHOR, time: 1700000000, message: "first" });
      assert.equal(s.staged, 0);
      assert.deepEqual(s.head(), c1);
      assert.deepEqual(s.get("sensors/kitchen/temp"), encode(21.5));
      s.set("sensors/kitchen/temp", encode(22));
      s.remove("sensors/kitchen/hum");
      assert.equal(s.get("sensors/kitchen/hum"), undefined);
      const c2 = s.commit({ author: AUTHOR, time: 1700000060, message: "second" });
      assert.deepEqual(s.get("sensors/kitchen/temp"), encode(22));
      // Historical versions stay readable.
      assert.deepEqual(s.get("sensors/kitchen/temp", c1), encode(21.5));
      assert.deepEqual(s.get("sensors/kitchen/hum", c1), encode(40));
      assert.equal(s.get("sensors/kitchen/hum", c2), undefined);
      assert.deepEqual([...s.log(10)], [c2, c1]);
      assert.deepEqual([...s.log(1)], [c2]);
    });

    test("removing a directory, replacing a value by a directory and back", () => {
      const s = openStore(target);
      s.set("a/x", enc.encode("1"));
      s.set("a/y", enc.encode("2"));
      s.set("b", enc.encode("3"));
      s.commit({ author: AUTHOR, time: 1 });
      s.remove("a");
      s.set("b/c", enc.encode("4"));
      assert.equal(s.get("a/x"), undefined);
      assert.equal(s.get("b"), undefined);
      s.commit({ author: AUTHOR, time: 2 });
      assert.deepEqual(
        [...s.list("")].map((e) => [e.name, e.kind]),
        [["b", "tree"]],
      );
      assert.equal(dec.decode(s.get("b/c")), "4");
      s.set("b", enc.encode("5"));
      s.commit({ author: AUTHOR, time: 3 });
      assert.equal(s.get("b/c"), undefined);
      assert.equal(dec.decode(s.get("b")), "5");
      s.remove("b");
      s.commit({ author: AUTHOR, time: 4 });
      assert.deepEqual([...s.list("")], []);
    });

    test("paths are validated", () => {
      const s = openStore(target);
      for (const bad of ["", "/a", "a/", "a//b", ".", "a/./b", "a/../b", "..", ".git/x", "a/.GIT", "a\0b"])
        assert.equal(
          code(() => s.set(bad, enc.encode("x"))),
          E_INVAL,
          JSON.stringify(bad),
        );
      assert.equal(
        code(() => s.set("x".repeat(65), enc.encode("x"))),
        E_LIMIT,
      );
      assert.equal(
        code(() => s.set(Array(9).fill("d").join("/"), enc.encode("x"))),
        E_LIMIT,
      );
      assert.equal(
        code(() => s.set(`${"y/".repeat(7)}${"z".repeat(250)}`, enc.encode("x"))),
        E_LIMIT,
      );
      s.set(Array(8).fill("d").join("/"), enc.encode("deep"));
      s.set("x".repeat(64), enc.encode("long"));
      s.set(".hidden/a-b_c.d", enc.encode("ok"));
      s.commit({ author: AUTHOR, time: 5 });
      assert.equal(dec.decode(s.get(Array(8).fill("d").join("/"))), "deep");
      assert.equal(
        code(() => s.commit({ author: "no email", time: 6 })),
        E_INVAL,
      );
    });

    test("list is in Git tree order and diff streams changed paths", () => {
      const s = openStore(target);
      for (const p of ["foo", "foo.c", "foo-bar", "z/1", "m/n/o"]) s.set(p, enc.encode(p));
      s.remove("foo");
      s.set("foo/x", enc.encode("dir"));
      const c1 = s.commit({ author: AUTHOR, time: 10 });
      assert.deepEqual(
        [...s.list("")].map((e) => e.name),
        ["foo-bar", "foo.c", "foo", "m", "z"],
      );
      s.set("z/1", enc.encode("changed"));
      s.set("m/n/p", enc.encode("new"));
      s.remove("foo.c");
      const c2 = s.commit({ author: AUTHOR, time: 11 });
      const d = [...s.diff(c1, c2)].map((e) => [e.path, e.change]);
      assert.deepEqual(d, [
        ["foo.c", "removed"],
        ["m/n/p", "added"],
        ["z/1", "changed"],
      ]);
      assert.deepEqual([...s.diff(c2, c2)], []);
    });

    test("staging is bounded; a commit empties it", () => {
      const s = openStore(target);
      const cap = target === "gateway" ? 1024 : 16;
      for (let i = 0; i < cap; i++) s.set(`k/${i}`, enc.encode(String(i)));
      assert.equal(
        code(() => s.set("k/over", enc.encode("x"))),
        E_FULL,
      );
      // Rewriting a staged path needs no new slot.
      s.set("k/0", enc.encode("again"));
      s.commit({ author: AUTHOR, time: 1 });
      s.set("k/over", enc.encode("x"));
      assert.equal(dec.decode(s.get("k/0")), "again");
    });

    test("refs: compare-and-set, listing in byte order", () => {
      const s = openStore(target);
      s.set("a", enc.encode("1"));
      const c = s.commit({ author: AUTHOR, time: 1 });
      s.setRef("devices/b", c, undefined);
      s.setRef("devices/a", c, undefined);
      assert.deepEqual([...s.refs().keys()], ["devices/a", "devices/b", "main"]);
      assert.throws(() => s.setRef("devices/a", c, undefined), /E_CONFLICT/);
      s.setRef("devices/a", undefined, c);
      assert.deepEqual([...s.refs().keys()], ["devices/b", "main"]);
      assert.throws(() => s.setRef("bad..name", c, undefined), /E_INVAL/);
      assert.throws(() => s.setRef("x", new Uint8Array(32).fill(7), undefined), /E_NOTFOUND/);
    });
  });
}
