// Paths as deep as the store writes them (8 segments, assembly/store/limits.ts
// DEPTH_MAX) cross sync both ways: a device's reading 8 deep reaches the
// gateway's main, an owner's value 8 deep reaches the device. (Sync followed 6
// tree levels while the store wrote 8: a device with a deeper value failed
// every sync from then on.)
import assert from "node:assert/strict";
import { test } from "node:test";
import { decode, encode } from "cbor-x";
import { Gateway } from "../../host/gateway/gateway.ts";
import { getPath, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { enrolled, link } from "./link.ts";

test("values 8 segments deep sync device → gateway and gateway → device", () => {
  const owner = Owner.throwaway();
  const gw = new Gateway({ owner, clock: () => 1_700_000_000 });
  const { dev, run } = link(gw, enrolled(owner, "kitchen").dev);
  const up = "sensors/kitchen/a/b/c/d/e/v";
  dev.data.set(up, new Uint8Array(encode(21.5)));
  dev.commit();
  run();
  assert.deepEqual(dev.log, [], "the device's sessions ended cleanly");
  assert.equal(gw.store.ref("devices/kitchen"), dev.head, "acknowledged");
  const inMain = getPath(gw.store, treeOf(gw.store, gw.store.ref("main")), up);
  assert.ok(inMain, "the reading is in main");
  assert.equal(decode(inMain), 21.5);
  const down = "config/kitchen/a/b/c/d/e/v";
  gw.set(down, new Uint8Array(encode(30)));
  run();
  const got = dev.get(down);
  assert.ok(got, "the owner's value reached the device");
  assert.equal(decode(got), 30);
  assert.equal(gw.stats.denied, 0);
  gw.close();
});
