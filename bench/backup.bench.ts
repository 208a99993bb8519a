// Provenance and backups. Commit signatures made and checked in the core (device
// and gateway builds) against tweetnacl doing the same Ed25519 work over the same
// SSHSIG signed data (plus node's SHA-512 of the commit). Then a full push and a
// full restore of a gateway directory, against what the same bytes cost with
// tools nobody here wrote (tar of the directory, tweetnacl's secretbox).
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import sodium from "sodium-native";
import nacl from "tweetnacl";
import { backupPush, backupRestore } from "../host/backup/backup.ts";
import { openStore } from "../host/export/gateway.ts";
import { signCommit, verifyCommit } from "../host/export/sign.ts";
import { Core } from "../host/runtime/index.ts";
import { buildGateway } from "../tests/provenance/fixture.ts";

/** Best of three runs, in milliseconds (file-system noise only ever adds time). */
function ms(fn: (i: number) => void): number {
  let best = Number.POSITIVE_INFINITY;
  for (let i = 0; i < 3; i++) {
    const t0 = performance.now();
    fn(i);
    best = Math.min(best, performance.now() - t0);
  }
  return best;
}

function opsPerSec(fn: () => void, ms = 400): number {
  for (let i = 0; i < 20; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 10; i++) fn();
    n += 10;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

function signing(): void {
  const commit = new Uint8Array(
    Buffer.from(
      `tree ${"a".repeat(64)}\nparent ${"b".repeat(64)}\nauthor dev <d@nymote> 1700000000 +0000\ncommitter dev <d@nymote> 1700000000 +0000\n\nreadings\n`,
    ),
  );
  const kp = nacl.sign.keyPair();
  // The peer: SHA-512 of the commit, then Ed25519 over the 95-byte SSHSIG signed data.
  const signedData = (c: Uint8Array) =>
    Buffer.concat([
      Buffer.from("SSHSIG\0\0\0\x03git\0\0\0\0\0\0\0\x06sha512\0\0\0\x40", "latin1"),
      createHash("sha512").update(c).digest(),
    ]);
  const sig = nacl.sign.detached(signedData(commit), kp.secretKey);
  const naclSign = opsPerSec(() => nacl.sign.detached(signedData(commit), kp.secretKey));
  const naclVerify = opsPerSec(() => nacl.sign.detached.verify(signedData(commit), sig, kp.publicKey));
  const out = Buffer.alloc(64);
  const sk = Buffer.from(kp.secretKey);
  const pk = Buffer.from(kp.publicKey);
  const sodiumSign = opsPerSec(() => sodium.crypto_sign_detached(out, signedData(commit), sk));
  const sodiumVerify = opsPerSec(() => sodium.crypto_sign_verify_detached(Buffer.from(sig), signedData(commit), pk));
  console.log(
    "| core target | commit bytes | commit_sign ops/s | commit_verify ops/s | tweetnacl sign / verify ops/s | libsodium sign / verify ops/s | sign / tweetnacl | verify / tweetnacl | sign / libsodium | verify / libsodium |",
  );
  console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const target of ["release", "gateway"] as const) {
    const core = new Core(target);
    const signed = signCommit(core, commit, kp.secretKey);
    const s = opsPerSec(() => signCommit(core, commit, kp.secretKey));
    const v = opsPerSec(() => verifyCommit(core, signed, kp.publicKey));
    console.log(
      `| ${target} | ${commit.length} | ${s.toFixed(0)} | ${v.toFixed(0)} | ${naclSign.toFixed(0)} / ${naclVerify.toFixed(0)} | ${sodiumSign.toFixed(0)} / ${sodiumVerify.toFixed(0)} | ${(s / naclSign).toFixed(2)} | ${(v / naclVerify).toFixed(2)} | ${(s / sodiumSign).toFixed(2)} | ${(v / sodiumVerify).toFixed(2)} |`,
    );
  }
  console.log("");
}

export async function run(): Promise<void> {
  signing();
  const root = mkdtempSync(join(tmpdir(), "nymote-bench-backup-"));
  try {
    const unsigned = (c: Uint8Array) => c;
    const h = buildGateway(root, ["a", "b", "c", "d"], 40, unsigned);
    const store = openStore(h.dir);
    const objects = store.ids().length;
    const bytes = store.ids().reduce((n, id) => n + store.read(id).body.length, 0);
    const owner = nacl.randomBytes(32);
    let bundle = 0;
    const push = ms((i) => {
      bundle = backupPush(h.dir, join(root, `target-${i}`), owner).bytes;
    });
    const restore = ms((i) => backupRestore(join(root, "target-0"), join(root, `restored-${i}`), owner));
    const tar = ms(() => execFileSync("tar", ["-cf", join(root, "gw.tar"), "-C", h.dir, "."]));
    const plain = nacl.randomBytes(bundle);
    const box = ms(() => nacl.secretbox(plain, nacl.randomBytes(24), owner));
    console.log(
      "| gateway | objects | value bytes | bundle bytes | push ms | restore ms | tar -cf ms | tweetnacl secretbox ms | push / tar | push / secretbox |",
    );
    console.log("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
    console.log(
      `| 4 devices × 40 commits | ${objects} | ${bytes} | ${bundle} | ${push.toFixed(0)} | ${restore.toFixed(0)} | ${tar.toFixed(0)} | ${box.toFixed(1)} | ${(push / tar).toFixed(1)} | ${(push / box).toFixed(0)} |`,
    );
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}
