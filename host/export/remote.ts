// Replication through Git itself: push the exported repository to any remote, and
// pull a remote's branches into a gateway. A pulled branch moves only forward, and
// only when every new commit's SSH signature verifies in the core against a known
// device key (the branch's own device for its head); diverged branches are left
// for the gateway to merge.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Core } from "../runtime/instance.ts";
import { exportedBranches, git } from "./export-git.ts";
import { openGateway } from "./gateway.ts";
import { closure, LooseRepo } from "./loose.ts";
import { verifyCommit } from "./sign.ts";

function isPath(remote: string): boolean {
  return !/^[a-z][a-z0-9+.-]*:\/\//i.test(remote) && !/^[^/]+@[^/]+:/.test(remote);
}

/** Pushes every branch (fast-forward only); a remote path that does not exist becomes a bare SHA-256 repository. */
export function pushRemote(repo: string, remote: string): void {
  if (isPath(remote) && !existsSync(remote))
    execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", "--initial-branch=main", resolve(remote)], {
      stdio: "pipe",
    });
  git(resolve(repo), ["push", "--quiet", remote, "refs/heads/*:refs/heads/*"]);
}

export interface PullResult {
  /** Branches moved forward. */
  updated: string[];
  /** Branches where local and remote diverged (left for a merge). */
  diverged: string[];
  /** Branches refused because a new commit's signature does not verify. */
  rejected: { branch: string; commit: string; reason: string }[];
}

/**
 * Fetches the remote's branches into a scratch repository, then for each branch
 * that is new or a fast-forward of the gateway's: checks every commit the gateway
 * does not have yet, copies the objects in (children first) and moves the branch.
 */
export function pullRemote(gatewayDir: string, remote: string, core: Core): PullResult {
  const gw = openGateway(gatewayDir);
  const scratch = mkdtempSync(join(tmpdir(), "nymote-pull-"));
  try {
    execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", scratch], { stdio: "pipe" });
    git(scratch, ["-c", "transfer.unpackLimit=2147483647", "fetch", "--quiet", "--no-tags", remote, "+refs/heads/*:refs/heads/*"]);
    const fetched = new LooseRepo(scratch);
    const result: PullResult = { updated: [], diverged: [], rejected: [] };
    const local = gw.store.refs();
    const keys = new Map(gw.devices.flatMap((d) => (d.publicKey ? [[d.name, d.publicKey] as const] : [])));
    for (const [branch, id] of exportedBranches(fetched.refs())) {
      const mine = local.get(branch);
      if (mine === id) continue;
      if (mine !== undefined && (!fetched.has(mine) || !isAncestor(scratch, mine, id))) {
        result.diverged.push(branch);
        continue;
      }
      const unknown = (list: string) => list.split("\n").filter((c) => c.length > 0 && !gw.store.has(c));
      const fresh = unknown(git(scratch, ["rev-list", id]));
      // A device signs every commit it makes: its branch's first-parent chain.
      const own = new Set(unknown(git(scratch, ["rev-list", "--first-parent", id])));
      const device = branch.startsWith("devices/") ? branch.slice("devices/".length) : branch;
      const reason = checkCommits(fetched, fresh, own, keys, device, core);
      if (reason) {
        result.rejected.push({ branch, ...reason });
        continue;
      }
      for (const oid of closure(fetched, [id], (x) => gw.store.has(x))) {
        const o = fetched.read(oid);
        gw.store.write(o.type, o.body);
      }
      gw.store.flush();
      gw.store.setRef(branch, id);
      result.updated.push(branch);
    }
    return result;
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

function isAncestor(gitDir: string, a: string, b: string): boolean {
  return spawnSync("git", ["--git-dir", gitDir, "merge-base", "--is-ancestor", a, b]).status === 0;
}

/**
 * The first new commit that fails: on a known device's branch every commit of
 * its own (the first-parent chain) must be signed by that device; any other
 * commit that carries a signature (e.g. a view the device merged is the
 * gateway's, unsigned), by a known device.
 */
function checkCommits(
  repo: LooseRepo,
  commits: string[],
  ownChain: Set<string>,
  keys: Map<string, Uint8Array>,
  device: string,
  core: Core,
): { commit: string; reason: string } | null {
  const own = keys.get(device);
  for (const id of commits) {
    const body = repo.read(id).body;
    if (own && ownChain.has(id)) {
      if (verifyCommit(core, body, own) !== 0) return { commit: id, reason: `commit not signed by device ${device}` };
      continue;
    }
    if (Buffer.from(body).includes("\ngpgsig-sha256 ") && ![...keys.values()].some((pk) => verifyCommit(core, body, pk) === 0))
      return { commit: id, reason: "signature does not verify against any known device" };
  }
  return null;
}
