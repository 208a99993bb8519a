// Git repositories in the SHA-256 object format, written and read as loose objects
// (zlib of "<type> <len>\0<body>", Git's object storage) with plain ref files. This
// is the one place host code touches a repository's bytes: the store's export, the
// provenance tool and the gateway's data directory all go through it.
//
//   const repo = await GitRepo.init(dir);          // or GitRepo.open(dir)
//   const id = repo.writeObject("blob", bytes);    // 32-byte id (hex: toHex(id))
//   repo.writeRef("refs/heads/main", commitId); repo.setHead("main");
//   repo.readObject(id) -> { type, body }
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { deflateSync, inflateSync } from "node:zlib";

export type GitObjectType = "blob" | "tree" | "commit" | "tag";

export interface GitObject {
  type: GitObjectType;
  body: Uint8Array;
}

export interface TreeEntry {
  /** Octal mode as Git writes it: "40000" subtree, "100644" file, "100755", "120000". */
  mode: string;
  name: string;
  id: Uint8Array;
}

const ID_LEN = 32;

export function toHex(id: Uint8Array): string {
  return Buffer.from(id).toString("hex");
}

export function fromHex(hex: string): Uint8Array {
  if (!/^[0-9a-f]{64}$/.test(hex)) throw new Error(`not a SHA-256 object id: ${hex}`);
  return new Uint8Array(Buffer.from(hex, "hex"));
}

function header(type: GitObjectType, len: number): Uint8Array {
  return new TextEncoder().encode(`${type} ${len}\0`);
}

/** The object's id: SHA-256 of "<type> <len>\0" ++ body. */
export function objectId(type: GitObjectType, body: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(header(type, body.length)).update(body).digest());
}

/** Parses a tree body into entries (throws on a malformed tree). */
export function parseTree(body: Uint8Array): TreeEntry[] {
  const out: TreeEntry[] = [];
  const dec = new TextDecoder();
  let i = 0;
  while (i < body.length) {
    const sp = body.indexOf(0x20, i);
    const nul = body.indexOf(0, sp + 1);
    if (sp < 0 || nul < 0 || nul + 1 + ID_LEN > body.length) throw new Error("malformed tree object");
    out.push({
      mode: dec.decode(body.subarray(i, sp)),
      name: dec.decode(body.subarray(sp + 1, nul)),
      id: body.slice(nul + 1, nul + 1 + ID_LEN),
    });
    i = nul + 1 + ID_LEN;
  }
  return out;
}

/** Tree and parent ids of a commit body. */
export function parseCommit(body: Uint8Array): { tree: Uint8Array; parents: Uint8Array[] } {
  const text = new TextDecoder().decode(body);
  const head = text.slice(0, text.indexOf("\n\n") >= 0 ? text.indexOf("\n\n") : text.length).split("\n");
  const tree = head.find((l) => l.startsWith("tree "));
  if (!tree) throw new Error("commit without a tree line");
  return { tree: fromHex(tree.slice(5)), parents: head.filter((l) => l.startsWith("parent ")).map((l) => fromHex(l.slice(7))) };
}

export class GitRepo {
  /** The .git directory (or a bare repository's directory). */
  readonly gitDir: string;

  private constructor(gitDir: string) {
    this.gitDir = gitDir;
  }

  /**
   * Creates a repository (objectformat=sha256) at dir: a working-tree layout with
   * dir/.git, or a bare one when bare is set. An existing repository is opened.
   */
  static init(dir: string, opts: { bare?: boolean; head?: string } = {}): GitRepo {
    const gitDir = opts.bare ? dir : join(dir, ".git");
    if (existsSync(join(gitDir, "HEAD"))) return GitRepo.open(dir);
    for (const d of ["objects/info", "objects/pack", "refs/heads", "refs/tags"]) mkdirSync(join(gitDir, d), { recursive: true });
    writeFileSync(join(gitDir, "HEAD"), `ref: refs/heads/${opts.head ?? "main"}\n`);
    writeFileSync(
      join(gitDir, "config"),
      "[core]\n\trepositoryformatversion = 1\n\tfilemode = true\n" +
        `\tbare = ${opts.bare ? "true" : "false"}\n` +
        "[extensions]\n\tobjectformat = sha256\n",
    );
    return new GitRepo(gitDir);
  }

