// Hex-id views over host/git (the one module that reads and writes repository
// bytes) for export and backup: branches as a name → id map, and the closure of
// a set of heads in an order that keeps every stored object's closure complete.
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import {
  fromHex,
  type GitObject,
  type GitObjectType,
  GitRepo,
  parseCommit,
  parseTree,
  objectId as rawObjectId,
  toHex,
} from "../git/index.ts";

export type ObjectType = GitObjectType;
export type { GitObject };

export function isHexId(s: string): boolean {
  return /^[0-9a-f]{64}$/.test(s);
}

export function objectId(type: ObjectType, body: Uint8Array): string {
  return toHex(rawObjectId(type, body));
}

/** Writes via a temporary file and rename, so a reader never sees half a file. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export class LooseRepo {
  readonly repo: GitRepo;

  /** Opens the SHA-256 repository at dir (bare, or with .git); `create` makes a bare one. */
  constructor(dir: string, create = false) {
    this.repo = create ? GitRepo.init(dir, { bare: true }) : GitRepo.open(dir);
  }

  get gitDir(): string {
    return this.repo.gitDir;
  }

  has(id: string): boolean {
    return this.repo.hasObject(fromHex(id));
  }

  /** Reads an object; host/git checks that its bytes hash to `id`. */
  read(id: string): GitObject {
    return this.repo.readObject(fromHex(id));
  }

  write(type: ObjectType, body: Uint8Array): string {
    return toHex(this.repo.writeObject(type, body));
  }

  /** Every loose object id, sorted. */
  ids(): string[] {
    return [...this.repo.objectIds()].map(toHex);
  }

  /** Branches (refs/heads/*, and packed ones) by name, sorted. */
  refs(): Map<string, string> {
    const refs = new Map<string, string>();
    const packed = join(this.gitDir, "packed-refs");
    if (existsSync(packed))
      for (const line of readFileSync(packed, "utf8").split("\n")) {
        const m = /^([0-9a-f]{64}) refs\/heads\/(.+)$/.exec(line);
        if (m) refs.set(m[2], m[1]);
      }
    for (const ref of this.repo.refs()) {
      if (!ref.startsWith("refs/heads/")) continue;
      const id = this.repo.readRef(ref);
      if (id) refs.set(ref.slice("refs/heads/".length), toHex(id));
    }
    return new Map([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  /** Points branch `name` at id; null deletes it. */
  setRef(name: string, id: string | null): void {
    if (id !== null) this.repo.writeRef(`refs/heads/${name}`, fromHex(id));
    else if (!/(^|\/)\.\.?(\/|$)/.test(name)) rmSync(join(this.gitDir, "refs", "heads", name), { force: true });
  }
}

/** Ids an object points at: a commit's tree and parents, a tree's entries (not gitlinks). */
export function references(obj: GitObject): string[] {
  if (obj.type === "commit") {
    const c = parseCommit(obj.body);
    return [c.tree, ...c.parents].map(toHex);
  }
  if (obj.type === "tree")
    return parseTree(obj.body)
      .filter((e) => e.mode !== "160000")
      .map((e) => toHex(e.id));
  if (obj.type === "tag") {
    const m = /^object ([0-9a-f]{64})$/m.exec(Buffer.from(obj.body).toString("latin1"));
    return m ? [m[1]] : [];
  }
  return [];
}

/**
 * Ids reachable from `heads`, children before the objects that point at them
 * (so writing in this order keeps every stored object's closure complete).
 * Objects for which `stop(id)` is true are neither listed nor entered.
 */
export function closure(repo: { read(id: string): GitObject }, heads: Iterable<string>, stop: (id: string) => boolean): string[] {
  const order: string[] = [];
  const seen = new Set<string>();
  for (const head of heads) {
    if (seen.has(head) || stop(head)) continue;
    seen.add(head);
    // Iterative post-order: histories are deeper than the JS stack.
    const stack: { id: string; kids: string[]; next: number }[] = [{ id: head, kids: references(repo.read(head)), next: 0 }];
    while (stack.length > 0) {
      const top = stack[stack.length - 1];
      if (top.next < top.kids.length) {
        const kid = top.kids[top.next++];
        if (seen.has(kid) || stop(kid)) continue;
        seen.add(kid);
        stack.push({ id: kid, kids: references(repo.read(kid)), next: 0 });
      } else {
        order.push(top.id);
        stack.pop();
      }
    }
  }
  return order;
}
