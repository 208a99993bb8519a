// The compact wire form of commits (docs/sync.md "Commit records"), checked
// from both ends against a decoder written here from the docs: what a sending
// session puts on the wire rebuilds to the stored commit byte for byte (and is
// sent whole exactly when the docs say so), and a receiving gateway files the
// commit under the id node:crypto computes from the full Git text. A record
// rebuilt with another key than the signer's never passes for the commit.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import fc from "fast-check";
import nacl from "tweetnacl";
import { signCommit } from "../../host/export/sign.ts";
import { Core } from "../../host/runtime/index.ts";
import { MSG_MAX, OBJ_COMMIT, OBJ_TREE, type SyncEvent, SyncSession, SyncStore } from "../../host/sync/core.ts";
import { ascii, cat, gitId, REC_COMMIT_WIRE, rebuild, records, SYNC_VERSION } from "./wire.ts";

const E_AUTH = (JSON.parse(readFileSync("bindings/abi/core.json", "utf8")).errors as { code: number; name: string }[]).find(
  (e) => e.name === "E_AUTH",
)?.code;
const RUNS = Number(process.env.NYMOTE_PROPERTY_RUNS ?? 60);
const core = new Core("gateway");

// ---------------------------------------------------------------- sessions

/** Frees a store's handle (the core has a few). */
function close(store: SyncStore): void {
  assert.equal(core.call("store_close", store.handle), 0);
}

/** A device session pushing `main` of store to a gateway session; the device's messages and the gateway's events. */
function push(store: SyncStore, signer: Uint8Array): { sent: Uint8Array[]; events: SyncEvent[] } {
  const gwStore = SyncStore.memory(core, 1 << 16, 8);
  const dev = new SyncSession(store, "device", "d");
  const gw = new SyncSession(gwStore, "gateway", "d", ["sensors/d"]);
  gw.setSigner(signer);
  const sent: Uint8Array[] = [];
  const events: SyncEvent[] = [];
  for (let busy = true, i = 0; busy && i < 100; i++) {
    busy = false;
    for (let m = dev.take(); m; m = dev.take(), busy = true) {
      sent.push(m);
      gw.receive(m);
    }
    for (let m = gw.take(); m; m = gw.take(), busy = true) dev.receive(m);
    events.push(...gw.events());
  }
  dev.close();
  gw.close();
  close(gwStore);
  close(store);
  return { sent, events };
}

interface Shape {
  parents: number;
  author: Uint8Array;
  committer: Uint8Array | null; // null: the author again
  signed: boolean;
  extraHeader: boolean;
  message: Uint8Array;
}

const line = fc.uint8Array({ maxLength: 300 }).map((b) => b.map((x) => (x === 0x0a ? 0x20 : x)));
const shape: fc.Arbitrary<Shape> = fc.record({
  parents: fc.integer({ min: 0, max: 2 }),
  author: line,
  committer: fc.option(line),
  signed: fc.boolean(),
  extraHeader: fc.boolean(),
  message: fc.uint8Array({ maxLength: 600 }),
});

function commitText(s: Shape, tree: string, parents: string[]): Uint8Array {
  return cat(
    ascii(`tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join("")}author `),
    s.author,
    ascii("\ncommitter "),
    s.committer ?? s.author,
    ascii(s.extraHeader ? "\nencoding ISO-8859-1\n\n" : "\n\n"),
    s.message,
  );
}

/** A store whose main is a commit of the given shape over the empty tree, on signed root commits. */
function storeWith(s: Shape, key: nacl.SignKeyPair): { store: SyncStore; body: Uint8Array; id: string } {
  const store = SyncStore.memory(core, 1 << 16, 8);
  const tree = store.put(OBJ_TREE, new Uint8Array(0));
  const roots = [0, 1].slice(0, s.parents).map((i) => {
    const root = signCommit(core, ascii(`tree ${tree}\nauthor r <r> ${i} +0000\ncommitter r <r> ${i} +0000\n\nroot\n`), key.secretKey);
    return store.put(OBJ_COMMIT, root);
  });
  const plain = commitText(s, tree, roots);
  const body = s.signed ? signCommit(core, plain, key.secretKey) : plain;
  const id = store.put(OBJ_COMMIT, body);
  assert.equal(id, gitId(body));
  assert.ok(store.setRef("main", null, id));
  return { store, body, id };
}

