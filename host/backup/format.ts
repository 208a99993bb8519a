// Backup bundle and manifest formats. Everything but a 4-byte magic and the nonce
// is inside an XSalsa20-Poly1305 secretbox (NaCl) under a key derived from the
// owner's secret, so the untrusted target learns only sizes and count.
//
// bundle-<seq, 8 digits>.nyb = "NYB1" | nonce[24] | secretbox(plaintext)
//   plaintext = "NYBP" | u8 1 | chain[16] | u32 seq | prev[32] | u64 createdMs
//     | u8 layout (0 Git directory, 1 gateway object log; host/export/gateway.ts)
//     | u32 nRefs  { u16 nameLen | name | id[32] }         every branch (snapshot)
//     | u32 nFiles { u16 pathLen | path | u32 len | data } files new or changed
//     | u32 nGone  { u16 pathLen | path }                  files deleted
//     | u32 nObjs  { u8 type | u32 len | body }            objects new since seq-1
//   prev = SHA-256 of the previous bundle file (zeros for seq 1): the chain that
//   makes reordering, replacing or dropping a bundle visible.
// manifest.nym = "NYM1" | nonce[24] | secretbox("NYMP" | u8 1 | chain[16] | u32 seq
//   | head[32] | u64 createdMs), head = SHA-256 of bundle seq's file: it fixes
//   how many bundles there are, so a truncated chain is visible too.
// Integers big-endian. Nonces are 24 random bytes per box: XSalsa20's nonce is
// long enough that random nonces do not repeat (2^-96 after 2^48 boxes).
import { createHash, hkdfSync, randomBytes } from "node:crypto";
import nacl from "tweetnacl";
import type { ObjectType } from "../export/loose.ts";

export const BUNDLE_MAGIC = "NYB1";
export const MANIFEST_MAGIC = "NYM1";
const BUNDLE_INNER = "NYBP";
const MANIFEST_INNER = "NYMP";
const VERSION = 1;
export const CHAIN_LEN = 16;
const NONCE_LEN = 24;
const TYPES: ObjectType[] = ["blob", "tree", "commit", "tag"];

export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "BackupError";
  }
}

/** The backup key: HKDF-SHA-256 (RFC 5869) of the owner's secret with a fixed label. */
export function backupKey(ownerSecret: Uint8Array): Uint8Array {
  if (ownerSecret.length < 32) throw new BackupError("the owner secret must be at least 32 bytes");
  return new Uint8Array(hkdfSync("sha256", ownerSecret, "nymote backup", "nymote backup secretbox key v1", 32));
}

export function sha256(b: Uint8Array): Uint8Array {
  return new Uint8Array(createHash("sha256").update(b).digest());
}

export interface Bundle {
  chain: Uint8Array;
  seq: number;
  prev: Uint8Array;
  createdMs: number;
  layout: "git" | "log";
  refs: Map<string, string>;
  files: Map<string, Uint8Array>;
  gone: string[];
  objects: { type: ObjectType; body: Uint8Array }[];
}

export interface Manifest {
  chain: Uint8Array;
  seq: number;
  head: Uint8Array;
  createdMs: number;
}

class Writer {
  private parts: Uint8Array[] = [];
  bytes(b: Uint8Array): this {
    this.parts.push(b);
    return this;
  }
  ascii(s: string): this {
    return this.bytes(Buffer.from(s, "utf8"));
  }
  u8(v: number): this {
    return this.bytes(Uint8Array.of(v));
  }
  u16(v: number): this {
    const b = Buffer.alloc(2);
    b.writeUInt16BE(v);
    return this.bytes(b);
  }
  u32(v: number): this {
    const b = Buffer.alloc(4);
    b.writeUInt32BE(v);
    return this.bytes(b);
  }
  u64(v: number): this {
    const b = Buffer.alloc(8);
    b.writeBigUInt64BE(BigInt(v));
    return this.bytes(b);
  }
  name(s: string): this {
    const b = Buffer.from(s, "utf8");
    return this.u16(b.length).bytes(b);
  }
  done(): Uint8Array {
    return new Uint8Array(Buffer.concat(this.parts));
  }
}