  /** Opens an existing sha256 repository at dir (its .git, or dir itself when bare). */
  static open(dir: string): GitRepo {
    const gitDir = existsSync(join(dir, ".git", "HEAD")) ? join(dir, ".git") : dir;
    const config = readFileSync(join(gitDir, "config"), "utf8");
    if (!/objectformat\s*=\s*sha256/i.test(config)) throw new Error(`${dir} is not a sha256 Git repository`);
    return new GitRepo(gitDir);
  }

  private objectPath(hex: string): string {
    return join(this.gitDir, "objects", hex.slice(0, 2), hex.slice(2));
  }

  hasObject(id: Uint8Array): boolean {
    return existsSync(this.objectPath(toHex(id)));
  }

  /** Writes a loose object (no-op when present); returns its id. */
  writeObject(type: GitObjectType, body: Uint8Array): Uint8Array {
    const id = objectId(type, body);
    const path = this.objectPath(toHex(id));
    if (existsSync(path)) return id;
    mkdirSync(dirname(path), { recursive: true });
    const tmp = `${path}.tmp${process.pid}`;
    writeFileSync(tmp, deflateSync(Buffer.concat([header(type, body.length), body])), { mode: 0o444 });
    renameSync(tmp, path);
    return id;
  }

  /** Reads a loose object and checks that its bytes hash to its id. */
  readObject(id: Uint8Array): GitObject {
    const hex = toHex(id);
    const raw = new Uint8Array(inflateSync(readFileSync(this.objectPath(hex))));
    const nul = raw.indexOf(0);
    const m = /^(blob|tree|commit|tag) (\d+)$/.exec(new TextDecoder().decode(raw.subarray(0, nul)));
    if (nul < 0 || !m) throw new Error(`object ${hex}: malformed header`);
    const type = m[1] as GitObjectType;
    const body = raw.slice(nul + 1);
    if (Number(m[2]) !== body.length) throw new Error(`object ${hex}: length mismatch`);
    if (toHex(objectId(type, body)) !== hex) throw new Error(`object ${hex}: hash mismatch`);
    return { type, body };
  }

  /** Every loose object id in the repository. */
  *objectIds(): Generator<Uint8Array> {
    const root = join(this.gitDir, "objects");
    for (const d of readdirSync(root).sort()) {
      if (!/^[0-9a-f]{2}$/.test(d)) continue;
      for (const f of readdirSync(join(root, d)).sort()) if (/^[0-9a-f]{62}$/.test(f)) yield fromHex(d + f);
    }
  }

  /** Points ref (e.g. "refs/heads/main") at id, atomically (write + rename). */
  writeRef(ref: string, id: Uint8Array): void {
    if (!/^refs\/[A-Za-z0-9._\-/]+$/.test(ref) || ref.includes("..")) throw new Error(`bad ref name ${ref}`);
    const path = join(this.gitDir, ref);
    mkdirSync(dirname(path), { recursive: true });
    writeFileSync(`${path}.lock`, `${toHex(id)}\n`);
    renameSync(`${path}.lock`, path);
  }

  readRef(ref: string): Uint8Array | undefined {
    const path = join(this.gitDir, ref);
    if (!existsSync(path) || !statSync(path).isFile()) return undefined;
    return fromHex(readFileSync(path, "utf8").trim());
  }

  /** Every loose ref under refs/ ("refs/heads/main" ...), sorted. */
  refs(): string[] {
    const out: string[] = [];
    const walk = (rel: string) => {
      const abs = join(this.gitDir, rel);
      if (!existsSync(abs)) return;
      for (const name of readdirSync(abs).sort()) {
        const r = `${rel}/${name}`;
        if (statSync(join(this.gitDir, r)).isDirectory()) walk(r);
        else if (!name.endsWith(".lock")) out.push(r);
      }
    };
    walk("refs");
    return out;
  }

  setHead(branch: string): void {
    writeFileSync(join(this.gitDir, "HEAD"), `ref: refs/heads/${branch}\n`);
  }
}

/**
 * Writes a set of objects and refs out as a Git repository at dir (created if
 * needed). refs maps a branch name ("main", "devices/kitchen") or a full ref
 * ("refs/tags/v1") to a commit id. Returns the repository.
 */
export function writeRepository(
  dir: string,
  objects: Iterable<GitObject>,
  refs: Record<string, Uint8Array>,
  opts: { bare?: boolean; head?: string } = {},
): GitRepo {
  const repo = GitRepo.init(dir, opts);
  for (const o of objects) repo.writeObject(o.type, o.body);
  for (const [name, id] of Object.entries(refs)) repo.writeRef(name.startsWith("refs/") ? name : `refs/heads/${name}`, id);
  if (opts.head) repo.setHead(opts.head);
  return repo;
}
