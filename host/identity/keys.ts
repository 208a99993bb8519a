// The owner's keys on the host: an Ed25519 signing key (issues device certificates
// and revocation lists) and the 32-byte network key (the Secret Handshake
// application key, which devices must share to even recognise each other).
//
// Data directory (`--dir`, else $NYMOTE_HOME, else ~/.nymote):
//   owner.pub     the public key as an OpenSSH `ssh-ed25519` line (not secret)
//   owner.key     the Ed25519 seed, JSON, mode 0600, optionally passphrase-encrypted
//   network.key   the network key, JSON, mode 0600, optionally passphrase-encrypted
//   serial        the last certificate serial issued (decimal)
//   certs/        every certificate and revocation list issued, as raw COSE bytes
// Encryption: scrypt (node:crypto; N=2^15, r=8, p=1, 16-byte salt) derives a 32-byte
// key, then NaCl secretbox (XSalsa20-Poly1305, tweetnacl) with a random 24-byte nonce.
import { createHash, randomBytes, scryptSync } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { homedir } from "node:os";
import { join } from "node:path";
import nacl from "tweetnacl";

export const PUBLIC_KEY_BYTES = 32;
export const NETWORK_KEY_BYTES = 32;

const SCRYPT = { N: 1 << 15, r: 8, p: 1 } as const;
// scrypt needs 128·N·r bytes (32 MiB here); node's default cap is exactly 32 MiB.
const SCRYPT_MAXMEM = 64 * 1024 * 1024;

export class IdentityError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "IdentityError";
  }
}

export interface OwnerIdentity {
  dir: string;
  publicKey: Uint8Array;
  /** NaCl layout: seed ‖ public key. */
  secretKey: Uint8Array;
  networkKey: Uint8Array;
}

interface SecretFile {
  nymote: "owner-key" | "network-key";
  version: 1;
  /** base64 of the secret when stored in the clear */
  secret?: string;
  kdf?: { name: "scrypt"; N: number; r: number; p: number; salt: string };
  nonce?: string;
  box?: string;
}

/** The data directory: explicit, else $NYMOTE_HOME, else ~/.nymote. */
export function dataDir(dir?: string): string {
  return dir ?? process.env.NYMOTE_HOME ?? join(homedir(), ".nymote");
}

function deriveKey(passphrase: string, salt: Uint8Array, kdf: { N: number; r: number; p: number }): Uint8Array {
  return new Uint8Array(scryptSync(passphrase.normalize("NFC"), salt, 32, { ...kdf, maxmem: SCRYPT_MAXMEM }));
}

function sealSecret(kind: SecretFile["nymote"], secret: Uint8Array, passphrase?: string): SecretFile {
  if (passphrase === undefined) return { nymote: kind, version: 1, secret: Buffer.from(secret).toString("base64") };
  if (passphrase.length === 0) throw new IdentityError("the passphrase is empty");
  const salt = randomBytes(16);
  const nonce = randomBytes(nacl.secretbox.nonceLength);
  const key = deriveKey(passphrase, salt, SCRYPT);
  const box = nacl.secretbox(secret, nonce, key);
  key.fill(0);
  return {
    nymote: kind,
    version: 1,
    kdf: { name: "scrypt", ...SCRYPT, salt: salt.toString("base64") },
    nonce: nonce.toString("base64"),
    box: Buffer.from(box).toString("base64"),
  };
}

function openSecret(file: SecretFile, path: string, length: number, passphrase?: string): Uint8Array {
  let secret: Uint8Array | null;
  if (file.secret !== undefined) {
    secret = new Uint8Array(Buffer.from(file.secret, "base64"));
  } else {
    if (file.kdf?.name !== "scrypt" || !file.nonce || !file.box) throw new IdentityError(`${path}: unknown format`);
    if (passphrase === undefined) throw new IdentityError(`${path} is encrypted: give the passphrase (NYMOTE_PASSPHRASE)`);
    const key = deriveKey(passphrase, Buffer.from(file.kdf.salt, "base64"), file.kdf);
    secret = nacl.secretbox.open(Buffer.from(file.box, "base64"), Buffer.from(file.nonce, "base64"), key);
    key.fill(0);
    if (!secret) throw new IdentityError(`${path}: wrong passphrase`);
  }
  if (secret.length !== length) throw new IdentityError(`${path}: secret has ${secret.length} bytes, expected ${length}`);
  return secret;
}

function writeSecretFile(path: string, file: SecretFile): void {
  // `wx`: never overwrite an existing key; mode applies at creation, chmod covers a umask.
  writeFileSync(path, `${JSON.stringify(file, null, 2)}\n`, { mode: 0o600, flag: "wx" });
  chmodSync(path, 0o600);
}

function readSecretFile(path: string, kind: SecretFile["nymote"]): SecretFile {
  if (!existsSync(path)) throw new IdentityError(`no ${path}: run \`nymote identity init\` first`);
  const file = JSON.parse(readFileSync(path, "utf8")) as SecretFile;
  if (file.nymote !== kind || file.version !== 1) throw new IdentityError(`${path} is not a nymote ${kind} file`);
  return file;
}

export interface InitOptions {
  dir?: string;
  /** Encrypts both secret files when given. */
  passphrase?: string;
}

