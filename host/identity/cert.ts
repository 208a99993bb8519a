// Device certificates and revocation lists: COSE_Sign1 (RFC 9052 §4.2) signed with
// EdDSA (alg -8, RFC 9053 §2.2) by the owner key. The formats are specified in
// docs/identity.md; the core (assembly/identity/cert.ts) parses the same bytes
// strictly, so this encoder must stay deterministic (RFC 8949 §4.2.1): integer map
// keys in ascending order, shortest integer and length forms, definite lengths.
import { Decoder, Encoder, Tag } from "cbor-x";
import nacl from "tweetnacl";
import { IdentityError, PUBLIC_KEY_BYTES } from "./keys.ts";

/** COSE_Sign1_Tagged (RFC 9052 §2). */
export const COSE_SIGN1_TAG = 18;
/** The protected header, `{1: -8}` (alg: EdDSA), as its serialized bstr contents. */
export const PROTECTED_EDDSA = new Uint8Array([0xa1, 0x01, 0x27]);

/** Payload key 1: what the signed object is, so one can never pass for the other. */
export const KIND_CERTIFICATE = 1;
export const KIND_REVOCATIONS = 2;

/** Bounds the core enforces (assembly/identity/cert.ts); the issuer refuses more. */
export const LIMITS = { name: 64, prefix: 96, prefixes: 8, certificate: 640, revoked: 64 } as const;

export interface Certificate {
  serial: number;
  issuer: Uint8Array;
  device: Uint8Array;
  name: string;
  write: string[];
  read: string[];
  /** Seconds since the Unix epoch. */
  notBefore: number;
  notAfter: number;
}

export interface RevocationList {
  /** A list with a higher sequence supersedes a lower one. */
  sequence: number;
  issuer: Uint8Array;
  issuedAt: number;
  serials: number[];
}

const encoder = new Encoder({ useRecords: false, tagUint8Array: false, mapsAsObjects: false, variableMapSize: true });
const decoder = new Decoder({ useRecords: false, mapsAsObjects: false });

export function cborEncode(value: unknown): Uint8Array {
  return new Uint8Array(encoder.encode(value));
}

/** RFC 9052 §4.4: Sig_structure = ["Signature1", body_protected, external_aad, payload]. */
export function sigStructure(protectedHeader: Uint8Array, payload: Uint8Array, externalAad = new Uint8Array(0)): Uint8Array {
  return cborEncode(["Signature1", protectedHeader, externalAad, payload]);
}

function sign1(payload: Uint8Array, secretKey: Uint8Array): Uint8Array {
  const signature = nacl.sign.detached(sigStructure(PROTECTED_EDDSA, payload), secretKey);
  return cborEncode(new Tag([PROTECTED_EDDSA, new Map(), payload, signature], COSE_SIGN1_TAG));
}

function checkPath(p: string): void {
  const bytes = Buffer.byteLength(p);
  if (bytes > LIMITS.prefix) throw new IdentityError(`path prefix longer than ${LIMITS.prefix} bytes: ${p}`);
  if (p.startsWith("/") || p.split("/").some((s, i, all) => s === ".." || (s === "" && i < all.length - 1)))
    throw new IdentityError(`not a store path prefix: ${p}`);
}

export function certificatePayload(c: Certificate): Uint8Array {
  if (c.device.length !== PUBLIC_KEY_BYTES || c.issuer.length !== PUBLIC_KEY_BYTES) throw new IdentityError("keys have 32 bytes");
  if (Buffer.byteLength(c.name) === 0 || Buffer.byteLength(c.name) > LIMITS.name)
    throw new IdentityError(`name must have 1..${LIMITS.name} bytes`);
  if (c.write.length > LIMITS.prefixes || c.read.length > LIMITS.prefixes)
    throw new IdentityError(`at most ${LIMITS.prefixes} prefixes each`);
  for (const p of [...c.write, ...c.read]) checkPath(p);
  for (const n of [c.serial, c.notBefore, c.notAfter])
    if (!Number.isSafeInteger(n) || n < 0) throw new IdentityError("serial and validity are non-negative integers");
  if (c.notAfter < c.notBefore) throw new IdentityError("not-after is before not-before");
  return cborEncode(
    new Map<number, unknown>([
      [1, KIND_CERTIFICATE],
      [2, c.serial],
      [3, c.issuer],
      [4, c.device],
      [5, c.name],
      [6, c.write],
      [7, c.read],
      [8, c.notBefore],
      [9, c.notAfter],
    ]),
  );
}

