// The gateway merges each accepted device commit into main with the store's
// three-way merge, inside the device's write prefixes (docs/sync.md "Merging
// into main"). Property (fast-check): for random interleavings of device
// commits (typed readings, some under a prefix two devices share, untyped
// writes that can collide with the owner's) and owner edits, synced at random
// moments, main ends up with every reading any device wrote, the owner's
// latest config, and a conflict count equal to the conflict records the
// merges introduced (counted independently through the store's conflict walk).
import assert from "node:assert/strict";
import { test } from "node:test";
import { encode as cborEncode, decode } from "cbor-x";
import fc from "fast-check";
import { Gateway, type GatewayLink } from "../../host/gateway/gateway.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { CoreStore } from "../../host/store/index.ts";
import { readCommit } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";

const encode = (v: unknown) => new Uint8Array(cborEncode(v));
const enc = new TextEncoder();
const dec = new TextDecoder();
const RUNS = process.env.NYMOTE_LONG ? 100 : 8;
const DEVICES = 2;
const unhex = (s: string) => new Uint8Array(Buffer.from(s, "hex"));

type Op =
  | { k: "reading"; d: number; v: number }
  | { k: "shared"; d: number; v: number }
  | { k: "count"; d: number; n: number }
  | { k: "label"; d: number; v: number }
  | { k: "commit"; d: number }
  | { k: "sync"; d: number }
  | { k: "config"; v: number }
  | { k: "ownerLabel"; v: number };

const dev = fc.nat(DEVICES - 1);
const opArb = (labels: boolean): fc.Arbitrary<Op> =>
  fc.oneof(
    fc.record({ k: fc.constant("reading" as const), d: dev, v: fc.nat(999) }),
    fc.record({ k: fc.constant("shared" as const), d: dev, v: fc.nat(999) }),
    fc.record({ k: fc.constant("count" as const), d: dev, n: fc.integer({ min: -3, max: 5 }) }),
    fc.record({ k: fc.constant("commit" as const), d: dev }),
    fc.record({ k: fc.constant("sync" as const), d: dev }),
    fc.record({ k: fc.constant("config" as const), v: fc.nat(99) }),
    ...(labels
      ? [
          fc.record({ k: fc.constant("label" as const), d: dev, v: fc.nat(9) }),
          fc.record({ k: fc.constant("ownerLabel" as const), v: fc.nat(9) }),
        ]
      : []),
  );

interface Rig {
  gw: Gateway;
  devs: SimDevice[];
  /** Messages in flight on each device's link: [toDevice, bytes]. */
  links: [boolean, Uint8Array][][];
  /** The gateway's end of each device's session. */
  conns: GatewayLink[];
}

const owner = Owner.throwaway();

function rig(): Rig {
  let now = 1_700_000_000;
  const clock = () => now++;
  const gw = new Gateway({ clock, owner });
  const devs: SimDevice[] = [];
  const links: [boolean, Uint8Array][][] = [];
  const conns: GatewayLink[] = [];
  for (let i = 0; i < DEVICES; i++) {
    const name = `dev${i}`;
    // Both devices may write under shared/: overlapping write prefixes.
    const d = new SimDevice({ name, write: [`sensors/${name}`, "shared"], read: ["config/all"], clock, seed: 7 + i });
    const cert = owner.issue(d.identity.publicKey(), { name, write: d.write, read: d.read });
    d.enroll(owner.publicKey, owner.networkKey, cert);
    gw.enroll(cert);
    const q: [boolean, Uint8Array][] = [];
    conns.push(
      gw.accept(
        (m) => q.push([true, m]),
        () => {},
      ),
    );
    d.connect((m) => q.push([false, m]), gw.publicKey);
    devs.push(d);
    links.push(q);
  }
  return { gw, devs, links, conns };
}

/** Delivers everything in flight on device i's link (and what that provokes). */
function sync(r: Rig, i: number): void {
  const q = r.links[i] as [boolean, Uint8Array][];
  const d = r.devs[i] as SimDevice;
  const conn = r.conns[i] as GatewayLink;
  for (let n = 0; q.length > 0; n++) {
    assert.ok(n < 100_000, "sync terminates");
    const [toDevice, m] = q.shift() as [boolean, Uint8Array];
    if (toDevice) d.receive(m);
    else conn.receive(m);
  }
}

function seriesEntries(s: CoreStore, path: string, commit: Uint8Array): string[] {
  const v = s.get(path, commit);
  if (!v) return [];
  const entries = (decode(v) as { value: [number, Uint8Array, unknown][] }).value;
  return entries.map(([t, w, x]) => `${t}/${dec.decode(w)}/${JSON.stringify(x)}`).sort();
}

