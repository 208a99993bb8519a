// A gateway whose own side fails while serving a device (here its store is
// full: every merge into main fails) ends that connection with the reason
// logged and keeps serving: no exception reaches the transport, and other
// devices still complete their handshakes. The CLI's readers answer a missing
// value with a message, not a stack trace; the store takes an owner's value
// larger than its scratch buffer; a damaged object log stops the start with
// where and why, and is not touched.
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "node:test";
import { decode, encode } from "cbor-x";
import { Gateway } from "../../host/gateway/gateway.ts";
import type { SimDevice } from "../../host/sim/device.ts";
import { getPath, treeOf } from "../../host/sync/objects.ts";
import { Owner } from "../../host/sync/owner.ts";
import { enrolled, link } from "../sync/link.ts";

const owner = Owner.throwaway();

/** A device the gateway has enrolled (before its store fills: enrolling writes a view). */
function device(gw: Gateway, name: string): SimDevice {
  const { dev, cert } = enrolled(owner, name);
  gw.enroll(cert);
  return dev;
}

test("a gateway whose store is full ends that device's connection, logs why, and keeps serving", () => {
  const log: string[] = [];
  const gw = new Gateway({ owner, clock: () => 1_700_000_000, storeBudget: 48 * 1024, log: (l) => log.push(l) });
  const a = device(gw, "a");
  const b = device(gw, "b");
  // Commits of varying size until one is accepted but its merge into main no
  // longer fits: the host-side failure the gateway must contain.
  for (let round = 0; round < 400 && gw.stats.failures === 0; round++) {
    for (let i = 0; i <= round % 7; i++) a.record("temp", [round * 100 + i, i]);
    a.commit();
    link(gw, a);
  }
  assert.equal(gw.stats.failures, 1, log.join("\n"));
  assert.ok(
    log.some((l) => /^session a ended by a gateway failure: .*\(-3\)/.test(l)),
    log.join("\n"),
  );
  // Another device still gets through its handshake to the sync session.
  link(gw, b);
  assert.ok(gw.connection("b") !== undefined || log.some((l) => l.startsWith("session b")), "b was served");
  gw.close();
});

test("an owner's value larger than the host's scratch buffer is stored and read back", () => {
  const gw = new Gateway({ owner, clock: () => 1_700_000_000 });
  const big = new Uint8Array(encode({ table: "x".repeat(20_000) }));
  gw.set("owner/notes", big);
  const got = getPath(gw.store, treeOf(gw.store, gw.store.ref("main")), "owner/notes");
  assert.deepEqual(decode(got as Uint8Array), { table: "x".repeat(20_000) });
  gw.close();
});

test("nymote get of a missing value prints a message, not a stack trace", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-failure-"));
  try {
    const gw = new Gateway({ dataDir: dir, owner, clock: () => 1_700_000_000 });
    gw.set("config/x", new Uint8Array(encode(1)));
    gw.close();
    const r = spawnSync(process.execPath, ["bin/nymote.js", "get", "config/nope", "--data", dir], { encoding: "utf8" });
    assert.equal(r.status, 1);
    assert.equal(r.stderr.trim(), "nymote: no value at config/nope in main");
    const r2 = spawnSync(process.execPath, ["bin/nymote.js", "log", "--data", join(dir, "absent")], { encoding: "utf8" });
    assert.equal(r2.status, 1);
    assert.match(r2.stderr, /^nymote: .* is not a gateway data directory \(no refs\.json\)\n$/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a data directory whose object log holds a damaged record is refused with where and why, and left as it is", () => {
  const dir = mkdtempSync(join(tmpdir(), "nymote-failure-"));
  try {
    const gw = new Gateway({ dataDir: dir, owner, clock: () => 1_700_000_000 });
    gw.set("config/x", new Uint8Array(encode(1)));
    gw.set("config/y", new Uint8Array(encode(2)));
    gw.close();
    const logFile = join(dir, "objects.log");
    const log = readFileSync(logFile);
    // The second record's type byte: not a Git object type.
    const second = 5 + log.readUInt32LE(1);
    const bad = Buffer.from(log);
    bad[second] = 9;
    writeFileSync(logFile, bad);
    assert.throws(
      () => new Gateway({ dataDir: dir }),
      new RegExp(`objects\\.log: the record at byte ${second} \\(type 9, \\d+ bytes\\) cannot be loaded .*left as it is`),
    );
    assert.deepEqual(readFileSync(logFile), bad, "nothing cut or rewritten");
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