/** Creates the owner key and network key; refuses to overwrite an existing identity. */
export function initIdentity(opts: InitOptions = {}): OwnerIdentity {
  const dir = dataDir(opts.dir);
  mkdirSync(join(dir, "certs"), { recursive: true, mode: 0o700 });
  for (const f of ["owner.key", "network.key"])
    if (existsSync(join(dir, f))) throw new IdentityError(`${join(dir, f)} exists: refusing to overwrite an identity`);
  const seed = randomBytes(32);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  const networkKey = new Uint8Array(randomBytes(NETWORK_KEY_BYTES));
  writeSecretFile(join(dir, "owner.key"), sealSecret("owner-key", seed, opts.passphrase));
  writeSecretFile(join(dir, "network.key"), sealSecret("network-key", networkKey, opts.passphrase));
  writeFileSync(join(dir, "owner.pub"), `${sshPublicKeyLine(pair.publicKey, "nymote-owner")}\n`);
  seed.fill(0);
  return { dir, publicKey: pair.publicKey, secretKey: pair.secretKey, networkKey };
}

/** The owner's public key, from owner.pub (no passphrase needed). */
export function loadOwnerPublicKey(dir?: string): Uint8Array {
  const path = join(dataDir(dir), "owner.pub");
  if (!existsSync(path)) throw new IdentityError(`no ${path}: run \`nymote identity init\` first`);
  return parsePublicKey(readFileSync(path, "utf8").trim());
}

/** The full identity; the passphrase is needed when the files are encrypted. */
export function loadIdentity(dir?: string, passphrase?: string): OwnerIdentity {
  const d = dataDir(dir);
  const seedPath = join(d, "owner.key");
  const netPath = join(d, "network.key");
  const seed = openSecret(readSecretFile(seedPath, "owner-key"), seedPath, 32, passphrase);
  const networkKey = openSecret(readSecretFile(netPath, "network-key"), netPath, NETWORK_KEY_BYTES, passphrase);
  const pair = nacl.sign.keyPair.fromSeed(seed);
  seed.fill(0);
  if (!Buffer.from(pair.publicKey).equals(loadOwnerPublicKey(d))) throw new IdentityError(`${d}: owner.pub does not match owner.key`);
  return { dir: d, publicKey: pair.publicKey, secretKey: pair.secretKey, networkKey };
}

/** The next certificate serial (1, 2, ...), persisted in the data directory. */
export function nextSerial(dir: string): number {
  const path = join(dir, "serial");
  const last = existsSync(path) ? Number.parseInt(readFileSync(path, "utf8"), 10) : 0;
  if (!Number.isSafeInteger(last) || last < 0) throw new IdentityError(`${path} is corrupt`);
  writeFileSync(path, `${last + 1}\n`);
  return last + 1;
}

// ---- public key forms -------------------------------------------------------

/** The OpenSSH wire blob: string "ssh-ed25519", string key (RFC 8709 §4). */
export function sshWireBlob(publicKey: Uint8Array): Uint8Array {
  if (publicKey.length !== PUBLIC_KEY_BYTES) throw new IdentityError("an Ed25519 public key has 32 bytes");
  const type = Buffer.from("ssh-ed25519");
  const out = Buffer.alloc(4 + type.length + 4 + 32);
  out.writeUInt32BE(type.length, 0);
  type.copy(out, 4);
  out.writeUInt32BE(32, 4 + type.length);
  Buffer.from(publicKey).copy(out, 8 + type.length);
  return new Uint8Array(out);
}

export function sshPublicKeyLine(publicKey: Uint8Array, comment = ""): string {
  const line = `ssh-ed25519 ${Buffer.from(sshWireBlob(publicKey)).toString("base64")}`;
  return comment ? `${line} ${comment}` : line;
}

/** What `ssh-keygen -l` prints: SHA256 of the wire blob, unpadded base64. */
export function sshFingerprint(publicKey: Uint8Array): string {
  return `SHA256:${createHash("sha256").update(sshWireBlob(publicKey)).digest("base64").replace(/=+$/, "")}`;
}

/** The Scuttlebutt form, `@<base64>.ed25519`. */
export function feedId(publicKey: Uint8Array): string {
  return `@${Buffer.from(publicKey).toString("base64")}.ed25519`;
}

/**
 * Accepts a 32-byte Ed25519 public key as 64 hex digits, base64, `@….ed25519`, or an
 * `ssh-ed25519 AAAA… [comment]` line.
 */
export function parsePublicKey(text: string): Uint8Array {
  const s = text.trim();
  let key: Uint8Array | null = null;
  if (/^[0-9a-fA-F]{64}$/.test(s)) key = new Uint8Array(Buffer.from(s, "hex"));
  else if (s.startsWith("ssh-ed25519 ")) {
    const blob = Buffer.from(s.split(/\s+/)[1] ?? "", "base64");
    const expect = sshWireBlob(new Uint8Array(32));
    if (blob.length === expect.length && blob.subarray(0, 19).equals(Buffer.from(expect.subarray(0, 19))))
      key = new Uint8Array(blob.subarray(19));
  } else {
    const b64 = s.startsWith("@") && s.endsWith(".ed25519") ? s.slice(1, -8) : s;
    if (/^[A-Za-z0-9+/]{43}=$/.test(b64)) key = new Uint8Array(Buffer.from(b64, "base64"));
  }
  if (!key || key.length !== PUBLIC_KEY_BYTES) throw new IdentityError(`not an Ed25519 public key: ${s.slice(0, 80)}`);
  return key;
}
