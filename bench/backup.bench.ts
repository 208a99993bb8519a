// Backups: a full push and a full restore of a gateway directory, against what
// the same bytes cost with tools nobody here wrote (tar of the directory, and
// tweetnacl's secretbox over the same plaintext size), measured in one run.
import { execFileSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import nacl from "tweetnacl";
import { backupPush, backupRestore } from "../host/backup/backup.ts";
import { openStore } from "../host/export/gateway.ts";
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

export async function run(): Promise<void> {
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
