// The runner's sync step, natively: an app that starts sync (assembly/sdk/sync.ts)
// is built for the host board, translated by wasm2c and run as a process whose
// byte link is a socket pair (NYMOTE_LINK_FD). Its device identity was enrolled
// by a Node core on the same flash layout (the secret area is written into the
// flash file it boots from). On the other end is the real gateway (host/gateway:
// Secret Handshake server, certificate check, sync, merge into main). The
// device's commits must arrive on devices/<name> and in main, the gateway's view
// in the device's sync/remote, and the device must see itself synced and stop;
// unenrolled, it must say why.
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { Duplex } from "node:stream";
import { test } from "node:test";
import { loadBoard } from "../../host/build/boards.ts";
import { buildImage } from "../../host/build/image.ts";
import { buildNative } from "../../host/build/native.ts";
import { Gateway } from "../../host/gateway/gateway.ts";
import { DeviceIdentity } from "../../host/identity/device.ts";
import { Core, check, MemoryFlash } from "../../host/runtime/index.ts";
import { CoreStore } from "../../host/store/index.ts";
import { SyncStore } from "../../host/sync/core.ts";
import { getPath, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";

const NAME = "native";
/** A PN counter both sides step while apart: in the device's write and read prefixes. */
const SHARED = `shared/${NAME}/hits`;
const DEVICE_STEP = 2;
const OWNER_STEP = 5;

/** The bytes of a PN counter holding writer's delta (the store's own encoding). */
function counterBytes(writer: string, delta: number): Uint8Array {
  const s = CoreStore.openMemory(new Core("release"));
  s.counterAdd("c", new TextEncoder().encode(writer), delta);
  s.commit({ author: "t <t@t>" });
  const v = s.get("c");
  assert.ok(v);
  return v;
}

/** A PN counter's value from its bytes (summing every writer's share, by the store). */
function counterOf(bytes: Uint8Array): bigint {
  const s = CoreStore.openMemory(new Core("release"));
  s.set("c", bytes);
  s.commit({ author: "t <t@t>" });
  return s.counterValue("c");
}

/** An app that commits three readings and a counter step, syncs them, and stops once the gateway holds its main with the owner's view merged in. */
function appSource(gatewayKey: Uint8Array): string {
  return `import { Store } from "../assembly/sdk";
import { deviceStoreHandle, logInfo } from "../assembly/sdk/app";
import { startSync, syncedHead } from "../assembly/sdk/sync";
import { store_ref_get } from "../assembly/store/exports";

const GATEWAY_KEY = memory.data<u8>([${Array.from(gatewayKey).join(", ")}]);
const synced = memory.data(32);
const head = memory.data(32);
const remote = memory.data(32);
let store: Store | null = null;
let readings = 0;

export function setup(): void {
  const s = Store.fromHandle(deviceStoreHandle());
  if (s == null) return;
  s.setWriter("${NAME}");
  store = s;
  if (startSync(s.handle, GATEWAY_KEY) != 0) logInfo("startSync failed");
}

// A ref's id into out (the core's store, as the sync pump moves main).
function headOf(ref: string, out: usize): bool {
  const name = String.UTF8.encode(ref);
  return store_ref_get(deviceStoreHandle(), changetype<usize>(name), name.byteLength, out) == 0;
}

export function loop(nowMs: i64): i64 {
  const s = store;
  if (s == null) return -1;
  if (readings < 3) {
    s.appendInt("sensors/${NAME}/count", readings++);
    if (readings == 1) s.count("${SHARED}", ${DEVICE_STEP});
    if (s.commit("reading") != 0) logInfo("commit failed");
  } else if (syncedHead(synced) && headOf("main", head) && headOf("sync/merged", remote) && memory.compare(synced, head, 32) == 0) {
    logInfo("app: synced");
    return -1;
  }
  return nowMs + 20;
}
`;
}

test("a native device syncs with the gateway through the runner's sync step (Secret Handshake + box-stream)", async () => {
  const out = mkdtempSync(join(tmpdir(), "nymote-native-sync-"));
  const board = loadBoard("host");
  const flashBytes = board.flash.data.sizeKiB * 1024;
  const owner = Owner.throwaway();
  const gw = new Gateway({ owner });
  const interval = new Uint8Array([0x05]); // CBOR 5
  gw.set(`config/${NAME}/interval`, interval);
  gw.set(SHARED, counterBytes("owner", OWNER_STEP));

  // The device's identity, enrolled in a Node core over the flash layout the native device boots from.
  const devFlash = new MemoryFlash(flashBytes);
  const dev = new DeviceIdentity(new Core("release", { flash: devFlash }));
  dev.init();
  const cert = owner.issue(dev.publicKey(), {
    name: NAME,
    write: [`sensors/${NAME}`, `shared/${NAME}`],
    read: [`config/${NAME}`, `shared/${NAME}`],
  });
  check(dev.enroll(owner.publicKey, owner.networkKey, cert), "identity_enroll");
  gw.enroll(cert);
  writeFileSync(join(out, "nymote-flash.bin"), devFlash.bytes);

  mkdirSync(join(out, "app"));
  writeFileSync(join(out, "app/app.ts"), appSource(gw.publicKey));
  const build = join(out, "build");
  const image = await buildImage({ app: join(out, "app/app.ts"), board, outDir: build });
  for (const e of ["sdk_sync_tick", "sdk_sync_receive", "sdk_sync_take"]) assert.ok(image.manifest.exports.includes(e), e);
  const { elf } = buildNative(board, build);

  const child = spawn(elf, [], {
    cwd: out,
    env: { ...process.env, NYMOTE_FLASH: join(out, "nymote-flash.bin"), NYMOTE_LINK_FD: "3" },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const sock = child.stdio[3] as Duplex;
  let output = "";
  child.stdout?.on("data", (b) => (output += b));
  child.stderr?.on("data", (b) => (output += b));
  sock.on("error", () => {});
  // The gateway's end of the link, as its TCP transport wires it.
  const link = gw.accept(
    (b) => !sock.destroyed && sock.write(b),
    () => sock.end(),
  );
  sock.on("data", (b: Buffer) => link.receive(new Uint8Array(b)));
  const timer = setInterval(() => link.timer(performance.now()), 50);
  const status = await new Promise<number | null>((resolve) => {
    const kill = setTimeout(() => child.kill(), 60_000);
    child.on("exit", (code) => {
      clearTimeout(kill);
      resolve(code);
    });
  });
  clearInterval(timer);
  link.close();

  assert.equal(status, 0, `${output}\ngateway refusals: ${gw.refusals.join("; ")}`);
  assert.match(output, /app: synced/);
  assert.deepEqual(gw.refusals, []);

  // What the device wrote to its flash: its head is on the gateway and merged
  // into main; the gateway's view is in sync/remote.
  const after = new MemoryFlash(flashBytes);
  after.bytes.set(readFileSync(join(out, "nymote-flash.bin")));
  const device = SyncStore.flash(new Core("release", { flash: after }));
  const head = device.ref("main");
  assert.ok(head !== null);
  assert.equal(gw.store.ref(`devices/${NAME}`), head);
  const count = getPath(device, treeOf(device, head), `sensors/${NAME}/count`);
  assert.ok(count !== null && count.length > 0);
  assert.deepEqual(getPath(gw.store, treeOf(gw.store, gw.store.ref("main")), `sensors/${NAME}/count`), count);
  assert.equal(device.ref("sync/remote"), gw.store.ref(`views/${NAME}`));
  assert.deepEqual(getPath(device, treeOf(device, device.ref("sync/remote")), `config/${NAME}/interval`), interval);
  // The view is merged into the device's main (assembly/sync/view.ts): the
  // owner's config is read from main, the counter both sides stepped holds both
  // steps, and the merge commit is signed by the device (the gateway took it).
  assert.equal(device.ref("sync/merged"), device.ref("sync/remote"));
  assert.deepEqual(getPath(device, treeOf(device, head), `config/${NAME}/interval`), interval);
  const hits = getPath(device, treeOf(device, head), SHARED);
  assert.ok(hits);
  assert.equal(counterOf(hits), BigInt(DEVICE_STEP + OWNER_STEP));

  // The same image on a device that was never enrolled: no session opens, the
  // image says why (E_STATE), sends nothing, and the runner keeps looping.
  const blank = join(out, "blank");
  mkdirSync(blank);
  const lonely = spawn(elf, [], {
    cwd: blank,
    env: { ...process.env, NYMOTE_FLASH: join(blank, "nymote-flash.bin"), NYMOTE_LINK_FD: "3" },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  let said = "";
  let sent = 0;
  lonely.stderr?.on("data", (b) => (said += b));
  (lonely.stdio[3] as Duplex).on("data", (b: Buffer) => (sent += b.length));
  await new Promise((r) => setTimeout(r, 1500));
  lonely.kill();
  await new Promise((r) => lonely.on("exit", r));
  assert.match(said, /sync: cannot open a session \(enrolled\?\) \(-14\)/);
  assert.equal(sent, 0);
});
