// The runner's sync step, natively: an app that starts sync (assembly/sdk/sync.ts)
// is built for the host board, translated by wasm2c and run as a process whose
// byte link is a socket pair (NYMOTE_LINK_FD). Its device identity was enrolled
// by a Node core on the same flash layout (the secret area is written into the
// flash file it boots from). On the other end, a gateway core in Node runs the
// Secret Handshake server and a gateway-role sync session. The device's commits
// must arrive on devices/<name>, the gateway's view on the device's sync/remote,
// and the device must see itself synced and stop; unenrolled, it must say why.
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
import { CoreSession, DeviceIdentity, EV_PEER, enrollCore } from "../../host/identity/device.ts";
import { initIdentity } from "../../host/identity/index.ts";
import { Core, MemoryFlash } from "../../host/runtime/index.ts";
import { SyncSession, SyncStore } from "../../host/sync/core.ts";
import { getPath, setPath, treeOf } from "../../host/sync/objects.ts";

const NAME = "native";

/** An app that commits three readings, syncs them, and stops once the gateway holds its head. */
function appSource(gatewayKey: Uint8Array): string {
  return `import { Store } from "../assembly/sdk";
import { deviceStoreHandle, logInfo } from "../assembly/sdk/app";
import { startSync, syncedHead } from "../assembly/sdk/sync";

const GATEWAY_KEY = memory.data<u8>([${Array.from(gatewayKey).join(", ")}]);
const synced = memory.data(32);
let store: Store | null = null;
let readings = 0;

export function setup(): void {
  const s = Store.fromHandle(deviceStoreHandle());
  if (s == null) return;
  s.setWriter("${NAME}");
  store = s;
  if (startSync(s.handle, GATEWAY_KEY) != 0) logInfo("startSync failed");
}

export function loop(nowMs: i64): i64 {
  const s = store;
  if (s == null) return -1;
  if (readings < 3) {
    s.appendInt("sensors/${NAME}/count", readings++);
    if (s.commit("reading") != 0) logInfo("commit failed");
  } else if (syncedHead(synced) && memory.compare(synced, s.lastCommit, 32) == 0) {
    logInfo("app: synced");
    return -1;
  }
  return nowMs + 20;
}
`;
}

test("a native device syncs with a gateway through the runner's sync step (Secret Handshake + box-stream)", async () => {
  const out = mkdtempSync(join(tmpdir(), "nymote-native-sync-"));
  const board = loadBoard("host");
  const flashBytes = board.flash.data.sizeKiB * 1024;
  const owner = initIdentity({ dir: join(out, "owner") });

  // The device's identity, enrolled in a Node core over the flash layout the native device boots from.
  const devFlash = new MemoryFlash(flashBytes);
  const dev = new DeviceIdentity(new Core("release", { flash: devFlash }));
  dev.init();
  enrollCore(dev, owner, { name: NAME, write: [`sensors/${NAME}`], read: ["config"] });
  writeFileSync(join(out, "nymote-flash.bin"), devFlash.bytes);

  // The gateway: its identity, a store with a view for the device.
  const gw = new DeviceIdentity(new Core("gateway", { flash: new MemoryFlash(64 * 1024) }));
  gw.init();
  enrollCore(gw, owner, { name: "gateway", write: [""], read: [""] });
  const store = SyncStore.memory(gw.core, 1 << 20, 64);
  const viewTree = setPath(store, null, "config/interval", new Uint8Array([0x05]));
  const view = store.commit(viewTree, [], "Owner <owner@nymote.invalid>", 1700000000, "config");
  assert.ok(store.setRef(`views/${NAME}`, null, view));

  mkdirSync(join(out, "app"));
  writeFileSync(join(out, "app/app.ts"), appSource(gw.publicKey()));
  const build = join(out, "build");
  const image = await buildImage({ app: join(out, "app/app.ts"), board, outDir: build });
  for (const e of ["sdk_sync_tick", "sdk_sync_receive", "sdk_sync_take"]) assert.ok(image.manifest.exports.includes(e), e);
  const { elf } = buildNative(board, build);

  const child = spawn(elf, [], {
    cwd: out,
    env: { ...process.env, NYMOTE_FLASH: join(out, "nymote-flash.bin"), NYMOTE_LINK_FD: "3" },
    stdio: ["ignore", "pipe", "pipe", "pipe"],
  });
  const link = child.stdio[3] as Duplex;
  let output = "";
  child.stdout?.on("data", (b) => (output += b));
  child.stderr?.on("data", (b) => (output += b));

  // The gateway's side of the link: handshake server, then one sync session inside it.
  const server = CoreSession.server(gw.core);
  let sync: SyncSession | null = null;
  const flush = () => {
    for (let m = sync?.take(); m; m = sync?.take()) assert.equal(server.write(m), m.length);
    const bytes = server.take();
    if (bytes.length > 0) link.write(bytes);
  };
  link.on("data", (chunk: Buffer) => {
    let rest: Uint8Array = chunk;
    for (;;) {
      const used = server.receive(rest);
      assert.ok(used >= 0, `gateway session failed: ${used}\n${output}`);
      rest = rest.subarray(used);
      for (const ev of server.events()) {
        assert.ok(ev >= 0, `gateway session event ${ev}\n${output}`);
        if (ev !== EV_PEER) continue;
        sync = new SyncSession(store, "gateway", server.remoteName() ?? "?", [`sensors/${NAME}`]);
        sync.setSigner(server.remoteKey() ?? new Uint8Array(32)); // device commits must be signed by its key
      }
      for (let m = server.read(); m.length > 0; m = server.read()) sync?.receive(m);
      if (rest.length === 0 || used === 0) break;
    }
    flush();
  });
  link.on("error", () => {});
  const timer = setInterval(() => {
    sync?.timer(performance.now());
    flush();
  }, 50);
  const status = await new Promise<number | null>((resolve) => {
    const kill = setTimeout(() => child.kill(), 60_000);
    child.on("exit", (code) => {
      clearTimeout(kill);
      resolve(code);
    });
  });
  clearInterval(timer);

  assert.equal(status, 0, output);
  assert.match(output, /app: synced/);
  assert.equal(server.remoteName(), NAME);

  // What the device wrote to its flash: its head is on the gateway, the view in sync/remote.
  const after = new MemoryFlash(flashBytes);
  after.bytes.set(readFileSync(join(out, "nymote-flash.bin")));
  const device = SyncStore.flash(new Core("release", { flash: after }));
  const head = device.ref("main");
  assert.ok(head !== null);
  assert.equal(store.ref(`devices/${NAME}`), head);
  assert.deepEqual(
    getPath(store, treeOf(store, head), `sensors/${NAME}/count`),
    getPath(device, treeOf(device, head), `sensors/${NAME}/count`),
  );
  assert.equal(device.ref("sync/remote"), view);

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
