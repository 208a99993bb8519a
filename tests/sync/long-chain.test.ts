// A device pushing a long chain (more commits than checkpoints × cached walk,
// so the sender both re-walks from checkpoints and reads from its walk cache)
// over a link that drops messages: the gateway, which accepts fast-forwards
// only, ends at the device's head with every commit, in order, none refused.
import assert from "node:assert/strict";
import { test } from "node:test";
import nacl from "tweetnacl";
import { signCommit } from "../../host/export/sign.ts";
import { rng } from "../../host/flash/sim.ts";
import { Core } from "../../host/runtime/index.ts";
import { OBJ_COMMIT, OBJ_TREE, SyncSession, SyncStore } from "../../host/sync/core.ts";
import { history } from "../../host/sync/objects.ts";

const enc = new TextEncoder();

for (const [commits, drop] of [
  [1500, 0.1],
  [200, 0.3],
] as const) {
  test(`${commits} pending commits cross a link dropping ${drop * 100}% of messages, in order`, () => {
    const core = new Core("gateway");
    const key = nacl.sign.keyPair();
    const dev = SyncStore.memory(core, 8 << 20, 8);
    const tree = dev.put(OBJ_TREE, new Uint8Array(0));
    let head: string | null = null;
    for (let i = 0; i < commits; i++) {
      const text = `tree ${tree}\n${head ? `parent ${head}\n` : ""}author d <d> ${i} +0000\ncommitter d <d> ${i} +0000\n\nc${i}\n`;
      head = dev.put(OBJ_COMMIT, signCommit(core, enc.encode(text), key.secretKey));
    }
    assert.ok(dev.setRef("main", null, head));
    const gwStore = SyncStore.memory(core, 8 << 20, 8);
    const a = new SyncSession(dev, "device", "d");
    const b = new SyncSession(gwStore, "gateway", "d", ["sensors/d"], 1 << 20); // the gateway's quarantine
    b.setSigner(key.publicKey);
    const random = rng(commits);
    let now = 0;
    for (let round = 0; round < 100_000 && gwStore.ref("devices/d") !== head; round++) {
      let moved = false;
      for (let m = a.take(); m; m = a.take(), moved = true) if (random() >= drop) b.receive(m);
      for (let m = b.take(); m; m = b.take(), moved = true) if (random() >= drop) a.receive(m);
      for (const e of b.events()) assert.ok(e.kind === "received" || e.kind === "synced", JSON.stringify(e));
      if (!moved) {
        now += 1000;
        a.timer(now, 1000);
        b.timer(now, 1000);
      }
    }
    assert.equal(gwStore.ref("devices/d"), head);
    assert.equal(history(gwStore, head).length, commits);
    a.close();
    b.close();
  });
}