class Reader {
  private pos = 0;
  constructor(
    private readonly b: Buffer,
    private readonly what: string,
  ) {}
  take(n: number): Uint8Array {
    if (n > this.b.length - this.pos) throw new BackupError(`${this.what} is malformed (truncated inside)`);
    const out = new Uint8Array(this.b.subarray(this.pos, this.pos + n));
    this.pos += n;
    return out;
  }
  u8(): number {
    return this.take(1)[0];
  }
  u16(): number {
    return Buffer.from(this.take(2)).readUInt16BE();
  }
  u32(): number {
    return Buffer.from(this.take(4)).readUInt32BE();
  }
  u64(): number {
    return Number(Buffer.from(this.take(8)).readBigUInt64BE());
  }
  name(): string {
    return Buffer.from(this.take(this.u16())).toString("utf8");
  }
  ascii(n: number): string {
    return Buffer.from(this.take(n)).toString("latin1");
  }
  end(): void {
    if (this.pos !== this.b.length) throw new BackupError(`${this.what} is malformed (trailing bytes)`);
  }
}

function seal(magic: string, plain: Uint8Array, key: Uint8Array): Uint8Array {
  const nonce = new Uint8Array(randomBytes(NONCE_LEN));
  return new Uint8Array(Buffer.concat([Buffer.from(magic), nonce, nacl.secretbox(plain, nonce, key)]));
}

function open(magic: string, file: Uint8Array, key: Uint8Array, what: string): Buffer {
  if (file.length < 4 + NONCE_LEN + nacl.secretbox.overheadLength || Buffer.from(file.subarray(0, 4)).toString("latin1") !== magic)
    throw new BackupError(`${what} is not a nymote backup file (truncated or wrong format)`);
  const plain = nacl.secretbox.open(file.subarray(4 + NONCE_LEN), file.subarray(4, 4 + NONCE_LEN), key);
  if (!plain) throw new BackupError(`${what} fails authentication: it was altered, truncated, or made with another owner key`);
  return Buffer.from(plain);
}

export function sealBundle(b: Bundle, key: Uint8Array): Uint8Array {
  const w = new Writer()
    .ascii(BUNDLE_INNER)
    .u8(VERSION)
    .bytes(b.chain)
    .u32(b.seq)
    .bytes(b.prev)
    .u64(b.createdMs)
    .u8(b.layout === "log" ? 1 : 0);
  w.u32(b.refs.size);
  for (const [name, id] of b.refs) w.name(name).bytes(Buffer.from(id, "hex"));
  w.u32(b.files.size);
  for (const [path, data] of b.files) w.name(path).u32(data.length).bytes(data);
  w.u32(b.gone.length);
  for (const path of b.gone) w.name(path);
  w.u32(b.objects.length);
  for (const o of b.objects) w.u8(TYPES.indexOf(o.type)).u32(o.body.length).bytes(o.body);
  return seal(BUNDLE_MAGIC, w.done(), key);
}

export function openBundle(file: Uint8Array, key: Uint8Array, what: string): Bundle {
  const r = new Reader(open(BUNDLE_MAGIC, file, key, what), what);
  if (r.ascii(4) !== BUNDLE_INNER || r.u8() !== VERSION) throw new BackupError(`${what}: unknown bundle version`);
  const chain = r.take(CHAIN_LEN);
  const seq = r.u32();
  const prev = r.take(32);
  const createdMs = r.u64();
  const code = r.u8();
  if (code > 1) throw new BackupError(`${what}: unknown store layout ${code}`);
  const layout = code === 1 ? "log" : "git";
  const refs = new Map<string, string>();
  for (let n = r.u32(); n > 0; n--) refs.set(r.name(), Buffer.from(r.take(32)).toString("hex"));
  const files = new Map<string, Uint8Array>();
  for (let n = r.u32(); n > 0; n--) files.set(r.name(), r.take(r.u32()));
  const gone: string[] = [];
  for (let n = r.u32(); n > 0; n--) gone.push(r.name());
  const objects: Bundle["objects"] = [];
  for (let n = r.u32(); n > 0; n--) {
    const type = TYPES[r.u8()];
    if (!type) throw new BackupError(`${what}: unknown object type`);
    objects.push({ type, body: r.take(r.u32()) });
  }
  r.end();
  return { chain, seq, prev, createdMs, layout, refs, files, gone, objects };
}

export function sealManifest(m: Manifest, key: Uint8Array): Uint8Array {
  const w = new Writer().ascii(MANIFEST_INNER).u8(VERSION).bytes(m.chain).u32(m.seq).bytes(m.head).u64(m.createdMs);
  return seal(MANIFEST_MAGIC, w.done(), key);
}

export function openManifest(file: Uint8Array, key: Uint8Array): Manifest {
  const what = "the manifest";
  const r = new Reader(open(MANIFEST_MAGIC, file, key, what), what);
  if (r.ascii(4) !== MANIFEST_INNER || r.u8() !== VERSION) throw new BackupError("unknown manifest version");
  const m = { chain: r.take(CHAIN_LEN), seq: r.u32(), head: r.take(32), createdMs: r.u64() };
  r.end();
  return m;
}
