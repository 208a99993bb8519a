// Test gateways built with tools nobody here wrote: stock git writes the objects,
// ssh-keygen makes the device keys and (by default) the commit signatures, cbor-x
// encodes the values. The core signs instead when a test passes its own signer.
import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { encode } from "cbor-x";

export interface TestDevice {
  name: string;
  keyFile: string;
  publicKey: Uint8Array;
  /** NaCl secret key (seed ‖ public key), read from the OpenSSH private key file. */
  secretKey: Uint8Array;
}

/** Signs a commit body (no signature header yet); returns the signed body. */
export type Signer = (commit: Uint8Array, device: TestDevice) => Uint8Array;

export function git(gitDir: string, args: string[], input?: string | Uint8Array): string {
  return execFileSync("git", ["--git-dir", gitDir, ...args], { input, encoding: "utf8", stdio: ["pipe", "pipe", "pipe"] });
}

/** OpenSSH private key file → Ed25519 NaCl secret key (PROTOCOL.key, unencrypted). */
function readOpenSshSecret(file: string): Uint8Array {
  const b64 = readFileSync(file, "utf8")
    .split("\n")
    .filter((l) => !l.startsWith("-----"))
    .join("");
  const raw = Buffer.from(b64, "base64");
  let p = "openssh-key-v1\0".length;
  const str = () => {
    const n = raw.readUInt32BE(p);
    const s = raw.subarray(p + 4, p + 4 + n);
    p += 4 + n;
    return s;
  };
  str(); // cipher
  str(); // kdf
  str(); // kdf options
  p += 4; // number of keys
  str(); // public key
  const priv = str();
  // private section: checkint ×2, keytype, pk, sk(64), comment, padding
  let q = 8;
  const pstr = () => {
    const n = priv.readUInt32BE(q);
    const s = priv.subarray(q + 4, q + 4 + n);
    q += 4 + n;
    return s;
  };
  pstr();
  pstr();
  return new Uint8Array(pstr());
}

export function makeDevice(root: string, name: string): TestDevice {
  const keyFile = join(root, `${name}.key`);
  execFileSync("ssh-keygen", ["-q", "-t", "ed25519", "-N", "", "-C", name, "-f", keyFile]);
  const blob = Buffer.from(readFileSync(`${keyFile}.pub`, "utf8").split(" ")[1], "base64");
  return { name, keyFile, publicKey: new Uint8Array(blob.subarray(blob.length - 32)), secretKey: readOpenSshSecret(keyFile) };
}

/** ssh-keygen -Y sign over the commit, inserted as git does (continuation lines start with a space). */
export const sshKeygenSigner: Signer = (commit, device) => {
  const sig = execFileSync("ssh-keygen", ["-q", "-Y", "sign", "-n", "git", "-f", device.keyFile], { input: commit });
  const text = Buffer.from(commit).toString("latin1");
  const eoh = text.indexOf("\n\n") + 1;
  const header = `gpgsig-sha256 ${sig.toString("latin1").trimEnd().split("\n").join("\n ")}\n`;
  return new Uint8Array(Buffer.from(text.slice(0, eoh) + header + text.slice(eoh), "latin1"));
};

export interface History {
  dir: string;
  devices: TestDevice[];
  /** Every device commit id, per device, oldest first. */
  commits: Map<string, string[]>;
  /** Strings that appear in values, paths and device names (must not leak into backups). */
  secrets: string[];
  time: number;
}

export function writeBlob(dir: string, value: unknown): string {
  return git(dir, ["hash-object", "-w", "-t", "blob", "--stdin"], encode(value)).trim();
}

export function mktree(dir: string, entries: [mode: string, type: string, id: string, name: string][]): string {
  return git(dir, ["mktree"], entries.map(([m, t, id, n]) => `${m} ${t} ${id}\t${n}\n`).join("")).trim();
}

export function writeCommit(dir: string, body: Uint8Array): string {
  return git(dir, ["hash-object", "-w", "-t", "commit", "--stdin"], body).trim();
}

export function commitText(tree: string, parents: string[], who: string, time: number, message: string): Uint8Array {
  const lines = [`tree ${tree}`, ...parents.map((p) => `parent ${p}`), `author ${who} <${who}@nymote> ${time} +0000`];
  lines.push(`committer ${who} <${who}@nymote> ${time} +0000`, "", message, "");
  return new Uint8Array(Buffer.from(lines.join("\n")));
}

/** A device's reading tree: sensors/<device>/<quantity> → CBOR values. */
function deviceTree(dir: string, device: string, k: number): string {
  const temp = writeBlob(dir, { celsius: 20 + k / 4, room: `kitchen-${device}` });
  const count = writeBlob(dir, new Map<unknown, unknown>([["door-opened", k]]));
  const leaf = mktree(dir, [
    ["100644", "blob", temp, "temperature"],
    ["100644", "blob", count, "door"],
  ]);
  const dev = mktree(dir, [["040000", "tree", leaf, device]]);
  return mktree(dir, [["040000", "tree", dev, "sensors"]]);
}

/** A gateway with `names` devices, `perDevice` signed commits each and a merged main. */
export function buildGateway(root: string, names: string[], perDevice: number, signer: Signer = sshKeygenSigner): History {
  const dir = join(root, "gateway");
  mkdirSync(root, { recursive: true });
  execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", "--initial-branch=main", dir]);
  const devices = names.map((n) => makeDevice(root, n));
  writeFileSync(
    join(dir, "devices.json"),
    JSON.stringify(devices.map((d) => ({ name: d.name, publicKey: Buffer.from(d.publicKey).toString("hex") }))),
  );
  const h: History = {
    dir,
    devices,
    commits: new Map(),
    secrets: [...names, "kitchen-", "celsius", "door-opened", "sensors", "temperature"],
    time: 1_700_000_000,
  };
  addCommits(h, perDevice, signer);
  return h;
}

