// What the CLI commands `identity init|show|revoke` and `enroll` do; the command
// files in host/cli/commands only declare options and call these.
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { createInterface } from "node:readline/promises";
import { Writable } from "node:stream";
import { CliError } from "../cli/main.ts";
import { issueCertificate, issueRevocationList, readRevocationList } from "./cert.ts";
import {
  dataDir,
  feedId,
  IdentityError,
  initIdentity,
  loadIdentity,
  loadOwnerPublicKey,
  nextSerial,
  parsePublicKey,
  sshFingerprint,
  sshPublicKeyLine,
} from "./keys.ts";

type Out = (line: string) => void;

/** Runs a command body, turning IdentityError into a CLI error (message, no stack). */
export async function asCommand<T>(fn: () => T | Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (e) {
    if (e instanceof IdentityError) throw new CliError(e.message);
    throw e;
  }
}
const stdout: Out = (line) => process.stdout.write(`${line}\n`);

/** NYMOTE_PASSPHRASE, else asked on the terminal without echo. */
export async function askPassphrase(confirm: boolean): Promise<string> {
  const env = process.env.NYMOTE_PASSPHRASE;
  if (env !== undefined) return env;
  if (!process.stdin.isTTY) throw new IdentityError("no terminal to ask the passphrase on: set NYMOTE_PASSPHRASE");
  let muted = false;
  const output = new Writable({
    write(chunk, _enc, done) {
      if (!muted) process.stderr.write(chunk);
      done();
    },
  });
  const rl = createInterface({ input: process.stdin, output, terminal: true });
  try {
    const ask = async (q: string) => {
      muted = false;
      const p = rl.question(q);
      muted = true;
      const a = await p;
      process.stderr.write("\n");
      return a;
    };
    const first = await ask("passphrase: ");
    if (confirm && (await ask("again: ")) !== first) throw new IdentityError("the passphrases differ");
    return first;
  } finally {
    rl.close();
  }
}

function isEncrypted(dir: string): boolean {
  const f = join(dir, "owner.key");
  return existsSync(f) && !("secret" in (JSON.parse(readFileSync(f, "utf8")) as object));
}

async function unlock(dir: string) {
  return loadIdentity(dir, isEncrypted(dir) ? await askPassphrase(false) : undefined);
}

export async function identityInit(opts: { dir?: string; passphrase?: boolean }, out: Out = stdout): Promise<void> {
  const passphrase = opts.passphrase ? await askPassphrase(true) : undefined;
  const id = initIdentity({ dir: opts.dir, passphrase });
  out(`created the owner identity in ${id.dir}${passphrase !== undefined ? " (encrypted)" : ""}`);
  identityShow({ dir: id.dir }, out);
}

export function identityShow(opts: { dir?: string; json?: boolean }, out: Out = stdout): void {
  const pk = loadOwnerPublicKey(opts.dir);
  const view = {
    fingerprint: sshFingerprint(pk),
    hex: Buffer.from(pk).toString("hex"),
    id: feedId(pk),
    ssh: sshPublicKeyLine(pk, "nymote-owner"),
  };
  if (opts.json) {
    out(JSON.stringify(view, null, 2));
    return;
  }
  out(`owner       ${view.fingerprint}`);
  out(`public key  ${view.hex}`);
  out(`id          ${view.id}`);
  out(view.ssh);
}

export interface EnrollOptions {
  dir?: string;
  name: string;
  write?: string[];
  read?: string[];
  days?: string;
  out?: string;
}

export async function enroll(devicePublicKey: string, opts: EnrollOptions, out: Out = stdout): Promise<Uint8Array> {
  const dir = dataDir(opts.dir);
  const device = parsePublicKey(devicePublicKey);
  const days = opts.days === undefined ? 365 : Number(opts.days);
  if (!Number.isInteger(days) || days <= 0) throw new IdentityError(`--days must be a positive integer, not ${opts.days}`);
  const id = await unlock(dir);
  const now = Math.floor(Date.now() / 1000);
  const serial = nextSerial(dir);
  const cert = issueCertificate(
    {
      serial,
      device,
      name: opts.name,
      write: opts.write ?? [],
      read: opts.read ?? [],
      // An hour of slack for device clocks that run a little behind.
      notBefore: now - 3600,
      notAfter: now + days * 86400,
    },
    id.secretKey,
  );
  id.secretKey.fill(0);
  const file = opts.out ?? join(dir, "certs", `${serial}-${opts.name.replace(/[^A-Za-z0-9._-]/g, "_")}.cose`);
  writeFileSync(file, cert);
  out(`certificate ${serial} for ${opts.name} (${sshFingerprint(device)}), valid ${days} days: ${file}`);
  out(Buffer.from(cert).toString("base64"));
  return cert;
}

/** Issues a new revocation list holding every serial revoked so far plus `serials`. */
export async function identityRevoke(serials: string[], opts: { dir?: string }, out: Out = stdout): Promise<Uint8Array> {
  const dir = dataDir(opts.dir);
  const nums = serials.map((s) => Number(s));
  if (nums.some((n) => !Number.isSafeInteger(n) || n <= 0)) throw new IdentityError("serials are positive integers");
  const id = await unlock(dir);
  const latest = join(dir, "certs", "revoked.cose");
  const previous = existsSync(latest) ? readRevocationList(readFileSync(latest), id.publicKey) : { sequence: 0, serials: [] };
  const list = issueRevocationList(
    { sequence: previous.sequence + 1, issuedAt: Math.floor(Date.now() / 1000), serials: [...previous.serials, ...nums] },
    id.secretKey,
  );
  id.secretKey.fill(0);
  writeFileSync(latest, list);
  out(`revocation list ${previous.sequence + 1} revokes serials ${readRevocationList(list, id.publicKey).serials.join(", ")}: ${latest}`);
  out(Buffer.from(list).toString("base64"));
  return list;
}
