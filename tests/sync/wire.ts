// The sync wire as docs/sync.md describes it, decoded here independently of the
// core: OBJS records, and the compact commit record rebuilt into Git text.
import { createHash } from "node:crypto";
import { hex, OBJ_COMMIT } from "../../host/sync/core.ts";

/** The protocol version a HELLO carries. */
export const SYNC_VERSION = 2;
/** Record type of a compact commit in OBJS. */
export const REC_COMMIT_WIRE = 4;
const enc = new TextEncoder();

export const cat = (...parts: Uint8Array[]): Uint8Array => new Uint8Array(Buffer.concat(parts));
export const ascii = (s: string): Uint8Array => enc.encode(s);
export const gitId = (body: Uint8Array): string => createHash("sha256").update(`commit ${body.length}\0`).update(body).digest("hex");

function sshString(b: Uint8Array): Uint8Array {
  const n = Buffer.alloc(4);
  n.writeUInt32BE(b.length);
  return cat(n, b);
}

/** The `gpgsig-sha256` header git writes for an Ed25519 SSHSIG (namespace git, sha512). */
function sigHeader(pk: Uint8Array, sig: Uint8Array): Uint8Array {
  const keyType = ascii("ssh-ed25519");
  const version = Buffer.from([0, 0, 0, 1]);
  const blob = cat(
    ascii("SSHSIG"),
    version,
    sshString(cat(sshString(keyType), sshString(pk))),
    sshString(ascii("git")),
    sshString(new Uint8Array(0)),
    sshString(ascii("sha512")),
    sshString(cat(sshString(keyType), sshString(sig))),
  );
  const lines =
    Buffer.from(blob)
      .toString("base64")
      .match(/.{1,70}/g) ?? [];
  const armor = ["-----BEGIN SSH SIGNATURE-----", ...lines, "-----END SSH SIGNATURE-----"];
  return ascii(`gpgsig-sha256 ${armor.join("\n ")}\n`);
}

export function rebuild(rec: Uint8Array, pk: Uint8Array): Uint8Array {
  const flags = rec[0] as number;
  let o = 1;
  const ids: string[] = [];
  for (let i = 0; i <= (flags & 15); i++, o += 32) ids.push(hex(rec.subarray(o, o + 32)));
  const field = (): Uint8Array => {
    const n = rec[o] as number;
    const v = rec.subarray(o + 1, o + 1 + n);
    o += 1 + n;
    return v;
  };
  const author = field();
  const committer = flags & 0x10 ? author : field();
  let header: Uint8Array = new Uint8Array(0);
  if (flags & 0x20) {
    header = sigHeader(pk, rec.subarray(o, o + 64));
    o += 64;
  }
  const [tree, ...parents] = ids;
  return cat(
    ascii(`tree ${tree}\n${parents.map((p) => `parent ${p}\n`).join("")}author `),
    author,
    ascii("\ncommitter "),
    committer,
    ascii("\n"),
    header,
    ascii("\n"),
    rec.subarray(o),
  );
}

/** Every object record of the OBJS messages: [record type, body]. */
export function records(msgs: Uint8Array[]): [number, Uint8Array][] {
  const out: [number, Uint8Array][] = [];
  for (const m of msgs) {
    if (m[0] !== 2) continue;
    for (let o = 1; o < m.length; ) {
      const len = ((m[o + 1] as number) << 8) | (m[o + 2] as number);
      out.push([m[o] as number, m.subarray(o + 3, o + 3 + len)]);
      o += 3 + len;
    }
  }
  return out;
}

/** The ids of the commits in OBJS messages, a compact one rebuilt with each candidate key (another key's rebuild is an id nobody has). */
export function commitIds(msgs: Uint8Array[], keys: Uint8Array[]): string[] {
  return records(msgs).flatMap(([type, body]) =>
    type === OBJ_COMMIT ? [gitId(body)] : type === REC_COMMIT_WIRE ? keys.map((k) => gitId(rebuild(body, k))) : [],
  );
}