test("a sent commit rebuilds byte for byte, and goes whole exactly when it has another shape", () => {
  let compact = 0;
  fc.assert(
    fc.property(shape, fc.uint8Array({ minLength: 32, maxLength: 32 }), (s, seed) => {
      const key = nacl.sign.keyPair.fromSeed(seed);
      const { store, body } = storeWith(s, key);
      const recs = records(push(store, key.publicKey).sent);
      const mine = recs.filter(
        ([t, b]) => (t === OBJ_COMMIT ? gitId(b) : t === REC_COMMIT_WIRE ? gitId(rebuild(b, key.publicKey)) : "") === gitId(body),
      );
      assert.equal(mine.length, 1, "the commit went out once");
      const [type, rec] = mine[0] as [number, Uint8Array];
      const fits = s.author.length <= 255 && (s.committer?.length ?? 0) <= 255 && !s.extraHeader;
      assert.equal(type, fits ? REC_COMMIT_WIRE : OBJ_COMMIT);
      if (type === REC_COMMIT_WIRE) {
        compact++;
        assert.deepEqual(rebuild(rec, key.publicKey), body);
        // Saved: hex and keywords of the ids, flags added, "author " and "\n", the committer line
        // (or its keyword and newline), the armor around the signature, the blank line.
        const same = s.committer === null || Buffer.compare(s.committer, s.author) === 0;
        const saved = 38 + 40 * s.parents - 1 + 7 + (same ? 11 + s.author.length : 10) + (s.signed ? 249 : 0) + 1;
        assert.equal(rec.length, body.length - saved);
      }
    }),
    { numRuns: RUNS },
  );
  assert.ok(compact > RUNS / 4, "the property reached the compact form");
});

test("a gateway files a compact commit under the id of its full text; another key rebuilds another commit", () => {
  fc.assert(
    fc.property(shape, fc.boolean(), (s, wrongKey) => {
      const key = nacl.sign.keyPair();
      const { store, id } = storeWith({ ...s, signed: true, extraHeader: false, parents: Math.min(s.parents, 1) }, key);
      const { events } = push(store, wrongKey ? nacl.sign.keyPair().publicKey : key.publicKey);
      const received = events.filter((e) => e.kind === "received").map((e) => (e as { id: string }).id);
      if (!wrongKey) {
        assert.ok(received.includes(id), "the gateway accepted the commit under its own id");
        return;
      }
      const denied = events.find((e) => e.kind === "denied") as { code: number; id: string } | undefined;
      assert.ok(denied, "another key: refused");
      assert.equal(denied.code, E_AUTH);
      assert.ok(!received.includes(id));
    }),
    { numRuns: RUNS },
  );
});

test("malformed compact records end the session with an error, never a trap", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 700 }), fc.boolean(), (junk, signedFlag) => {
      const gwStore = SyncStore.memory(core, 1 << 16, 8);
      const gw = new SyncSession(gwStore, "gateway", "d", ["sensors/d"]);
      const rec = junk.length > 0 && signedFlag ? junk.map((b, i) => (i === 0 ? b | 0x20 : b)) : junk;
      const hello = new Uint8Array(68);
      hello.set([1, SYNC_VERSION, 0, 0]);
      gw.receive(hello);
      const msg = cat(Uint8Array.of(2, REC_COMMIT_WIRE, rec.length >> 8, rec.length & 255), rec).subarray(0, MSG_MAX);
      const rc = gw.receive(msg);
      assert.ok(rc <= 0);
      // Nothing was filed: the device branch does not exist.
      assert.equal(gwStore.ref("devices/d"), null);
      gw.close();
      close(gwStore);
    }),
    { numRuns: RUNS * 4 },
  );
});
