// `nymote export-git`: the owner's history as a stock Git repository (bare, SHA-256
// object format) that verifies out of the box: one branch per device and `main`,
// an allowed_signers file for the devices' keys, gpg.format=ssh, and a CBOR
// textconv so `git log -p` shows readable values. Re-running it only adds what is
// new (objects are written children first, so a present object's closure is too).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { type DeviceKey, openGateway } from "./gateway.ts";
import { closure, LooseRepo, writeAtomic } from "./loose.ts";

export interface ExportOptions {
  /** Gateway data directory. */
  dir: string;
  /** Output repository (created if missing). */
  out: string;
  /** Command git runs as textconv for values; default: this checkout's `nymote show`. */
  textconv?: string;
}

export interface ExportResult {
  out: string;
  /** Objects written by this run. */
  objects: number;
  /** Branches after the run, name → commit id. */
  refs: Map<string, string>;
}

/** The SSH wire encoding of an Ed25519 public key (RFC 8709 §4). */
export function sshPublicKeyBlob(pk: Uint8Array): Buffer {
  const type = Buffer.from("ssh-ed25519");
  const out = Buffer.alloc(4 + type.length + 4 + pk.length);
  out.writeUInt32BE(type.length, 0);
  type.copy(out, 4);
  out.writeUInt32BE(pk.length, 4 + type.length);
  out.set(pk, 8 + type.length);
  return out;
}

/** allowed_signers lines (ssh-keygen(1) ALLOWED SIGNERS), one per device with a key, git namespace only. */
export function allowedSigners(devices: DeviceKey[]): string {
  return devices
    .flatMap((d) => (d.publicKey ? [`${d.name} namespaces="git" ssh-ed25519 ${sshPublicKeyBlob(d.publicKey).toString("base64")}\n`] : []))
    .join("");
}

/** Branches worth exporting: all but the gateway's derived per-device views and merge bookmarks. */
export function exportedBranches(refs: Map<string, string>): Map<string, string> {
  return new Map([...refs].filter(([name]) => !name.startsWith("views/") && !name.startsWith("merged/")));
}

export function git(gitDir: string, args: string[], input?: string | Uint8Array): string {
  return execFileSync("git", ["--git-dir", gitDir, ...args], {
    input,
    encoding: "utf8",
    stdio: ["pipe", "pipe", "pipe"],
    env: { ...process.env, GIT_CONFIG_NOSYSTEM: "1" },
  });
}

function defaultTextconv(): string {
  const bin = fileURLToPath(new URL("../../bin/nymote.js", import.meta.url));
  return `"${process.execPath}" "${bin}" show`;
}

/** Creates the bare SHA-256 repository with verification and textconv configured. */
export function initExportRepo(out: string, devices: DeviceKey[], textconv = defaultTextconv()): void {
  const dir = resolve(out);
  if (!existsSync(join(dir, "objects"))) {
    if (existsSync(dir) && readdirSync(dir).length > 0) throw new Error(`${out} exists and is not a repository`);
    execFileSync("git", ["init", "--quiet", "--bare", "--object-format=sha256", "--initial-branch=main", dir], { stdio: "pipe" });
  } else if (git(dir, ["rev-parse", "--show-object-format"]).trim() !== "sha256") {
    throw new Error(`${out} is not a SHA-256 repository`);
  }
  const signers = join(dir, "allowed_signers");
  writeAtomic(signers, allowedSigners(devices));
  const set = (k: string, v: string) => git(dir, ["config", k, v]);
  set("gpg.format", "ssh");
  set("gpg.ssh.allowedSignersFile", signers);
  set("diff.nymote-cbor.textconv", textconv);
  // Fetches and pushes keep objects loose, the layout nymote reads.
  set("transfer.unpackLimit", "2147483647");
  set("gc.auto", "0");
  writeAtomic(join(dir, "info", "attributes"), "* diff=nymote-cbor\n");
}

export function exportGit(opts: ExportOptions): ExportResult {
  const gw = openGateway(opts.dir);
  const out = resolve(opts.out);
  initExportRepo(out, gw.devices, opts.textconv);
  const dst = new LooseRepo(out);
  const refs = exportedBranches(gw.store.refs());
  const order = closure(gw.store, refs.values(), (id) => dst.has(id));
  for (const id of order) {
    const obj = gw.store.read(id);
    dst.write(obj.type, obj.body);
  }
  // Branches mirror the gateway's: set every one, drop those it no longer has.
  for (const [name, id] of refs) dst.setRef(name, id);
  for (const name of dst.refs().keys()) if (!refs.has(name)) dst.setRef(name, null);
  return { out, objects: order.length, refs };
}
