// `nymote backup push` / `backup restore`: a gateway directory as a chain of
// encrypted, authenticated bundles on untrusted storage (format.ts). Push adds
// one bundle with what is new since the last one; restore checks the whole chain
// (order, completeness, key) while rebuilding into a scratch directory and moves
// it into place only when everything verified, so nothing partial is applied.
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { createStore, type GatewayStore, openStore } from "../export/gateway.ts";
import { closure, objectId, writeAtomic } from "../export/loose.ts";
import {
  BackupError,
  type Bundle,
  backupKey,
  CHAIN_LEN,
  type Manifest,
  openBundle,
  openManifest,
  sealBundle,
  sealManifest,
  sha256,
} from "./format.ts";

export { BackupError } from "./format.ts";

const MANIFEST = "manifest.nym";
const BUNDLE_NAME = /^bundle-(\d{8})\.nyb$/;

export function bundleName(seq: number): string {
  return `bundle-${String(seq).padStart(8, "0")}.nyb`;
}

/** Files of the gateway directory that the store does not own (devices, config). */
function gatewayFiles(dir: string, store: GatewayStore): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const skip = new Set(store.ownPaths.map((d) => resolve(dir, d)));
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p).split(sep).join("/");
      if (skip.has(resolve(p)) || name.includes(".tmp-") || name.endsWith(".tmp") || name.endsWith(".lock")) continue;
      const st = statSync(p);
      if (st.isDirectory()) walk(p);
      // Regular files only: a running gateway's control socket (gateway.sock) is not data.
      else if (st.isFile()) out.set(rel, new Uint8Array(readFileSync(p)));
    }
  };
  walk(dir);
  return out;
}

function safePath(root: string, rel: string): string {
  const p = resolve(root, rel);
  if (rel.length === 0 || rel.startsWith("/") || !p.startsWith(resolve(root) + sep))
    throw new BackupError(`bad file path in backup: ${rel}`);
  return p;
}

interface ChainHead {
  chain: Uint8Array;
  seq: number;
  head: Uint8Array;
}

/** Bundle sequence numbers present in the target, sorted. */
function bundleSeqs(target: string): number[] {
  if (!existsSync(target)) return [];
  const seqs: number[] = [];
  for (const name of readdirSync(target)) {
    const m = BUNDLE_NAME.exec(name);
    if (m) seqs.push(Number(m[1]));
    else if (name.startsWith("bundle-")) throw new BackupError(`unexpected file in the backup: ${name}`);
  }
  return seqs.sort((a, b) => a - b);
}

/**
 * Checks the chain bundle by bundle and hands each verified bundle to visit, in
 * order. Throws BackupError naming the first bundle that is missing, altered,
 * out of place, from another chain, or beyond the manifest (unless orphans are
 * allowed, for push after an interrupted push: then they are returned).
 */
function walkChain(target: string, key: Uint8Array, visit: (b: Bundle) => void, allowOrphans: boolean): ChainHead & { orphans: number[] } {
  const manifestFile = join(target, MANIFEST);
  if (!existsSync(manifestFile)) throw new BackupError(`${target} has no backup manifest`);
  const m: Manifest = openManifest(new Uint8Array(readFileSync(manifestFile)), key);
  const seqs = bundleSeqs(target);
  const orphans = seqs.filter((s) => s > m.seq);
  let prev: Uint8Array = new Uint8Array(32);
  for (let seq = 1; seq <= m.seq; seq++) {
    const name = bundleName(seq);
    const what = `bundle ${seq}`;
    if (!seqs.includes(seq))
      throw new BackupError(seq === m.seq ? `${what} (the newest) is missing: the backup was truncated` : `${what} is missing`);
    const file = new Uint8Array(readFileSync(join(target, name)));
    const b = openBundle(file, key, what);
    if (Buffer.compare(b.chain, m.chain) !== 0) throw new BackupError(`${what} belongs to another backup chain`);
    if (b.seq !== seq) throw new BackupError(`${what}: the file holds bundle ${b.seq} (bundles reordered or an older one replayed)`);
    if (Buffer.compare(b.prev, prev) !== 0) throw new BackupError(`${what} does not follow bundle ${seq - 1} (a bundle was replaced)`);
    prev = sha256(file);
    visit(b);
  }
  if (Buffer.compare(prev, m.head) !== 0) throw new BackupError(`the manifest does not match bundle ${m.seq} (a bundle was replaced)`);
  if (orphans.length > 0 && !allowOrphans)
    throw new BackupError(
      `bundle ${orphans[0]} is not covered by the manifest (seq ${m.seq}): the manifest was replaced by an older one, or a push was interrupted (push again to repair)`,
    );
  return { chain: m.chain, seq: m.seq, head: m.head, orphans };
}

export interface PushResult {
  /** Sequence number of the newest bundle after the push. */
  seq: number;
  /** False when nothing was new (no bundle written). */
  wrote: boolean;
  objects: number;
  bytes: number;
}

