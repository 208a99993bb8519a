// The Backend contract (assembly/store/backend.ts), checked through the store ABI
// against any backend: call backendSuite(name, open) with a function that returns
// a fresh, empty CoreStore (memory: CoreStore.openMemory; flash: a CoreStore on
// the handle flash_store_open() returns). Objects are cross-checked with an
// independent SHA-256 (node:crypto, host/git objectId).
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { objectId, toHex } from "../../host/git/index.ts";
import type { CoreStore } from "../../host/store/index.ts";

const E_NOTFOUND = -7;
const TYPES = ["blob", "tree", "commit"] as const;

/** Reads [offset, offset+len) of an object through store_object_read. */
function readAt(s: CoreStore, id: Uint8Array, offset: number, len: number): { size: number; bytes: Uint8Array } {
  return s.core.with([id, Math.max(len, 1)], ([pid, out]) => {
    const size = s.core.call("store_object_read", s.handle, pid, offset, out, len);
    return { size, bytes: size < 0 ? new Uint8Array() : s.core.read(out, Math.max(0, Math.min(len, size - offset))) };
  });
}

export function backendSuite(name: string, open: () => CoreStore): void {
  describe(`Backend contract: ${name}`, () => {
    test("put returns the Git id, is idempotent, and reads back in pieces", () => {
      fc.assert(
        fc.property(fc.constantFrom(...TYPES), fc.uint8Array({ maxLength: 600 }), fc.nat(700), fc.nat(64), (type, body, off, len) => {
          const s = open();
          // Trees and commits are stored as given: the backend does not parse them.
          const id = s.putObject(type, body);
          assert.equal(toHex(id), toHex(objectId(type, body)));
          assert.equal(toHex(s.putObject(type, body)), toHex(id));
          const o = s.getObject(id)!;
          assert.equal(o.type, type);
          assert.deepEqual(o.body, body);
          const r = readAt(s, id, Math.min(off, body.length), len);
          assert.equal(r.size, body.length);
          assert.deepEqual(r.bytes, body.slice(Math.min(off, body.length), Math.min(off, body.length) + len));
          s.close();
        }),
        { numRuns: 40 },
      );
    });

    test("missing objects are E_NOTFOUND, never a trap", () => {
      const s = open();
      const missing = new Uint8Array(32).fill(0xab);
      assert.equal(s.getObject(missing), undefined);
      assert.equal(readAt(s, missing, 0, 8).size, E_NOTFOUND);
      const bad = s.core.with([missing], ([p]) => s.core.call("store_object_put", s.handle, 9, p, 1, p));
      assert.ok(bad < 0);
      s.close();
    });

    test("refs: compare-and-set, delete, byte order", () => {
      const s = open();
      const a = s.putObject("commit", new TextEncoder().encode("a"));
      const b = s.putObject("commit", new TextEncoder().encode("b"));
      assert.equal(s.getRef("main"), undefined);
      s.setRef("main", a, undefined);
      assert.throws(() => s.setRef("main", b, undefined), /E_CONFLICT/);
      assert.throws(() => s.setRef("main", b, b), /E_CONFLICT/);
      s.setRef("main", b, a);
      assert.deepEqual(s.getRef("main"), b);
      for (const r of ["z", "devices/b", "devices/a", "A"]) s.setRef(r, a, undefined);
      assert.deepEqual([...s.refs().keys()], ["A", "devices/a", "devices/b", "main", "z"]);
      s.setRef("z", undefined, a);
      assert.equal(s.getRef("z"), undefined);
      for (const bad of ["", "a..b", "/a", "a/", "a b", "x".repeat(65), "a~1"])
        assert.throws(() => s.setRef(bad, a, undefined), /E_INVAL/, bad);
      s.close();
    });

    test("a store over this backend commits and reads history", () => {
      const s = open();
      s.set("a/b", new Uint8Array([1]));
      const c1 = s.commit({ author: "T <t@t>", time: 1 });
      s.set("a/b", new Uint8Array([2]));
      const c2 = s.commit({ author: "T <t@t>", time: 2 });
      assert.deepEqual(s.get("a/b", c1), new Uint8Array([1]));
      assert.deepEqual([...s.log(5)], [c2, c1]);
      s.close();
    });
  });
}
