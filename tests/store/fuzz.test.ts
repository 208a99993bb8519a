// Malformed objects from a peer never trap the core: random and mutated tree and
// commit bodies, and refs pointing at them, go through every read and merge path
// and come back as error codes.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import fc from "fast-check";
import { toHex } from "../../host/git/index.ts";
import { NymoteError } from "../../host/runtime/index.ts";
import type { CoreStore } from "../../host/store/index.ts";
import { AUTHOR, enc, openStore, TARGETS } from "./helpers.ts";

const RUNS = process.env.NYMOTE_LONG ? 500 : 40;

/** Runs fn; a NymoteError (an error code) is fine, anything else (a panic) fails. */
function survives(fn: () => unknown): void {
  try {
    fn();
  } catch (e) {
    if (!(e instanceof NymoteError)) throw e;
  }
}

function exercise(s: CoreStore, commit: Uint8Array, good: Uint8Array): void {
  survives(() => s.get("a/b", commit));
  survives(() => s.resolve("a", commit));
  survives(() => [...s.list("", commit)]);
  survives(() => [...s.list("a", commit)]);
  survives(() => [...s.log(5, commit)]);
  survives(() => [...s.diff(good, commit)]);
  survives(() => [...s.diff(commit, good)]);
  survives(() => s.lca(commit, good));
  survives(() => s.mergeTree(commit, good));
  survives(() => s.mergeTree(good, commit));
  survives(() => s.conflicts(commit));
  assert.equal(s.core.isDead, false);
}

/** A valid tree body with the given entries (ids as given). */
function treeBody(entries: [string, string, Uint8Array][]): Uint8Array {
  const parts: number[] = [];
  for (const [mode, name, id] of entries) parts.push(...enc.encode(`${mode} ${name}\0`), ...id);
  return new Uint8Array(parts);
}

for (const target of TARGETS) {
  describe(`malformed objects (${target})`, () => {
    test("random and mutated trees under a commit", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(400), fc.nat(255))), (junk, flips) => {
          const s = openStore(target);
          s.set("a/b", enc.encode("v"));
          s.set("x", enc.encode("w"));
          const good = s.commit({ author: AUTHOR, time: 1 });
          const blob = s.resolve("a/b")!.id;
          const sub = s.resolve("a")!.id;
          const base = treeBody([
            ["40000", "a", sub],
            ["100644", "x", blob],
          ]);
          const mutated = new Uint8Array(base);
          for (const [at, v] of flips) mutated[at % mutated.length] = v;
          for (const body of [junk, mutated]) {
            const tree = s.putObject("tree", body);
            const commit = s.putObject(
              "commit",
              enc.encode(`tree ${toHex(tree)}\nparent ${toHex(good)}\nauthor ${AUTHOR} 2 +0000\ncommitter ${AUTHOR} 2 +0000\n\nbad\n`),
            );
            exercise(s, commit, good);
          }
          s.close();
        }),
        { numRuns: RUNS },
      );
    });

    test("random and mutated commits, and ids of the wrong type", () => {
      fc.assert(
        fc.property(fc.uint8Array({ maxLength: 300 }), fc.array(fc.tuple(fc.nat(400), fc.nat(255))), (junk, flips) => {
          const s = openStore(target);
          s.set("a/b", enc.encode("v"));
          const good = s.commit({ author: AUTHOR, time: 1 });
          const body = new Uint8Array(s.getObject(good)!.body);
          for (const [at, v] of flips) body[at % body.length] = v;
          const blob = s.resolve("a/b")!.id;
          for (const c of [s.putObject("commit", junk), s.putObject("commit", body), blob, s.resolve("a")!.id]) exercise(s, c, good);
          // A tree entry pointing at a commit, a blob where a tree should be, a missing object.
          const weird = s.putObject(
            "tree",
            treeBody([
              ["40000", "a", blob],
              ["100644", "b", good],
              ["40000", "c", new Uint8Array(32).fill(9)],
            ]),
          );
          const wc = s.putObject("commit", enc.encode(`tree ${toHex(weird)}\nauthor ${AUTHOR} 3 +0000\ncommitter ${AUTHOR} 3 +0000\n\n`));
          exercise(s, wc, good);
          survives(() => s.get("b", wc));
          survives(() => s.get("c/d", wc));
          s.close();
        }),
        { numRuns: RUNS },
      );
    });
  });
}
