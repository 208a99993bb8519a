// `nymote set`: the owner's writes on a gateway's main. Through the real
// `nymote gateway` process (a child) and its control socket, reaching a
// simulated device over TCP; directly in the data directory when no gateway
// runs, under the directory's lock; a second gateway on the same directory is
// refused, a SIGKILLed one's lock and socket are taken over; values a device
// could not store are refused at the gateway (the bound cross-checked against
// the device core); bad values and paths are refused with nothing written.
import assert from "node:assert/strict";
import { type ChildProcess, spawn } from "node:child_process";
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { type TestContext, test } from "node:test";
import { decode, encode } from "cbor-x";
import { DEVICE_OBJECT_MAX, Gateway } from "../../host/gateway/gateway.ts";
import { initIdentity } from "../../host/identity/keys.ts";
import { NymoteError } from "../../host/runtime/errors.ts";
import { SimDevice } from "../../host/sim/device.ts";
import { getPath, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { type DeviceLink, dialTcp } from "../../host/transport/tcp.ts";
import { freePort } from "./net.ts";

const BIN = join(import.meta.dirname, "..", "..", "bin", "nymote.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs the CLI as a child without blocking this process's event loop (devices keep syncing meanwhile). */
function nymote(args: string[]): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [BIN, ...args], { stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    p.stdout.on("data", (b) => (stdout += b));
    p.stderr.on("data", (b) => (stderr += b));
    p.once("error", reject);
    p.once("close", (code) => resolve({ code, stdout, stderr }));
  });
}

async function ok(args: string[]): Promise<string> {
  const r = await nymote(args);
  assert.equal(r.code, 0, `nymote ${args.join(" ")}: ${r.stderr}`);
  return r.stdout.trim();
}

