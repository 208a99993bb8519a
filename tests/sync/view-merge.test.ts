// The simulated device merges the owner's view into its main with the device
// core's own merge (sync_view_merge, assembly/sync/view.ts, the code the SDK's
// sync pump runs on firmware), not by overwriting its read prefixes with the
// view: values both sides changed while apart merge three-way by type, the
// device's own changes that the owner did not touch stay, the merge commit is
// signed by the device key and accepted by the gateway. And a power cut between
// storing a view and merging it is healed at the next boot with exactly one
// merge commit, wherever in the merge the power went. Values are read back with
// cbor-x, independently of the core's decoder.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encode as cborEncode, Decoder, type Tag } from "cbor-x";
import { verifyCommit } from "../../host/export/sign.ts";
import { SimFlash } from "../../host/flash/sim.ts";
import { Gateway, type GatewayLink } from "../../host/gateway/gateway.ts";
import { Core } from "../../host/runtime/index.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { CoreStore } from "../../host/store/index.ts";
import { SyncStore } from "../../host/sync/core.ts";
import { getPath, readCommit, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";

const NAME = "kitchen";
const HITS = `shared/${NAME}/hits`; // PN counter: both step it
const MODE = `shared/${NAME}/mode`; // plain value: only the device changes it
const TARGET = `shared/${NAME}/target`; // LWW register: both set it, the device later
const LABEL = `shared/${NAME}/label`; // plain value: both change it (a conflict)
const INTERVAL = `config/${NAME}/interval`; // plain value: only the owner changes it
const TAG_PN = 0x4e594d01;
const TAG_LWW = 0x4e594d02;
const TAG_CONFLICT = 0x4e594d00;

const enc = new TextEncoder();
const encode = (v: unknown) => new Uint8Array(cborEncode(v));
const decoder = new Decoder({ mapsAsObjects: false });
const owner = Owner.throwaway();

/** The PN counter's value, decoded by cbor-x: Σinc − Σdec over every writer (docs/store.md). */
function counter(bytes: Uint8Array | null): number {
  assert.ok(bytes, "counter present");
  const t = decoder.decode(bytes) as Tag;
  assert.equal(t.tag, TAG_PN);
  let sum = 0;
  for (const [inc, dec] of (t.value as Map<Uint8Array, [number, number]>).values()) sum += inc - dec;
  return sum;
}

/** The LWW register's value, decoded by cbor-x. */
function register(bytes: Uint8Array | null): unknown {
  assert.ok(bytes, "register present");
  const t = decoder.decode(bytes) as Tag;
  assert.equal(t.tag, TAG_LWW);
  return (t.value as [number, Uint8Array, unknown])[2];
}

interface Rig {
  gw: Gateway;
  dev: SimDevice;
  conn: GatewayLink;
  /** Messages in flight: [toDevice, bytes]. */
  q: [boolean, Uint8Array][];
}

function rig(flash?: SimFlash): Rig {
  let now = 1_700_000_000;
  const clock = () => now++;
  const gw = new Gateway({ clock, owner });
  const grant = { name: NAME, write: [`sensors/${NAME}`, `shared/${NAME}`], read: [`config/${NAME}`, `shared/${NAME}`] };
  const dev = new SimDevice({ ...grant, clock, flash, seed: 11 });
  const cert = owner.issue(dev.identity.publicKey(), grant);
  dev.enroll(owner.publicKey, owner.networkKey, cert);
  gw.enroll(cert);
  const q: [boolean, Uint8Array][] = [];
  const conn = gw.accept(
    (m) => q.push([true, m]),
    () => {},
  );
  dev.connect((m) => q.push([false, m]), gw.publicKey);
  return { gw, dev, conn, q };
}

/** Delivers what is in flight (only towards the device, when asked) and what that provokes. */
function deliver(r: Rig, onlyToDevice = false): void {
  for (let n = 0; ; n++) {
    assert.ok(n < 100_000, "sync terminates");
    const i = r.q.findIndex(([toDevice]) => toDevice || !onlyToDevice);
    if (i < 0) return;
    const [[toDevice, m]] = r.q.splice(i, 1) as [[boolean, Uint8Array]];
    if (toDevice) r.dev.receive(m);
    else r.conn.receive(m);
  }
}

/** The owner edits a typed value on main as its host does: through a core's typed writer, from main's current bytes. */
function ownerEdit(gw: Gateway, path: string, edit: (s: CoreStore, path: string) => void): void {
  const s = CoreStore.openMemory(new Core("release"));
  const cur = getPath(gw.store, treeOf(gw.store, gw.store.ref("main")), path);
  if (cur) s.set(path, cur);
  edit(s, path);
  s.commit({ author: "owner <owner@nymote.invalid>" });
  const v = s.get(path);
  assert.ok(v);
  gw.set(path, v);
}

const mainValue = (gw: Gateway, path: string) => getPath(gw.store, treeOf(gw.store, gw.store.ref("main")), path);
const ownerW = enc.encode("owner");
const devW = enc.encode(NAME);

test("a view is merged into the device's main three-way by type, not copied over the device's own changes", () => {
  const r = rig();
  const { gw, dev } = r;
  ownerEdit(gw, HITS, (s, p) => s.counterAdd(p, ownerW, 1));
  ownerEdit(gw, TARGET, (s, p) => s.lwwSet(p, 100, ownerW, encode(18)));
  gw.set(MODE, encode("auto"));
  gw.set(INTERVAL, encode(10));
  deliver(r);
  assert.equal(counter(dev.get(HITS)), 1);
  assert.deepEqual(dev.get(MODE), encode("auto"));
  const mergesBefore = dev.merges;
  assert.ok(mergesBefore >= 1, "the first view was merged");

  // Apart: the device steps the counter, switches the mode and sets the target
  // (later than the owner will); the owner steps the counter, sets the target
  // and the interval. The device commits first, so its commit is in flight to
  // the gateway while the owner's view reaches it.
  dev.data.counterAdd(HITS, devW, 2);
  dev.data.set(MODE, encode("manual"));
  dev.data.lwwSet(TARGET, 300, devW, encode(21));
  const local = dev.commit();
  assert.ok(local);
  ownerEdit(gw, HITS, (s, p) => s.counterAdd(p, ownerW, 5));
  ownerEdit(gw, TARGET, (s, p) => s.lwwSet(p, 200, ownerW, encode(19)));
  gw.set(INTERVAL, encode(20));
  assert.notEqual(gw.store.ref(`devices/${NAME}`), local, "the gateway does not have the device's commit yet");

  deliver(r, true);
  assert.ok(dev.merges > mergesBefore, "the new view was merged");
  assert.notEqual(gw.store.ref(`devices/${NAME}`), local, "merged on the device, before the gateway saw its commit");
  assert.equal(counter(dev.get(HITS)), 1 + 2 + 5, "both steps counted");
  assert.deepEqual(dev.get(MODE), encode("manual"), "the device's own change stands");
  assert.equal(register(dev.get(TARGET)), 21, "the later write wins, though it is the device's");
  assert.deepEqual(dev.get(INTERVAL), encode(20), "the owner's change arrives");
  assert.equal(dev.conflicts, 0);
  // On top of the device's commit: merge commits (one a view: the owner made
  // three edits), each with the view as second parent, signed by the device key.
  let merges = 0;
  for (let id = dev.head; id !== local; merges++) {
    assert.ok(id, "the device's commit is on main's first-parent chain");
    const c = readCommit(dev.store, id);
    assert.equal(c.parents.length, 2, "a merge commit");
    if (merges === 0) assert.equal(c.parents[1], dev.store.ref("sync/remote"), "the latest view merged last");
    assert.equal(verifyCommit(dev.core, dev.store.get(id)?.body as Uint8Array, dev.identity.publicKey()), 0, "signed by the device");
    id = c.parents[0] ?? null;
  }
  assert.equal(merges, dev.merges - mergesBefore);

  // Everything delivered: the gateway accepted both commits, and main and the device agree.
  deliver(r);
  assert.equal(gw.stats.denied, 0, gw.deniedReasons.join("; "));
  assert.deepEqual(dev.log, []);
  assert.equal(gw.store.ref(`devices/${NAME}`), dev.head, "every device commit acknowledged");
  for (const p of [HITS, MODE, TARGET, INTERVAL]) assert.deepEqual(mainValue(gw, p), dev.get(p), p);
  assert.equal(counter(mainValue(gw, HITS)), 8);
  gw.close();
});

test("a value both sides changed without a type to merge it becomes a conflict the device counts", () => {
  const r = rig();
  const { gw, dev } = r;
  gw.set(LABEL, encode("hall"));
  deliver(r);
  dev.data.set(LABEL, encode("kitchen"));
  dev.commit();
  gw.set(LABEL, encode("pantry"));
  deliver(r, true);
  assert.equal(dev.conflicts, 1);
  const rec = decoder.decode(dev.get(LABEL) as Uint8Array) as Tag;
  assert.equal(rec.tag, TAG_CONFLICT);
  const sides = (rec.value as Uint8Array[]).map((b) => decoder.decode(b));
  assert.deepEqual(sides.sort(), ["kitchen", "pantry"], "both sides kept in the record");
  // The gateway accepts the merge commit (the record is inside the device's
  // write prefixes) and, merging the device's own commit, records the same
  // conflict once: main and the device hold the same record.
  deliver(r);
  assert.equal(gw.stats.denied, 0, gw.deniedReasons.join("; "));
  assert.equal(gw.store.ref(`devices/${NAME}`), dev.head);
  assert.deepEqual(mainValue(gw, LABEL), dev.get(LABEL));
  assert.equal(gw.stats.conflicts, 1);
  assert.equal(dev.conflicts, 1);
  gw.close();
});

test("a power cut between storing a view and merging it: the next boot merges it, exactly once, wherever the cut landed", () => {
  const size = 512 * 1024;
  const flash = new SimFlash({ size, seed: 5 });
  const r = rig(flash);
  const { gw, dev } = r;
  gw.set(INTERVAL, encode(10));
  deliver(r);
  assert.deepEqual(dev.get(INTERVAL), encode(10));
  // A write staged (not committed) holds the merge back; the view is stored meanwhile.
  dev.data.set(`sensors/${NAME}/t`, encode(1));
  gw.set(INTERVAL, encode(20));
  deliver(r);
  const view = dev.store.ref("sync/remote");
  assert.equal(view, gw.store.ref(`views/${NAME}`), "the view is stored");
  assert.notEqual(dev.store.ref("sync/merged"), view, "and not merged");
  assert.deepEqual(dev.get(INTERVAL), encode(10));
  const before = dev.head;
  assert.ok(before && view);
  gw.close();
  // Power goes: the staged write is lost with the RAM; the flash is what stays.
  const image = flash.bytes.slice();

  const boot = (f: SimFlash) => new SimDevice({ name: NAME, clock: () => 1_800_000_000, flash: f, seed: 11 });
  /** Checks the store after the boot that healed it: one merge commit on top of `before`, the view recorded. */
  const healed = (d: SimDevice, what: string) => {
    const head = d.head;
    assert.ok(head);
    const c = readCommit(d.store, head);
    assert.deepEqual(c.parents, [before, view], `${what}: one merge commit of the view on the old main`);
    assert.equal(d.store.ref("sync/merged"), view, what);
    assert.deepEqual(d.get(INTERVAL), encode(20), what);
    assert.equal(verifyCommit(d.core, d.store.get(head)?.body as Uint8Array, d.identity.publicKey()), 0, `${what}: signed`);
    d.reboot();
    assert.equal(d.head, head, `${what}: a further boot merges nothing`);
  };
  let cuts = 0;
  let halfway = 0;
  // Every flash operation of the boot, the cut landing before a write's first
  // byte or tearing it after a few.
  for (let i = 0; ; i++) {
    const op = i >> 1;
    const landed = (i & 1) * 9;
    assert.ok(op < 500, "the boot's merge ends");
    const f = new SimFlash({ size, seed: 5 }, image.slice());
    f.cutAt(op, landed);
    let d: SimDevice | null = null;
    try {
      d = boot(f);
    } catch (e) {
      if (!f.powerOff) throw e;
    }
    if (!f.powerOff) {
      // The cut came after the whole boot: it merged once.
      assert.ok(d);
      healed(d, "uninterrupted boot");
      break;
    }
    cuts++;
    f.reboot();
    // What the cut left, read without booting (no merge): the case that must not
    // merge twice is main moved and sync/merged not yet.
    const left = SyncStore.flash(new Core("release", { flash: f }));
    if (left.ref("main") !== before && left.ref("sync/merged") !== view) halfway++;
    healed(boot(f), `cut at flash operation ${op} (${landed} bytes landed)`);
  }
  assert.ok(cuts > 3, `power was cut inside the boot's merge (${cuts} cut points)`);
  assert.ok(halfway > 0, "a cut landed after main moved and before sync/merged did");
});