export function backupPush(gatewayDir: string, target: string, ownerSecret: Uint8Array): PushResult {
  const key = backupKey(ownerSecret);
  try {
    const store = openStore(gatewayDir);
    mkdirSync(target, { recursive: true });
    const known = new Set<string>();
    const files = new Map<string, string>();
    let refs = new Map<string, string>();
    let head: ChainHead;
    if (existsSync(join(target, MANIFEST))) {
      const walked = walkChain(
        target,
        key,
        (b) => {
          for (const o of b.objects) known.add(objectId(o.type, o.body));
          for (const [p, data] of b.files) files.set(p, Buffer.from(sha256(data)).toString("hex"));
          for (const p of b.gone) files.delete(p);
          refs = b.refs;
        },
        true,
      );
      // Left by an interrupted push: authentic but unacknowledged; replaced below.
      for (const s of walked.orphans) rmSync(join(target, bundleName(s)));
      head = walked;
    } else {
      if (bundleSeqs(target).length > 0)
        throw new BackupError(`${target} holds bundles but no manifest; refusing to start a new chain over them`);
      head = { chain: new Uint8Array(randomBytes(CHAIN_LEN)), seq: 0, head: new Uint8Array(32) };
    }

    const objects = store
      .ids()
      .filter((id) => !known.has(id))
      .map((id) => store.read(id));
    const nowFiles = gatewayFiles(gatewayDir, store);
    const changed = new Map([...nowFiles].filter(([p, data]) => files.get(p) !== Buffer.from(sha256(data)).toString("hex")));
    const gone = [...files.keys()].filter((p) => !nowFiles.has(p));
    const nowRefs = store.refs();
    const sameRefs = nowRefs.size === refs.size && [...nowRefs].every(([n, id]) => refs.get(n) === id);
    if (objects.length === 0 && changed.size === 0 && gone.length === 0 && sameRefs)
      return { seq: head.seq, wrote: false, objects: 0, bytes: 0 };

    const seq = head.seq + 1;
    const createdMs = Date.now();
    const file = sealBundle(
      {
        chain: head.chain,
        seq,
        prev: head.seq === 0 ? new Uint8Array(32) : head.head,
        createdMs,
        layout: store.layout,
        refs: nowRefs,
        files: changed,
        gone,
        objects,
      },
      key,
    );
    // Bundle first, then the manifest that acknowledges it: a crash in between
    // leaves an orphan the next push replaces.
    writeAtomic(join(target, bundleName(seq)), file);
    writeAtomic(join(target, MANIFEST), sealManifest({ chain: head.chain, seq, head: sha256(file), createdMs }, key));
    return { seq, wrote: true, objects: objects.length, bytes: file.length };
  } finally {
    key.fill(0);
  }
}

export interface RestoreResult {
  seq: number;
  objects: number;
  refs: Map<string, string>;
}

export function backupRestore(target: string, newDir: string, ownerSecret: Uint8Array): RestoreResult {
  const dest = resolve(newDir);
  if (existsSync(dest) && readdirSync(dest).length > 0) throw new BackupError(`${newDir} exists and is not empty`);
  const scratch = join(dirname(dest), `.${dest.split(sep).pop()}.restoring-${process.pid}`);
  rmSync(scratch, { recursive: true, force: true });
  mkdirSync(scratch, { recursive: true });
  const key = backupKey(ownerSecret);
  try {
    // Files first: bundle 1 carries the repository's config and HEAD, which say
    // where its objects go (bare, or under .git).
    let store: GatewayStore | null = null;
    let refs = new Map<string, string>();
    let objects = 0;
    const head = walkChain(
      target,
      key,
      (b) => {
        for (const [p, data] of b.files) writeAtomic(safePath(scratch, p), data);
        for (const p of b.gone) rmSync(safePath(scratch, p), { force: true });
        store ??= createStore(scratch, b.layout);
        for (const o of b.objects) store.write(o.type, o.body);
        objects += b.objects.length;
        refs = b.refs;
      },
      false,
    );
    if (!store) throw new BackupError("the backup holds no bundle");
    const restored: GatewayStore = store;
    restored.flush();
    for (const [name, id] of refs) restored.setRef(name, id);
    // Every branch's whole history must be there (it is, if the chain verified).
    closure(restored, refs.values(), () => false);
    if (existsSync(dest)) rmSync(dest, { recursive: true });
    renameSync(scratch, dest);
    return { seq: head.seq, objects, refs };
  } catch (e) {
    rmSync(scratch, { recursive: true, force: true });
    if (e instanceof Error && !(e instanceof BackupError) && /ENOENT/.test(e.message))
      throw new BackupError(`backup incomplete: ${e.message}`);
    throw e;
  } finally {
    key.fill(0);
  }
}

/** The owner secret from a file: 32+ raw bytes, or hex text. */
export function readOwnerSecret(file: string): Uint8Array {
  const raw = readFileSync(file);
  const text = raw.toString("utf8").trim();
  if (/^([0-9a-f]{2}){32,}$/i.test(text)) return new Uint8Array(Buffer.from(text, "hex"));
  return new Uint8Array(raw);
}