async function fails(args: string[], message: RegExp): Promise<string> {
  const r = await nymote(args);
  assert.notEqual(r.code, 0, `nymote ${args.join(" ")} should fail; printed ${r.stdout}`);
  assert.match(r.stderr, message, `nymote ${args.join(" ")}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /, "a refusal is a message, not a stack trace");
  return r.stderr;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, done: () => boolean, ms = 20_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (!done()) {
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await sleep(20);
  }
}

/** A scratch folder removed after the test, and every child killed whatever happens. */
function scratch(t: TestContext, name: string): { root: string; children: ChildProcess[] } {
  const root = mkdtempSync(join(tmpdir(), `nymote-set-${name}-`));
  const children: ChildProcess[] = [];
  const killAll = () => {
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill("SIGKILL");
  };
  process.once("exit", killAll);
  t.after(() => {
    process.off("exit", killAll);
    killAll();
    rmSync(root, { recursive: true, force: true });
  });
  return { root, children };
}

/** Starts `nymote gateway` on data; resolves once it serves, with its output so far. */
async function startGateway(
  children: ChildProcess[],
  data: string,
  extra: string[] = [],
): Promise<{ proc: ChildProcess; out: () => string }> {
  const args = [BIN, "gateway", "--data", data, "--port", String(await freePort()), "--mqtt-port", String(await freePort()), ...extra];
  const proc = spawn(process.execPath, args, { stdio: ["ignore", "pipe", "pipe"] });
  children.push(proc);
  let out = "";
  proc.stdout?.on("data", (b) => (out += b));
  proc.stderr?.on("data", (b) => (out += b));
  await until("the gateway to serve", () => {
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(`the gateway exited (${proc.exitCode ?? proc.signalCode}): ${out}`);
    return out.includes("gateway: MQTT topics");
  });
  return { proc, out: () => out };
}

async function stop(proc: ChildProcess, signal: NodeJS.Signals): Promise<number | null> {
  if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
  const exited = new Promise<number | null>((r) => proc.once("exit", (code) => r(code)));
  proc.kill(signal);
  return exited;
}

/** The TCP port the gateway printed. */
function tcpPort(out: string): number {
  const m = /tcp:\/\/[^:]+:(\d+)/.exec(out);
  assert.ok(m, `the gateway names its TCP port: ${out}`);
  return Number(m[1]);
}

/** A simulated device dialing the gateway over TCP, its timers driven every 10 ms. */
function online(t: TestContext, dev: SimDevice, port: number, gatewayKey: Uint8Array): { link: () => DeviceLink | null } {
  const t0 = Date.now();
  let link: DeviceLink | null = null;
  const l = dialTcp(
    "127.0.0.1",
    port,
    (b) => dev.receive(b),
    () => {
      if (link === l) link = null;
      dev.disconnect();
    },
  );
  link = l;
  dev.connect((b) => l.send(b), gatewayKey, { nowMs: 0, ended: () => l.close() });
  const ticker = setInterval(() => dev.timer(Date.now() - t0, 300), 10);
  t.after(() => {
    clearInterval(ticker);
    l.close();
  });
  return { link: () => link };
}

const deviceValue = (dev: SimDevice, path: string): unknown => {
  const v = dev.get(path);
  return v === null ? undefined : decode(v);
};

test("through the running gateway: the value reaches an enrolled device, nymote get reads it; oversized and malformed values are refused", async (t) => {
  const { root, children } = scratch(t, "daemon");
  const ownerDir = join(root, "owner");
  const data = join(root, "gateway");
  const id = initIdentity({ dir: ownerDir });
  const owner = Owner.of(id);
  const kitchen = new SimDevice({ name: "kitchen", seed: 71 });
  kitchen.enroll(
    id.publicKey,
    id.networkKey,
    owner.issue(new Uint8Array(Buffer.from(kitchen.publicKey, "hex")), {
      name: "kitchen",
      write: ["sensors/kitchen"],
      read: ["config/kitchen"],
    }),
  );
  // hall reads all of config; kitchenette's prefix shares kitchen's first letters but not its segment.
  const certs = [
    { name: "kitchen", read: ["config/kitchen"] },
    { name: "hall", read: ["config"] },
    { name: "kitchenette", read: ["config/kitchenette"] },
  ].map(({ name, read }) => {
    const file = join(root, `${name}.cose`);
    const key = name === "kitchen" ? Buffer.from(kitchen.publicKey, "hex") : Buffer.alloc(32, name.length);
    writeFileSync(file, owner.issue(new Uint8Array(key), { name, write: [`sensors/${name}`], read }));
    return file;
  });
  const gw = await startGateway(children, data, ["--owner", ownerDir, "--enroll", ...certs]);
  const sock = join(data, "gateway.sock");
  assert.equal(statSync(sock).mode & 0o777, 0o600, "only the owner's user may connect to the control socket");
  assert.equal(readFileSync(join(data, "gateway.lock"), "utf8").split(" ")[0], String(gw.proc.pid), "the lock names the daemon");

  const gatewayKey = new Uint8Array(Buffer.from(readFileSync(join(data, "gateway.pub"), "utf8").trim(), "hex"));
  online(t, kitchen, tcpPort(gw.out()), gatewayKey);
  await until("kitchen's first commit to be acknowledged", () => kitchen.acked !== null && kitchen.acked === kitchen.head);
  assert.equal(deviceValue(kitchen, "config/kitchen/interval"), undefined);

  // (a) nymote set through the daemon: it answers with main's new commit, the device merges the value.
  const commit = await ok(["set", "config/kitchen/interval", "15", "--data", data]);
  assert.match(commit, /^[0-9a-f]{64}$/);
  // On main, owner as author (the device's merge of it may follow).
  assert.match(
    await ok(["log", "--data", data, "-n", "5"]),
    new RegExp(`^${commit.slice(0, 12)} .* owner +set config/kitchen/interval$`, "m"),
  );
  await until("kitchen to merge the owner's interval", () => deviceValue(kitchen, "config/kitchen/interval") === 15);
  assert.equal(await ok(["get", "config/kitchen/interval", "--data", data]), "15");
  // A structured value: stored as deterministic CBOR (keys sorted), decoded the same by cbor-x.
  await ok(["set", "config/kitchen/mode", '{"z":[1,2.5,"x"],"a":{"on":true}}', "--data", data]);
  await until("kitchen to merge the owner's mode", () => kitchen.get("config/kitchen/mode") !== null);
  assert.deepEqual(deviceValue(kitchen, "config/kitchen/mode"), { a: { on: true }, z: [1, 2.5, "x"] });
  assert.deepEqual(Object.keys(deviceValue(kitchen, "config/kitchen/mode") as object), ["a", "z"], "map keys in canonical order");

  // (c) a second gateway on the same directory refuses to start, naming the running one's pid.
  const second = await nymote(["gateway", "--data", data, "--port", String(await freePort()), "--mqtt-port", String(await freePort())]);
  assert.notEqual(second.code, 0);
  assert.match(second.stderr, new RegExp(`in use by a running nymote gateway \\(pid ${gw.proc.pid}\\)`));
  assert.ok(existsSync(sock), "the running gateway keeps its control socket");

  // (d) a value larger than a device can store under paths devices read: refused, naming them; nothing written.
  const big = join(root, "big.cbor");
  writeFileSync(big, encode(new Uint8Array(DEVICE_OBJECT_MAX)));
  const refused = await fails(
    ["set", "config/kitchen/blob", "--file", big, "--data", data],
    /larger than a device can store \(3904 bytes\)/,
  );
  assert.match(refused, /kitchen \(reads config\/kitchen\)/);
  assert.match(refused, /hall \(reads config\)/);
  assert.doesNotMatch(refused, /kitchenette/);
  assert.match(await fails(["set", "config/hall/blob", "--file", big, "--data", data], /hall/), /nothing written/);
  const none = await nymote(["get", "config/kitchen/blob", "--data", data]);
  assert.ok(none.code !== 0 && none.stderr.includes("no value at config/kitchen/blob"), none.stderr);
  assert.doesNotMatch(await ok(["log", "--data", data, "-n", "50"]), /blob/, "nothing written");
  // No device reads archive/: stored there.
  await ok(["set", "archive/blob", "--file", big, "--data", data]);
  assert.ok((await ok(["get", "archive/blob", "--data", data])).length > DEVICE_OBJECT_MAX);

  // (e) malformed values and paths: an error, a non-zero exit, nothing written.
  await fails(["set", "config/kitchen/interval", "{15", "--data", data], /not JSON/);
  await fails(["set", "config/kitchen/interval", "text", "--data", data], /not JSON.*needs quotes/);
  await fails(["set", "config/../kitchen", "1", "--data", data], /not a store path/);
  await fails(["set", "config/kitchen", "1", "--data", data], /holds a tree/);
  const loose = join(root, "loose.cbor");
  writeFileSync(loose, Buffer.from("b90002616201616102", "hex")); // {"b":1,"a":2} as cbor-x writes it: neither shortest nor sorted
  await fails(["set", "config/kitchen/x", "--file", loose, "--data", data], /not one deterministic CBOR item/);
  await fails(["set", "config/kitchen/x", "1", "--file", loose, "--data", data], /either a JSON value or --file/);
  assert.equal(await ok(["get", "config/kitchen/interval", "--data", data]), "15");
  assert.doesNotMatch(await ok(["log", "--data", data, "-n", "50"]), /set config\/kitchen\/x|set config\/\.\./, "nothing written");
  assert.equal(deviceValue(kitchen, "config/kitchen/interval"), 15);

  assert.equal(await stop(gw.proc, "SIGTERM"), 0, "the gateway stops cleanly");
  assert.ok(!existsSync(sock), "the control socket is removed on shutdown");
  assert.ok(!existsSync(join(data, "gateway.lock")), "the lock is released on shutdown");
});

test("no gateway running: nymote set writes under the lock, a gateway started afterwards serves it; stale locks and sockets are taken over", async (t) => {
  const { root, children } = scratch(t, "direct");
  const ownerDir = join(root, "owner");
  const data = join(root, "gateway");
  initIdentity({ dir: ownerDir });
  // A certified gateway data directory that has never run as a daemon.
  const first = await startGateway(children, data, ["--owner", ownerDir]);
  assert.equal(await stop(first.proc, "SIGTERM"), 0);

  // (b) direct write: durable, read back, kept by the next gateway.
  const c1 = await ok(["set", "config/all/interval", "30", "--data", data]);
  assert.match(c1, /^[0-9a-f]{64}$/);
  assert.ok(!existsSync(join(data, "gateway.lock")), "nymote set releases the lock");
  assert.equal(await ok(["get", "config/all/interval", "--data", data]), "30");
  const gw = await startGateway(children, data);
  assert.equal(await ok(["get", "config/all/interval", "--data", data]), "30");
  // Through the gateway now (direct would meet its lock): main continues from the direct write.
  const c2 = await ok(["set", "config/all/name", '"porch"', "--data", data]);
  assert.match(await ok(["log", "--data", data, "-n", "2"]), new RegExp(`^${c2.slice(0, 12)} .*\\n${c1.slice(0, 12)} `));

  // (c) SIGKILLed: its lock (dead pid) and socket stay behind; nymote set takes the lock over and writes directly.
  await stop(gw.proc, "SIGKILL");
  assert.ok(
    existsSync(join(data, "gateway.lock")) && existsSync(join(data, "gateway.sock")),
    "a killed gateway leaves its lock and socket",
  );
  // A reader never writes: the torn tail of a write in progress is left for the next writer to cut.
  const log = join(data, "objects.log");
  appendFileSync(log, Buffer.from([1, 200, 0, 0, 0, 0xa1]));
  const size = statSync(log).size;
  assert.equal(await ok(["get", "config/all/name", "--data", data]), '"porch"');
  assert.equal(statSync(log).size, size, "nymote get left objects.log as it was");
  // A backup of the directory skips the (stale) socket and the lock.
  const key = join(root, "owner.secret");
  writeFileSync(key, Buffer.alloc(32, 7).toString("hex"));
  assert.match(await ok(["backup", "push", "--dir", data, "--key", key, join(root, "backup")]), /^bundle 1: /);
  await ok(["set", "config/all/interval", "-45", "--data", data]);
  // Readable only if the writer cut the torn record first (its length field would swallow what follows).
  assert.equal(await ok(["get", "config/all/interval", "--data", data]), "-45");
  // A gateway takes over a stale lock too, and replaces the stale socket.
  const dead = spawn(process.execPath, ["-e", ""]);
  await new Promise((r) => dead.once("exit", r));
  writeFileSync(join(data, "gateway.lock"), `${dead.pid} gateway\n`);
  const again = await startGateway(children, data);
  assert.equal(readFileSync(join(data, "gateway.lock"), "utf8").split(" ")[0], String(again.proc.pid));
  assert.equal(await ok(["get", "config/all/name", "--data", data]), '"porch"');
  await ok(["set", "config/all/interval", "60", "--data", data]);
  assert.equal(await stop(again.proc, "SIGTERM"), 0);
  assert.equal(await ok(["get", "config/all/interval", "--data", data]), "60");

  // A lock held by a live process that is not a gateway (this test, as nymote set would be): refused, naming the pid.
  writeFileSync(join(data, "gateway.lock"), `${process.pid} set\n`);
  await fails(["gateway", "--data", data], new RegExp(`in use by nymote set \\(pid ${process.pid}\\)`));
  rmSync(join(data, "gateway.lock"));
});

test("Gateway.set refuses a value a reading device could not store; the bound is the device core's", () => {
  const owner = Owner.throwaway();
  const gw = new Gateway({ owner });
  try {
    const dev = new SimDevice({ name: "kitchen", seed: 5 });
    gw.enroll(
      owner.issue(new Uint8Array(Buffer.from(dev.publicKey, "hex")), {
        name: "kitchen",
        write: ["sensors/kitchen"],
        read: ["config/kitchen"],
      }),
    );
    gw.enroll(owner.issue(new Uint8Array(32).fill(9), { name: "all", write: [], read: [""] }));
    const at = DEVICE_OBJECT_MAX;
    // The device core stores a value of DEVICE_OBJECT_MAX bytes and refuses one byte more.
    dev.data.set("sensors/kitchen/fits", new Uint8Array(at));
    assert.throws(
      () => dev.data.set("sensors/kitchen/over", new Uint8Array(at + 1)),
      (e: unknown) => e instanceof NymoteError && e.codeName === "E_LIMIT",
    );
    const main = gw.store.ref("main");
    assert.throws(
      () => gw.set("config/kitchen/blob", new Uint8Array(at + 1)),
      /kitchen \(reads config\/kitchen\), all \(reads everything\) may read it; nothing written/,
    );
    assert.equal(gw.store.ref("main"), main, "nothing written");
    gw.set("config/kitchen/blob", new Uint8Array(at));
    assert.equal(
      getPath(gw.store, treeOf(gw.store, gw.store.ref("views/kitchen")), "config/kitchen/blob")?.length,
      at,
      "the largest value reaches the view",
    );
  } finally {
    gw.close();
  }
});