/** Plays ops, syncs everything, checks the properties; the gateway's conflict count. */
function run(ops: Op[]): number {
  const r = rig();
  const want = { readings: new Set<string>(), shared: new Set<string>(), count: 0, config: null as number | null };
  let t = 0;
  const stage = (i: number, fn: (s: CoreStore, w: Uint8Array) => void) => {
    const d = r.devs[i] as SimDevice;
    fn(d.data, enc.encode(d.name));
    // The device stage holds 16 writes.
    if (d.data.staged >= 12) d.commit();
  };
  for (const op of ops) {
    t++;
    if (op.k === "reading") {
      stage(op.d, (s, w) => s.seriesAppend(`sensors/dev${op.d}/temp`, t, w, encode(op.v)));
      want.readings.add(`dev${op.d}:${t}/dev${op.d}/${op.v}`);
    } else if (op.k === "shared") {
      stage(op.d, (s, w) => s.seriesAppend("shared/events", t, w, encode(op.v)));
      want.shared.add(`${t}/dev${op.d}/${op.v}`);
    } else if (op.k === "count") {
      stage(op.d, (s, w) => s.counterAdd("shared/count", w, op.n));
      want.count += op.n;
    } else if (op.k === "label") stage(op.d, (s) => s.set("shared/label", encode(`d${op.d}-${op.v}`)));
    else if (op.k === "commit") (r.devs[op.d] as SimDevice).commit();
    else if (op.k === "sync") sync(r, op.d);
    else if (op.k === "config") {
      r.gw.set("config/all/interval", encode(op.v));
      want.config = op.v;
    } else r.gw.set("shared/label", encode(`owner-${op.v}`));
  }
  for (const d of r.devs) d.commit();
  for (let round = 0; round < 3; round++) for (let i = 0; i < DEVICES; i++) sync(r, i);

  const gw = r.gw;
  assert.equal(gw.stats.denied, 0, gw.deniedReasons.join("; "));
  const main = gw.store.ref("main");
  assert.ok(main);
  const s = new CoreStore(gw.core, gw.store.handle);
  const m = unhex(main);
  for (const d of r.devs) assert.equal(gw.store.ref(`devices/${d.name}`), d.head, `${d.name}: everything acknowledged`);
  // Every reading any device wrote is in main: its own series and the shared one.
  for (let i = 0; i < DEVICES; i++) {
    const got = seriesEntries(s, `sensors/dev${i}/temp`, m).map((e) => `dev${i}:${e}`);
    assert.deepEqual(new Set(got), new Set([...want.readings].filter((x) => x.startsWith(`dev${i}:`))));
  }
  assert.deepEqual(new Set(seriesEntries(s, "shared/events", m)), want.shared);
  assert.equal(s.counterValue("shared/count", m), BigInt(want.count));
  // The owner's latest config is main's and every device's.
  if (want.config !== null) {
    assert.deepEqual(s.get("config/all/interval", m), encode(want.config));
    for (const d of r.devs) assert.deepEqual(d.get("config/all/interval"), encode(want.config), `${d.name} has the config`);
  }
  // The conflict count the gateway reports (the demo's `conflicts` column) is
  // the number of conflict records its merges introduced; and each merge's
  // base (the device's head merged before) is the LCA the store finds.
  let introduced = 0;
  const merges: { p: string; devHead: string; device: string }[] = [];
  for (let c = readCommit(gw.store, main); ; ) {
    const [p, devHead] = c.parents;
    if (!p) break;
    if (devHead) {
      const before = new Map(s.conflicts(unhex(p)).map((path) => [path, s.get(path, unhex(p))]));
      for (const path of s.conflicts(unhex(c.id))) {
        const v = s.get(path, unhex(c.id));
        const old = before.get(path);
        if (!old || !v || Buffer.compare(old, v) !== 0) introduced++;
      }
      merges.push({ p, devHead, device: c.message });
    }
    c = readCommit(gw.store, p);
  }
  // Oldest first: each merge's base is the same device's head merged before it.
  const lastMerged = new Map<string, string>();
  for (const { p, devHead, device } of merges.reverse()) {
    const base = lastMerged.get(device);
    if (base)
      assert.deepEqual(
        s.lca(unhex(p), unhex(devHead)).map((x) => Buffer.from(x).toString("hex")),
        [base],
      );
    lastMerged.set(device, devHead);
  }
  assert.equal(gw.stats.conflicts, introduced);
  gw.close();
  return introduced;
}

test("readings from devices with overlapping write prefixes and owner config edits all reach main, without conflicts", () => {
  fc.assert(
    fc.property(fc.array(opArb(false), { minLength: 5, maxLength: 40 }), (ops) => {
      assert.equal(run(ops), 0);
    }),
    { numRuns: RUNS },
  );
});

test("concurrent untyped writes by owner and devices become counted conflicts; no reading is lost", () => {
  fc.assert(
    fc.property(fc.array(opArb(true), { minLength: 5, maxLength: 40 }), (ops) => {
      run(ops);
    }),
    { numRuns: RUNS },
  );
});

test("a device commit and an owner edit of the same untyped value conflict exactly once", () => {
  const conflicts = run([
    { k: "label", d: 0, v: 1 },
    { k: "commit", d: 0 },
    { k: "sync", d: 0 },
    { k: "ownerLabel", v: 2 },
    { k: "label", d: 0, v: 3 },
    { k: "commit", d: 0 },
    { k: "sync", d: 0 },
  ]);
  assert.equal(conflicts, 1);
});
