// Replication through Git itself: push the exported repository to any remote, and
// pull a remote's branches into a gateway. A pulled branch moves only forward, and
// only when every new commit's SSH signature verifies in the core against a known
// device key (the branch's own device for its head); diverged branches are left
// for the gateway to merge.
import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { resolve } from "node:path";
import type { Core } from "../runtime/instance.ts";
import { git } from "./export-git.ts";
import { openGateway } from "./gateway.ts";
import { verifyCommit } from "./sign.ts";

const REMOTE_NS = "refs/nymote-pull";

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

export function pullRemote(gatewayDir: string, remote: string, core: Core): PullResult {
  const gw = openGateway(gatewayDir);
  const dir = resolve(gatewayDir);
  git(dir, ["-c", "transfer.unpackLimit=2147483647", "fetch", "--quiet", "--no-tags", remote, `+refs/heads/*:${REMOTE_NS}/*`]);
  const result: PullResult = { updated: [], diverged: [], rejected: [] };
  const local = gw.store.refs();
  const fetched = git(dir, ["for-each-ref", "--format=%(refname) %(objectname)", REMOTE_NS])
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => l.split(" ") as [string, string]);
  const keys = new Map(gw.devices.map((d) => [d.name, d.publicKey]));
  for (const [ref, id] of fetched) {
    const branch = ref.slice(REMOTE_NS.length + 1);
    const mine = local.get(branch);
    if (mine === id) continue;
    if (mine !== undefined) {
      try {
        git(dir, ["merge-base", "--is-ancestor", mine, id]);
      } catch {
        result.diverged.push(branch);
        continue;
      }
    }
    const fresh = git(dir, ["rev-list", id, ...(mine ? [`^${mine}`] : [])])
      .split("\n")
      .filter((l) => l.length > 0);
    const reason = checkCommits(gw.store.read.bind(gw.store), fresh, keys, branch, core);
    if (reason) {
      result.rejected.push({ branch, ...reason });
      continue;
    }
    gw.store.setRef(branch, id);
    result.updated.push(branch);
  }
  const leftovers = git(dir, ["for-each-ref", "--format=delete %(refname)", REMOTE_NS]);
  if (leftovers.length > 0) git(dir, ["update-ref", "--stdin"], leftovers);
  return result;
}

/** The first new commit that fails: a device branch's head must be signed by its device; any signed commit by a known device. */
function checkCommits(
  read: (id: string) => { body: Uint8Array },
  commits: string[],
  keys: Map<string, Uint8Array>,
  branch: string,
  core: Core,
): { commit: string; reason: string } | null {
  for (const [i, id] of commits.entries()) {
    const body = read(id).body;
    const signed = Buffer.from(body).includes("\ngpgsig-sha256 ");
    const own = keys.get(branch);
    if (i === 0 && own) {
      if (verifyCommit(core, body, own) !== 0) return { commit: id, reason: `head not signed by device ${branch}` };
      continue;
    }
    if (signed && ![...keys.values()].some((pk) => verifyCommit(core, body, pk) === 0))
      return { commit: id, reason: "signature does not verify against any known device" };
  }
  return null;
}