/** Adds `n` signed commits on every device branch and merges them into main (unsigned, by the gateway). */
export function addCommits(h: History, n: number, signer: Signer = sshKeygenSigner): void {
  for (const d of h.devices) {
    const list = h.commits.get(d.name) ?? [];
    for (let k = 0; k < n; k++) {
      const parent = list.at(-1);
      const tree = deviceTree(h.dir, d.name, list.length + 1);
      const body = commitText(tree, parent ? [parent] : [], d.name, h.time++, `reading ${list.length + 1} from ${d.name}`);
      list.push(writeCommit(h.dir, signer(body, d)));
    }
    h.commits.set(d.name, list);
    git(h.dir, ["update-ref", `refs/heads/${d.name}`, list.at(-1)!]);
  }
  const heads = h.devices.map((d) => h.commits.get(d.name)!.at(-1)!);
  const sensors = h.devices.map((d) => {
    const t = git(h.dir, ["rev-parse", `${h.commits.get(d.name)!.at(-1)}:sensors/${d.name}`]).trim();
    return ["040000", "tree", t, d.name] as [string, string, string, string];
  });
  const tree = mktree(h.dir, [["040000", "tree", mktree(h.dir, sensors), "sensors"]]);
  let main: string | undefined;
  try {
    main = git(h.dir, ["rev-parse", "--verify", "--quiet", "refs/heads/main"]).trim();
  } catch {
    main = undefined;
  }
  const parents = main ? [main, ...heads] : heads;
  const merged = writeCommit(h.dir, commitText(tree, parents, "gateway", h.time++, "merge devices"));
  git(h.dir, ["update-ref", "refs/heads/main", merged]);
}

/**
 * The same history in the gateway's data-directory layout (docs/sync.md,
 * host/gateway/persist.ts): objects.log records (type u8, len u32 LE, body) in
 * git's order, refs.json with `main`, `devices/<name>` and a `views/<name>`.
 */
export function toLogLayout(h: History, dir: string): string {
  mkdirSync(dir, { recursive: true });
  const codes: Record<string, number> = { blob: 1, tree: 2, commit: 3 };
  const ids = git(h.dir, ["rev-list", "--objects", "--all", "--reverse"])
    .trim()
    .split("\n")
    .map((l) => l.split(" ")[0]);
  const parts: Buffer[] = [];
  for (const id of ids) {
    const type = git(h.dir, ["cat-file", "-t", id]).trim();
    const body = execFileSync("git", ["--git-dir", h.dir, "cat-file", type, id]);
    const head = Buffer.alloc(5);
    head[0] = codes[type];
    head.writeUInt32LE(body.length, 1);
    parts.push(head, body);
  }
  writeFileSync(join(dir, "objects.log"), Buffer.concat(parts));
  const refs: Record<string, string> = { main: git(h.dir, ["rev-parse", "main"]).trim() };
  for (const d of h.devices) {
    refs[`devices/${d.name}`] = h.commits.get(d.name)!.at(-1)!;
    refs[`views/${d.name}`] = refs.main;
  }
  writeFileSync(join(dir, "refs.json"), JSON.stringify(refs, null, 1));
  const devices = h.devices.map((d) => ({
    name: d.name,
    write: [`sensors/${d.name}`],
    read: ["config"],
    publicKey: Buffer.from(d.publicKey).toString("hex"),
  }));
  writeFileSync(join(dir, "devices.json"), JSON.stringify(devices, null, 1));
  return dir;
}

/** The armored signature's blob as OpenSSH reads it (whitespace skipped, strict base64), or null. */
export function signatureBytes(commit: Uint8Array): Buffer | null {
  const text = Buffer.from(commit).toString("latin1");
  const m = /-----BEGIN SSH SIGNATURE-----([\s\S]*?)-----END SSH SIGNATURE-----/.exec(text);
  if (!m) return null;
  const b64 = (m[1] as string).replace(/[ \t\n\v\f\r]/g, "");
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(b64) || b64.length % 4 !== 0) return null;
  return Buffer.from(b64, "base64");
}

/**
 * True when `bad` differs from the signed commit `good` only in bytes the SSHSIG
 * format leaves unsigned, which stock git and ssh-keygen therefore still accept:
 * the unused low bits of the last base64 character before '=' (RFC 4648 §3.5),
 * whitespace inside the armor (OpenSSH's base64 decoder skips it), and the
 * blob's version field lowered (OpenSSH only refuses versions above 1; the
 * version is not in the signed data). Every other change must fail.
 */
export function onlyUnsignedBytesDiffer(good: Uint8Array, bad: Uint8Array): boolean {
  const a = signatureBytes(good);
  const b = signatureBytes(bad);
  if (a === null || b === null || a.length !== b.length || a.length < 10) return false;
  const outside = (c: Uint8Array) =>
    Buffer.from(c)
      .toString("latin1")
      .replace(/-----BEGIN SSH SIGNATURE-----[\s\S]*-----END SSH SIGNATURE-----/, "");
  const version = (x: Buffer) => x.readUInt32BE(6);
  const withoutVersion = (x: Buffer) => Buffer.concat([x.subarray(0, 6), x.subarray(10)]);
  return withoutVersion(a).equals(withoutVersion(b)) && version(b) <= version(a) && outside(good) === outside(bad);
}