export function issueCertificate(c: Omit<Certificate, "issuer">, ownerSecretKey: Uint8Array): Uint8Array {
  const issuer = ownerSecretKey.subarray(32, 64);
  const cose = sign1(certificatePayload({ ...c, issuer }), ownerSecretKey);
  if (cose.length > LIMITS.certificate) throw new IdentityError(`certificate of ${cose.length} bytes exceeds ${LIMITS.certificate}`);
  return cose;
}

export function issueRevocationList(r: Omit<RevocationList, "issuer">, ownerSecretKey: Uint8Array): Uint8Array {
  if (r.serials.length > LIMITS.revoked) throw new IdentityError(`at most ${LIMITS.revoked} revoked serials a list`);
  for (const n of [r.sequence, r.issuedAt, ...r.serials])
    if (!Number.isSafeInteger(n) || n < 0) throw new IdentityError("non-negative integers only");
  const serials = [...new Set(r.serials)].sort((a, b) => a - b);
  const payload = cborEncode(
    new Map<number, unknown>([
      [1, KIND_REVOCATIONS],
      [2, r.sequence],
      [3, ownerSecretKey.subarray(32, 64)],
      [4, r.issuedAt],
      [5, serials],
    ]),
  );
  return sign1(payload, ownerSecretKey);
}

interface Sign1 {
  prot: Uint8Array;
  payload: Uint8Array;
  signature: Uint8Array;
}

/** Splits a COSE_Sign1 (tagged or not) into its parts, checking its shape only. */
function splitSign1(cose: Uint8Array): Sign1 {
  let v = decoder.decode(cose) as unknown;
  if (v instanceof Tag) {
    if (v.tag !== COSE_SIGN1_TAG) throw new IdentityError(`not COSE_Sign1 (tag ${v.tag})`);
    v = v.value;
  }
  if (!Array.isArray(v) || v.length !== 4) throw new IdentityError("not a COSE_Sign1 array");
  const [prot, , payload, signature] = v as [unknown, unknown, unknown, unknown];
  if (!(prot instanceof Uint8Array) || !Buffer.from(prot).equals(Buffer.from(PROTECTED_EDDSA)))
    throw new IdentityError("protected header is not {1: -8}");
  if (!(payload instanceof Uint8Array) || !(signature instanceof Uint8Array) || signature.length !== 64)
    throw new IdentityError("malformed COSE_Sign1");
  return { prot, payload, signature };
}

function payloadMap(payload: Uint8Array): Map<number, unknown> {
  const map = decoder.decode(payload) as unknown;
  if (!(map instanceof Map)) throw new IdentityError("payload is not a map");
  return map as Map<number, unknown>;
}

/** Splits a COSE_Sign1 (tagged or not) and checks its EdDSA signature against `issuer`. */
export function openSign1(cose: Uint8Array, issuer: Uint8Array): Map<number, unknown> {
  const { prot, payload, signature } = splitSign1(cose);
  if (!nacl.sign.detached.verify(sigStructure(prot, payload), signature, issuer)) throw new IdentityError("signature does not verify");
  return payloadMap(payload);
}

function certificateFrom(m: Map<number, unknown>): Certificate {
  if (m.get(1) !== KIND_CERTIFICATE) throw new IdentityError("not a certificate");
  return {
    serial: m.get(2) as number,
    issuer: new Uint8Array(m.get(3) as Uint8Array),
    device: new Uint8Array(m.get(4) as Uint8Array),
    name: m.get(5) as string,
    write: m.get(6) as string[],
    read: m.get(7) as string[],
    notBefore: m.get(8) as number,
    notAfter: m.get(9) as number,
  };
}

/**
 * The fields of a certificate the core has already verified (a session's peer
 * certificate, identity_session_remote_cert): no signature check here.
 */
export function decodeVerifiedCertificate(cose: Uint8Array): Certificate {
  return certificateFrom(payloadMap(splitSign1(cose).payload));
}

/** Host-side reading of a certificate (the core's check is the one that counts). */
export function readCertificate(cose: Uint8Array, issuer: Uint8Array): Certificate {
  return certificateFrom(openSign1(cose, issuer));
}

export function readRevocationList(cose: Uint8Array, issuer: Uint8Array): RevocationList {
  const m = openSign1(cose, issuer);
  if (m.get(1) !== KIND_REVOCATIONS) throw new IdentityError("not a revocation list");
  return {
    sequence: m.get(2) as number,
    issuer: new Uint8Array(m.get(3) as Uint8Array),
    issuedAt: m.get(4) as number,
    serials: m.get(5) as number[],
  };
}
