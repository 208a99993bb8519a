// `nymote demo` end to end (short): converges, prints the summary, leaves a
// gateway data directory that `nymote log|get|devices` read back.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { readDevices } from "../../host/export/gateway.ts";

const cli = (args: string[]) => spawnSync(process.execPath, ["bin/nymote.js", ...args], { encoding: "utf8" });

test("nymote demo converges and its data directory reads back", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-demo-test-"));
  try {
    const r = cli(["demo", "--devices", "3", "--seconds", "4", "--dir", dir]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stdout, /all converged: yes/);
    assert.match(r.stdout, /device +commits/);
    // The live lines show the fleet keeping up and the owner's change reaching devices.
    assert.match(r.stdout, /all acknowledged on 3\/3 devices/);
    assert.match(r.stdout, /config\/all\/interval on devices: 30 30 30/);
    assert.match(r.stdout, /config\/all\/interval on devices: .*\b10\b/);
    const data = join(dir, "gateway");
    assert.equal(cli(["get", "config/all/interval", "--data", data]).stdout.trim(), "10", "owner's last config value");
    const log = cli(["log", "--data", data, "-n", "5"]);
    assert.equal(log.status, 0, log.stderr);
    assert.match(log.stdout, /merge dev00\d/);
    const devs = cli(["devices", "--data", data]);
    assert.equal(devs.stdout.trim().split("\n").length, 3);
    // Each device's record carries its own Ed25519 key (what its signed commits are checked against).
    const keys = readDevices(data).map((d) => Buffer.from(d.publicKey ?? []).toString("hex"));
    assert.equal(keys.length, 3);
    for (const k of keys) assert.match(k, /^[0-9a-f]{64}$/);
    assert.equal(new Set(keys).size, 3, "distinct device keys");
    for (const k of keys) assert.match(devs.stdout, new RegExp(`key ${k.slice(0, 16)}`));
    const reading = JSON.parse(cli(["get", "sensors/dev001/temp", "--data", data]).stdout) as [number, number][];
    assert.ok(reading.length > 0 && typeof reading[0]?.[1] === "number", "temperature readings reached main");
    const t = reading[0]?.[0] ?? 0;
    assert.ok(Math.abs(t - Date.now()) < 10 * 60_000, `readings carry the wall clock in Unix ms (${t})`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
