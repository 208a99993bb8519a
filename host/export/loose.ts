// Git objects in a repository directory in SHA-256 object format: loose objects
// (objects/xx/<62 hex>, zlib of "<type> <len>\0<body>") and refs as files. The
// gateway's store, the exported repository and a restored backup all use it.
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";

export type ObjectType = "blob" | "tree" | "commit" | "tag";

export interface GitObject {
  type: ObjectType;
  body: Uint8Array;
}

export const ID_HEX_LEN = 64;
const HEX_ID = /^[0-9a-f]{64}$/;

export function isHexId(s: string): boolean {
  return HEX_ID.test(s);
}

export function objectId(type: ObjectType, body: Uint8Array): string {
  return createHash("sha256").update(`${type} ${body.length}\0`).update(body).digest("hex");
}

function objectPath(gitDir: string, id: string): string {
  return join(gitDir, "objects", id.slice(0, 2), id.slice(2));
}

/** Writes via a temporary file and rename, so a reader never sees half a file. */
export function writeAtomic(path: string, data: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}

export class LooseRepo {
  constructor(readonly gitDir: string) {}

  has(id: string): boolean {
    return existsSync(objectPath(this.gitDir, id));
  }

  /** Reads and checks an object: its bytes must hash to `id`. */
  read(id: string): GitObject {
    if (!isHexId(id)) throw new Error(`not a SHA-256 object id: ${id}`);
    const raw = inflateSync(readFileSync(objectPath(this.gitDir, id)));
    const sp = raw.indexOf(0x20);
    const nul = raw.indexOf(0);
    if (sp < 0 || nul < sp) throw new Error(`object ${id}: bad header`);
    const type = raw.subarray(0, sp).toString("latin1") as ObjectType;
    const len = Number(raw.subarray(sp + 1, nul).toString("latin1"));
    const body = new Uint8Array(raw.subarray(nul + 1));
    if (body.length !== len || objectId(type, body) !== id) throw new Error(`object ${id}: corrupt`);
    return { type, body };
  }

  /** Stores an object (idempotent); returns its id. */
  write(type: ObjectType, body: Uint8Array): string {
    const id = objectId(type, body);
    if (!this.has(id)) {
      const head = Buffer.from(`${type} ${body.length}\0`, "latin1");
      writeAtomic(objectPath(this.gitDir, id), deflateSync(Buffer.concat([head, body])));
    }
    return id;
  }

  /** Every loose object id, sorted. */
  ids(): string[] {
    const dir = join(this.gitDir, "objects");
    if (!existsSync(dir)) return [];
    const out: string[] = [];
    for (const fan of readdirSync(dir).sort()) {
      if (!/^[0-9a-f]{2}$/.test(fan)) continue;
      for (const rest of readdirSync(join(dir, fan)).sort()) if (isHexId(fan + rest)) out.push(fan + rest);
    }
    return out;
  }

  /** Branches (refs/heads/*) by name, sorted; packed-refs are read too. */
  refs(): Map<string, string> {
    const refs = new Map<string, string>();
    const packed = join(this.gitDir, "packed-refs");
    if (existsSync(packed))
      for (const line of readFileSync(packed, "utf8").split("\n")) {
        const m = /^([0-9a-f]{64}) refs\/heads\/(.+)$/.exec(line);
        if (m) refs.set(m[2], m[1]);
      }
    const walk = (dir: string, prefix: string): void => {
      if (!existsSync(dir)) return;
      for (const name of readdirSync(dir)) {
        const p = join(dir, name);
        if (statSync(p).isDirectory()) walk(p, `${prefix}${name}/`);
        else if (!name.includes(".tmp-")) {
          const id = readFileSync(p, "utf8").trim();
          if (isHexId(id)) refs.set(prefix + name, id);
        }
      }
    };
    walk(join(this.gitDir, "refs", "heads"), "");
    return new Map([...refs].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
  }

  setRef(name: string, id: string | null): void {
    if (!/^[A-Za-z0-9._/-]+$/.test(name) || name.split("/").some((c) => c === "" || c.startsWith(".") || c.endsWith(".lock")))
      throw new Error(`bad branch name: ${name}`);
    const path = join(this.gitDir, "refs", "heads", name);
    if (id === null) rmSync(path, { force: true });
    else writeAtomic(path, `${id}\n`);
  }
}

/** Ids an object points at: a commit's tree and parents, a tree's entries (not gitlinks). */
export function references(obj: GitObject): string[] {
  const out: string[] = [];
  if (obj.type === "commit") {
    const text = Buffer.from(obj.body).toString("latin1");
    const eoh = text.indexOf("\n\n");
    for (const line of (eoh < 0 ? text : text.slice(0, eoh)).split("\n")) {
      const m = /^(tree|parent) ([0-9a-f]{64})$/.exec(line);
      if (m) out.push(m[2]);
    }
  } else if (obj.type === "tree") {
    const b = obj.body;
    let i = 0;
    while (i < b.length) {
      const sp = b.indexOf(0x20, i);
      const nul = b.indexOf(0, sp);
      if (sp < 0 || nul < 0 || nul + 33 > b.length) throw new Error("corrupt tree");
      const mode = Buffer.from(b.subarray(i, sp)).toString("latin1");
      if (mode !== "160000") out.push(Buffer.from(b.subarray(nul + 1, nul + 33)).toString("hex"));
      i = nul + 33;
    }
  } else if (obj.type === "tag") {
    const m = /^object ([0-9a-f]{64})$/m.exec(Buffer.from(obj.body).toString("latin1"));
    if (m) out.push(m[1]);
  }
  return out;
}

/**
 * Ids reachable from `heads`, children before the objects that point at them
 * (so writing in this order keeps every stored object's closure complete).
 * Objects for which `stop(id)` is true are neither listed nor entered.
 */
export function closure(repo: LooseRepo, heads: Iterable<string>, stop: (id: string) => boolean): string[] {
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
