// The same scenario over TCP, an embedded MQTT broker (aedes) and a real
// mosquitto started on a random loopback port: devices sync readings, the
// owner's config reaches them, a hostile device writing outside its
// certificate is refused and cut off while the others keep syncing.
import assert from "node:assert/strict";
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { connect as connectTcp } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { encode } from "cbor-x";
import { Gateway } from "../../host/gateway/gateway.ts";
import { runLive } from "../../host/sim/live.ts";
import { listPaths, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { serveMqtt, startBroker } from "../../host/transport/mqtt.ts";
import { serveTcp } from "../../host/transport/tcp.ts";
import { freePort } from "./net.ts";

const names = ["dev000", "dev001", "dev002", "evil"];

const owner = Owner.throwaway();

function gateway(): Gateway {
  const gw = new Gateway({ owner });
  gw.set("config/all/interval", new Uint8Array(encode(7)));
  return gw;
}

async function scenario(gw: Gateway, url: string): Promise<void> {
  const r = await runLive({
    devices: 4,
    names,
    gateway: url,
    owner,
    gatewayKey: gw.publicKey,
    // The hostile device's certificate allows config/evil only; it writes sensors/evil.
    grant: (name) =>
      name === "evil"
        ? { name, write: ["config/evil"], read: [] }
        : { name, write: [`sensors/${name}`], read: [`config/${name}`, "config/all"] },
    durationMs: 2500,
    seed: 3,
    sampleMs: 200,
    commitMs: 500,
    settleMs: 4000,
  });
  const byName = new Map(r.devices.map((d) => [d.dev.name, d]));
  for (const n of names.slice(0, 3)) {
    const d = byName.get(n);
    assert.ok(d);
    assert.ok(d.dev.commits >= 3, `${n} committed`);
    assert.equal(gw.store.ref(`devices/${n}`), d.dev.head, `${n}: every commit acknowledged`);
    const inMain = listPaths(gw.store, treeOf(gw.store, gw.store.ref("main"))).filter((e) => e.path.startsWith(`sensors/${n}/`));
    assert.ok(inMain.length > 0, `${n}: readings in main`);
    assert.deepEqual(d.dev.get("config/all/interval"), new Uint8Array(encode(7)), `${n}: has the owner's config`);
  }
  const evil = byName.get("evil");
  assert.ok(evil);
  assert.ok(
    evil.dev.log.some((l) => l.includes("outside write prefixes")),
    `evil was told why: ${evil.dev.log.join("; ")}`,
  );
  // Only its first-boot commit (an empty tree, which changes no path) was accepted.
  assert.deepEqual(listPaths(gw.store, treeOf(gw.store, gw.store.ref("devices/evil"))), [], "none of evil's writes stored");
  assert.ok(gw.stats.denied > 0);
}

test("over TCP", async () => {
  const gw = gateway();
  const server = await serveTcp(gw, 0);
  const addr = server.address();
  try {
    await scenario(gw, `tcp://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}`);
  } finally {
    server.close();
    gw.close();
  }
});

test("over MQTT with the embedded broker", async () => {
  const gw = gateway();
  const broker = await startBroker(0);
  const sub = await serveMqtt(gw, broker.url);
  try {
    await scenario(gw, broker.url);
  } finally {
    await sub.close();
    await broker.close();
    gw.close();
  }
});

/** mosquitto lives in /usr/sbin, which is not on every user's PATH; npm test installs it (scripts/system-deps.mjs). */
function mosquittoBinary(): string {
  const found = spawnSync("sh", ["-c", "command -v mosquitto || (test -x /usr/sbin/mosquitto && echo /usr/sbin/mosquitto)"], {
    encoding: "utf8",
  }).stdout.trim();
  if (!found) throw new Error("mosquitto is not installed (Debian package mosquitto; npm test installs it)");
  return found;
}

/** Starts mosquitto on a free loopback port; resolves once it accepts connections, fails with its output if it exits. */
async function startMosquitto(dir: string): Promise<{ proc: ChildProcess; port: number }> {
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    writeFileSync(join(dir, "mosquitto.conf"), `listener ${port} 127.0.0.1\nallow_anonymous true\npersistence false\n`);
    const proc = spawn(mosquittoBinary(), ["-c", join(dir, "mosquitto.conf")], { stdio: ["ignore", "pipe", "pipe"] });
    let output = "";
    proc.stdout?.on("data", (b) => (output += b));
    proc.stderr?.on("data", (b) => (output += b));
    const deadline = Date.now() + 10_000;
    while (proc.exitCode === null && Date.now() < deadline) {
      if (await accepts(port)) return { proc, port };
      await new Promise((r) => setTimeout(r, 100));
    }
    proc.kill("SIGTERM");
    // Another process may have taken the port between freePort and mosquitto's bind.
    if (attempt < 2 && /in use/i.test(output)) continue;
    throw new Error(`mosquitto did not start listening on 127.0.0.1:${port}: ${output.trim() || "no output"}`);
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = connectTcp(port, "127.0.0.1");
    s.once("connect", () => {
      s.destroy();
      resolve(true);
    });
    s.once("error", () => resolve(false));
  });
}

test("over MQTT with a real mosquitto", async () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-mosquitto-"));
  const { proc, port } = await startMosquitto(dir);
  // Whatever fails below, mosquitto is stopped: a live child would keep this file running.
  let gw: Gateway | null = null;
  try {
    gw = gateway();
    const sub = await serveMqtt(gw, `mqtt://127.0.0.1:${port}`);
    try {
      await scenario(gw, `mqtt://127.0.0.1:${port}`);
    } finally {
      await sub.close();
    }
  } finally {
    proc.kill("SIGTERM");
    gw?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});
