// Property tests (fast-check): random operations on several replicas (branches of
// one store), merged in random orders and pairings. On debug, release and
// gateway builds. NYMOTE_LONG=1 runs more cases.
import assert from "node:assert/strict";
import { describe, test } from "node:test";
import { encode as cborEncode, decode } from "cbor-x";
import fc from "fast-check";
import { toHex } from "../../host/git/index.ts";
import type { CoreStore } from "../../host/store/index.ts";
import { AUTHOR, dec, enc, openStore, TARGETS } from "./helpers.ts";

const encode = (v: unknown) => new Uint8Array(cborEncode(v));
const RUNS = process.env.NYMOTE_LONG ? 200 : 12;
const REPLICAS = 3;

type Op =
  | { k: "own"; r: number; p: number; v: number | null }
  | { k: "count"; r: number; d: number }
  | { k: "series"; r: number; v: number }
  | { k: "lww"; r: number; v: number }
  | { k: "set"; r: number; e: number; add: boolean }
  | { k: "merge"; into: number; from: number };

const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ k: fc.constant("own" as const), r: fc.nat(REPLICAS - 1), p: fc.nat(2), v: fc.option(fc.nat(99)) }),
  fc.record({ k: fc.constant("count" as const), r: fc.nat(REPLICAS - 1), d: fc.integer({ min: -5, max: 5 }) }),
  fc.record({ k: fc.constant("series" as const), r: fc.nat(REPLICAS - 1), v: fc.nat(99) }),
  fc.record({ k: fc.constant("lww" as const), r: fc.nat(REPLICAS - 1), v: fc.nat(99) }),
  fc.record({ k: fc.constant("set" as const), r: fc.nat(REPLICAS - 1), e: fc.nat(3), add: fc.boolean() }),
  fc.record({ k: fc.constant("merge" as const), into: fc.nat(REPLICAS - 1), from: fc.nat(REPLICAS - 1) }),
);

const writer = (r: number) => enc.encode(`dev-${r}`);

interface Model {
  own: Map<string, number | null>;
  count: number;
  series: Set<string>;
  lww: { t: number; v: number } | null;
}

/** Applies ops; each replica commits after each of its writes. Returns the model of every write made. */
function play(s: CoreStore, ops: Op[], t0: { t: number }): Model {
  const m: Model = { own: new Map(), count: 0, series: new Set(), lww: null };
  for (const op of ops) {
    t0.t++;
    if (op.k === "merge") {
      if (op.into === op.from) continue;
      const other = s.getRef(`r${op.from}`)!;
      s.checkout(`r${op.into}`);
      s.merge(other, { author: AUTHOR, time: t0.t });
      continue;
    }
    s.checkout(`r${op.r}`);
    if (op.k === "own") {
      // Replica r alone writes own/r/*: no conflicts by construction.
      const p = `own/${op.r}/${op.p}`;
      if (op.v === null) s.remove(p);
      else s.set(p, encode(op.v));
      m.own.set(p, op.v);
    } else if (op.k === "count") {
      s.counterAdd("count", writer(op.r), op.d);
      m.count += op.d;
    } else if (op.k === "series") {
      s.seriesAppend("series", t0.t, writer(op.r), encode(op.v));
      m.series.add(`${t0.t}/${op.r}/${op.v}`);
    } else if (op.k === "lww") {
      s.lwwSet("lww", t0.t, writer(op.r), encode(op.v));
      m.lww = { t: t0.t, v: op.v };
    } else {
      const e = encode(`e${op.e}`);
      if (op.add) s.setAdd("set", e);
      else s.setRemove("set", e);
    }
    s.commit({ author: AUTHOR, time: t0.t });
  }
  return m;
}

/** Merges every replica's head into branch `into` in the given order; returns the final head. */
function mergeAll(s: CoreStore, into: string, order: number[], t: number): Uint8Array {
  const heads = order.map((r) => s.getRef(`r${r}`)!);
  s.setRef(into, heads[0], s.getRef(into));
  s.checkout(into);
  for (const h of heads.slice(1)) s.merge(h, { author: AUTHOR, time: t });
  return s.head()!;
}

function treeOf(s: CoreStore, commit: Uint8Array): string {
  return toHex(s.resolve("", commit)!.id);
}

function setup(target: (typeof TARGETS)[number]): CoreStore {
  const s = openStore(target);
  s.set("init", encode(0));
  const root = s.commit({ author: AUTHOR, time: 1 });
  for (let r = 0; r < REPLICAS; r++) s.setRef(`r${r}`, root, undefined);
  return s;
}

