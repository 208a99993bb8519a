import assert from "node:assert/strict";
import { createHash } from "node:crypto";
import { test } from "node:test";
import { FlashStore, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "../../host/flash/client.ts";
import { SimFlash } from "../../host/flash/sim.ts";
import { Core } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";

const E_INVAL = -1;
const E_NOTFOUND = -7;
const E_FULL = -8;
const E_CONFLICT = -9;
const E_CORRUPT = -5;

function gitId(type: number, body: Uint8Array): Uint8Array {
  const name = ["", "blob", "tree", "commit"][type];
  return new Uint8Array(createHash("sha256").update(`${name} ${body.length}\0`).update(body).digest());
}

function boot(flash: SimFlash, target: "debug" | "release" = "debug"): FlashStore {
  const s = new FlashStore(new Core(target, { flash }));
  const h = s.open();
  assert.equal(h, 1, `open returned ${h}`);
  return s;
}

const bytes = (s: string) => new TextEncoder().encode(s);

for (const target of ["debug", "release"] as const) {
  test(`flash store (${target}): objects are Git SHA-256 objects, idempotent, and survive a reboot`, () => {
    const flash = new SimFlash({ size: 64 * 1024 });
    let s = boot(flash, target);
    const bodies = [bytes("hello"), new Uint8Array(0), new Uint8Array(3000).map((_, i) => i * 7)];
    const ids = bodies.map((b, i) => {
      const id = s.put([OBJ_BLOB, OBJ_TREE, OBJ_COMMIT][i], b);
      assert.ok(id instanceof Uint8Array);
      assert.deepEqual(id, gitId([OBJ_BLOB, OBJ_TREE, OBJ_COMMIT][i], b));
      return id as Uint8Array;
    });
    const before = s.stats().appendedBytes;
    assert.deepEqual(s.put(OBJ_BLOB, bodies[0]), ids[0]);
    assert.equal(s.stats().appendedBytes, before, "a second put of the same object writes nothing");
    s = boot(flash, target);
    for (let i = 0; i < 3; i++) {
      assert.equal(s.has(ids[i]), 1);
      assert.equal(s.typeOf(ids[i]), [OBJ_BLOB, OBJ_TREE, OBJ_COMMIT][i]);
      assert.deepEqual(s.get(ids[i]), bodies[i]);
    }
    assert.equal(s.has(new Uint8Array(32).fill(9)), 0);
    assert.equal(s.get(new Uint8Array(32).fill(9)), E_NOTFOUND);
    assert.equal(s.check(), 0);
    assert.equal(flash.violations, 0);
  });

  test(`flash store (${target}): refs are compare-and-set, deletable, listed in byte order, durable`, () => {
    const flash = new SimFlash({ size: 64 * 1024 });
    let s = boot(flash, target);
    const a = s.put(OBJ_BLOB, bytes("a")) as Uint8Array;
    const b = s.put(OBJ_BLOB, bytes("b")) as Uint8Array;
    assert.equal(s.getRef("main"), E_NOTFOUND);
    assert.equal(s.setRef("main", null, a), 0);
    assert.equal(s.setRef("main", null, b), E_CONFLICT, "expected unset, but it is set");
    assert.equal(s.setRef("main", b, b), E_CONFLICT);
    assert.equal(s.setRef("main", a, b), 0);
    assert.equal(s.setRef("dev/x", null, a), 0);
    assert.equal(s.setRef("Zed", null, a), 0);
    assert.equal(s.setRef("bad name", null, a), E_INVAL);
    assert.equal(s.setRef("", null, a), E_INVAL);
    assert.deepEqual(s.refs(), ["Zed", "dev/x", "main"]);
    s = boot(flash, target);
    assert.deepEqual(s.getRef("main"), b);
    assert.deepEqual(s.refs(), ["Zed", "dev/x", "main"]);
    assert.equal(s.setRef("dev/x", a, null), 0);
    assert.equal(s.getRef("dev/x"), E_NOTFOUND);
    s = boot(flash, target);
    assert.deepEqual(s.refs(), ["Zed", "main"]);
    assert.equal(s.setRef("dev/x", null, b), 0, "a deleted ref can be created again");
  });
}

test("a full partition says E_FULL, keeps every acknowledged object, and still takes ref updates", () => {
  const flash = new SimFlash({ size: 32 * 1024 }); // 6 log sectors
  const s = boot(flash);
  const ids: [Uint8Array, Uint8Array][] = [];
  let rc = 0;
  for (let i = 0; i < 1000; i++) {
    const body = bytes(`reading ${i} ${"x".repeat(200)}`);
    const id = s.put(OBJ_BLOB, body);
    if (typeof id === "number") {
      rc = id;
      break;
    }
    ids.push([id, body]);
  }
  assert.equal(rc, E_FULL);
  assert.ok(ids.length > 40, `only ${ids.length} objects fit`);
  assert.equal(s.setRef("main", null, ids[0][0]), 0, "ref updates use the reserve");
  for (const [id, body] of ids) assert.deepEqual(s.get(id), body);
  assert.equal(s.check(), 0);
  const t = boot(flash);
  assert.equal(t.put(OBJ_BLOB, bytes(`reading more ${"y".repeat(200)}`)), E_FULL);
  assert.deepEqual(t.getRef("main"), ids[0][0]);
});

test("a bit flip in a stored object is detected by its CRC, reported, and repaired by a new put", () => {
  const flash = new SimFlash({ size: 64 * 1024 });
  let s = boot(flash);
  const body = new Uint8Array(500).fill(0x41);
  const id = s.put(OBJ_BLOB, body) as Uint8Array;
  // Fill the sector so the object is no longer in the head (where a bad body reads as torn).
  for (let i = 0; i < 10; i++) s.put(OBJ_BLOB, new Uint8Array(500).fill(i));
  const at = flash.bytes.indexOf(0x41, 2 * 4096);
  flash.flipBit(at + 100, 2);
  s = boot(flash);
  assert.equal(s.has(id), 1);
  assert.equal(s.get(id), E_CORRUPT);
  assert.ok(s.check() > 0, "check reports the bad record");
  assert.deepEqual(s.put(OBJ_BLOB, body), id);
  assert.deepEqual(s.get(id), body, "the fresh copy is found first");
});

test("on-flash record layout: header and body CRC-32 match zlib's, sector header as documented", async () => {
  const { crc32 } = await import("node:zlib");
  const flash = new SimFlash({ size: 64 * 1024 });
  const s = boot(flash);
  const body = bytes("a reading of some bytes");
  const id = s.put(OBJ_BLOB, body) as Uint8Array;
  const base = 2 * 4096; // the first log sector
  const v = new DataView(flash.bytes.buffer, base);
  assert.equal(v.getUint32(0, true), 0x324c594e, "slot A magic");
  assert.equal(v.getUint32(8, true), crc32(flash.bytes.subarray(base, base + 8)), "slot A CRC");
  assert.deepEqual(flash.bytes.subarray(base + 12, base + 24), flash.bytes.subarray(base, base + 12), "slot A's copy");
  const seqCrc = new Uint8Array(8);
  new DataView(seqCrc.buffer).setUint32(0, v.getUint32(24, true), true);
  new DataView(seqCrc.buffer).setUint32(4, v.getUint32(4, true), true);
  assert.equal(v.getUint32(28, true), crc32(seqCrc), "slot B CRC covers seq and erase count");
  assert.deepEqual(flash.bytes.subarray(base + 32, base + 40), flash.bytes.subarray(base + 24, base + 32), "slot B's copy");
  const rec = flash.bytes.subarray(base + 40, base + 40 + 44 + body.length);
  const r = new DataView(rec.buffer, rec.byteOffset);
  assert.equal(r.getUint16(0, true), body.length);
  assert.equal(rec[2], 1, "kind object");
  assert.equal(rec[3], OBJ_BLOB);
  assert.deepEqual(rec.subarray(4, 36), id);
  assert.equal(r.getUint32(36, true), crc32(body), "body CRC");
  assert.equal(r.getUint32(40, true), crc32(rec.subarray(0, 40)), "header CRC");
  assert.deepEqual(rec.subarray(44), body);
});

test("a torn object never passes for stored, also once the head has moved on (second mount)", () => {
  const x = new Uint8Array(200).map((_, i) => i);
  const id = gitId(OBJ_BLOB, x);
  // Every byte count that can land of the body write (op 0 is the record header).
  for (let landed = 0; landed < x.length; landed += 7) {
    const flash = new SimFlash({ size: 40 * 1024 });
    let s = boot(flash);
    s.put(OBJ_BLOB, bytes("earlier"));
    flash.reboot();
    flash.cutAt(1, landed);
    assert.ok(typeof s.put(OBJ_BLOB, x) === "number", "the put was cut");
    flash.reboot();
    s = boot(flash);
    assert.equal(s.has(id), 0, `landed=${landed}: first mount`);
    // The torn record's sector is sealed: this write opens the next one, so the next
    // mount no longer checks the torn record's body.
    assert.ok(s.put(OBJ_BLOB, bytes(`after ${landed}`)) instanceof Uint8Array);
    s = boot(flash);
    assert.equal(s.has(id), 0, `landed=${landed}: second mount`);
    assert.equal(s.get(id), E_NOTFOUND, `landed=${landed}: second mount`);
    assert.equal(s.check(), 0, `landed=${landed}: a torn tail is not decay`);
    assert.deepEqual(s.put(OBJ_BLOB, x), id);
    assert.deepEqual(boot(flash).get(id), x, `landed=${landed}: the fresh copy`);
    assert.equal(flash.violations, 0);
  }
});

// The one object bound of device stores and flash (assembly/store/limits.ts
// DEVICE_OBJECT_MAX): a record of it fills a 4 KiB sector at granularity 32.
const recHead = (g: number) => Math.ceil(44 / g) * g;
const sectorHead = (g: number) => 2 * (Math.ceil(12 / g) * g + Math.ceil(8 / g) * g);
const OBJECT_MAX = 4096 - sectorHead(32) - recHead(32);
const E_LIMIT = -13;

for (const g of [1, 16, 32]) {
  test(`objects of exactly the device bound are stored and survive reboots, one byte more is E_LIMIT (granularity ${g})`, () => {
    const flash = new SimFlash({ size: 64 * 1024, writeGranularity: g });
    const s = boot(flash, "release");
    const max = new Uint8Array(OBJECT_MAX).map((_, i) => (i * 13 + g) & 0xff);
    const id = s.put(OBJ_BLOB, max);
    assert.deepEqual(id, gitId(OBJ_BLOB, max));
    assert.equal(s.put(OBJ_BLOB, new Uint8Array(OBJECT_MAX + 1)), E_LIMIT);
    for (let i = 0; i < 3; i++) s.put(OBJ_TREE, new Uint8Array(OBJECT_MAX).fill(i)); // one sector each
    assert.deepEqual(boot(flash, "release").get(id as Uint8Array), max);
    assert.equal(boot(flash, "release").check(), 0);
    assert.equal(flash.violations, 0);
  });
}

test("a partition whose sectors cannot hold the largest object is refused (E_UNSUPPORTED)", () => {
  const s = new FlashStore(new Core("debug", { flash: new SimFlash({ size: 64 * 1024, sectorSize: 2048 }) }));
  assert.equal(s.open(), -15);
});

test("the store on flash (device build) never makes an object above the bound: values E_LIMIT, a tree level E_NOMEM, nothing acknowledged lost", () => {
  const flash = new SimFlash({ size: 128 * 1024 });
  const core = new Core("release", { flash });
  const h = new FlashStore(core).open();
  const st = new CoreStore(core, h);
  const max = new Uint8Array(OBJECT_MAX).fill(7);
  st.set("big", max);
  const first = st.commit({ author: "T <t@x>", time: 1700000000, message: "max" });
  assert.deepEqual(st.get("big", first), max);
  assert.throws(() => st.set("bigger", new Uint8Array(OBJECT_MAX + 1)), /E_LIMIT/);
  // A directory of 64-byte names grows by 104 bytes an entry: it passes the bound
  // after 38 entries, 16 staged writes a commit.
  let head = first;
  let entries = 0;
  let refused: unknown = null;
  for (let c = 0; c < 4 && refused === null; c++) {
    for (let i = 0; i < 16; i++) st.set(`dir/${String(entries + i).padStart(64, "n")}`, bytes("v"));
    try {
      head = st.commit({ author: "T <t@x>", time: 1700000001 + c, message: "more" });
      entries += 16;
    } catch (e) {
      refused = e;
    }
  }
  assert.match(String(refused), /E_NOMEM/);
  assert.ok(entries * 104 <= OBJECT_MAX && (entries + 16) * 104 > OBJECT_MAX, `${entries} entries committed`);
  const core2 = new Core("release", { flash });
  const again = new CoreStore(core2, new FlashStore(core2).open());
  assert.deepEqual(again.head(), head);
  assert.deepEqual(again.get("big"), max);
  assert.equal(flash.violations, 0);
});

test("a 4 MiB partition (1,024 sectors) fills, recovers and keeps every object; RAM as stated; one sector more is refused", () => {
  const flash = new SimFlash({ size: 4 << 20 });
  let s = boot(flash, "release");
  const ids: Uint8Array[] = [];
  for (let i = 0; ; i++) {
    const id = s.put(OBJ_BLOB, new Uint8Array(1300).map((_, j) => (i * 31 + j) & 0xff).fill(i >> 8, 0, 1));
    if (typeof id === "number") {
      assert.equal(id, E_FULL);
      break;
    }
    ids.push(id);
  }
  const st = s.stats();
  assert.equal(st.sectors, 1024);
  assert.ok(st.used > 1000, `${st.used} sectors in use`);
  s = boot(flash, "release");
  assert.equal(s.check(), 0);
  for (const id of ids.filter((_, i) => i % 97 === 0)) assert.equal(s.has(id), 1);
  // 12 bytes a sector, a 16-byte Bloom slice a sector, lookup cache, ref table,
  // buffers, and the liveness walk (docs/flash.md).
  const ram = s.stats().ramBytes;
  assert.ok(ram > 1024 * (12 + 16) && ram < 42 * 1024, `RAM ${ram}`);
  const big = new FlashStore(new Core("release", { flash: new SimFlash({ size: (4 << 20) + 4096 }) }));
  assert.equal(big.open(), -15);
});