for (const target of TARGETS) {
  describe(`store properties (${target})`, () => {
    test("replicas converge to one tree whatever the merge order; no write is lost", () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 14 }), fc.tuple(fc.nat(5), fc.nat(5)), (ops, [p1, p2]) => {
          const s = setup(target);
          const t = { t: 1000 };
          const model = play(s, ops, t);
          const perms = [
            [0, 1, 2],
            [0, 2, 1],
            [1, 0, 2],
            [1, 2, 0],
            [2, 0, 1],
            [2, 1, 0],
          ];
          const a = mergeAll(s, "ma", perms[p1], t.t + 1);
          const b = mergeAll(s, "mb", perms[p2], t.t + 2);
          assert.equal(treeOf(s, a), treeOf(s, b), `orders ${perms[p1]} and ${perms[p2]}`);
          assert.deepEqual(s.conflicts(a), []);
          // Nothing lost: every replica's latest own write, every count, every reading, the last LWW write.
          for (const [p, v] of model.own) {
            const got = s.get(p, a);
            if (v === null) assert.equal(got, undefined, p);
            else assert.deepEqual(got, encode(v), p);
          }
          assert.equal(s.counterValue("count", a), BigInt(model.count));
          const series = s.get("series", a);
          const entries = series ? ((decode(series) as { value: [number, Uint8Array, number][] }).value ?? []) : [];
          assert.deepEqual(new Set(entries.map(([tt, w, v]) => `${tt}/${dec.decode(w).slice(4)}/${v}`)), model.series);
          const times = entries.map(([tt]) => tt);
          assert.deepEqual(
            times,
            [...times].sort((x, y) => x - y),
          );
          if (model.lww) assert.equal((decode(s.get("lww", a)!) as { value: unknown[] }).value[2], model.lww.v);
          s.close();
        }),
        { numRuns: RUNS },
      );
    });

    test("merge is commutative and idempotent on trees", () => {
      fc.assert(
        fc.property(fc.array(opArb, { maxLength: 12 }), fc.nat(REPLICAS - 1), fc.nat(REPLICAS - 1), (ops, i, j) => {
          const s = setup(target);
          play(s, ops, { t: 1000 });
          const a = s.getRef(`r${i}`)!;
          const b = s.getRef(`r${j}`)!;
          const ab = s.mergeTree(a, b);
          const ba = s.mergeTree(b, a);
          assert.equal(toHex(ab.tree), toHex(ba.tree));
          assert.equal(ab.conflicts, ba.conflicts);
          assert.equal(toHex(s.mergeTree(a, a).tree), treeOf(s, a));
          s.checkout(`r${i}`);
          const m = s.merge(b, { author: AUTHOR, time: 5000 }).head;
          assert.equal(treeOf(s, m), toHex(ab.tree));
          // Merging either side again changes nothing.
          assert.equal(toHex(s.mergeTree(m, a).tree), toHex(ab.tree));
          assert.equal(toHex(s.mergeTree(m, b).tree), toHex(ab.tree));
          s.close();
        }),
        { numRuns: RUNS },
      );
    });

    test("conflicts are reported exactly where both sides changed an untyped value differently", () => {
      const side = fc.array(fc.tuple(fc.nat(4), fc.option(fc.nat(3))), { maxLength: 6 });
      fc.assert(
        fc.property(fc.array(fc.option(fc.nat(3)), { minLength: 5, maxLength: 5 }), side, side, (base, xs, ys) => {
          const s = openStore(target);
          const state = base.map((v) => v);
          base.forEach((v, p) => {
            if (v !== null) s.set(`p${p}`, encode(v));
          });
          s.set("keep", encode("k"));
          const root = s.commit({ author: AUTHOR, time: 1 });
          const finals: (number | null)[][] = [];
          for (const [name, writes] of [
            ["x", xs],
            ["y", ys],
          ] as const) {
            s.setRef(name, root, undefined);
            s.checkout(name);
            const st = [...state];
            for (const [p, v] of writes) {
              if (v === null) s.remove(`p${p}`);
              else s.set(`p${p}`, encode(v));
              st[p] = v;
            }
            s.commit({ author: AUTHOR, time: 2 });
            finals.push(st);
          }
          const [fx, fy] = finals;
          const expected = base
            .map((b, p) => (fx[p] !== b && fy[p] !== b && fx[p] !== fy[p] ? `p${p}` : null))
            .filter((p): p is string => p !== null);
          s.checkout("x");
          const { head, conflicts } = s.merge(s.getRef("y")!, { author: AUTHOR, time: 3 });
          assert.deepEqual(s.conflicts(head), expected);
          assert.equal(conflicts, expected.length);
          // Everything else took the side that changed it.
          base.forEach((b, p) => {
            if (expected.includes(`p${p}`)) return;
            const want = fx[p] !== b ? fx[p] : fy[p];
            const got = s.get(`p${p}`, head);
            assert.deepEqual(got, want === null ? undefined : encode(want), `p${p}`);
          });
          s.close();
        }),
        { numRuns: RUNS * 3 },
      );
    });
  });
}
