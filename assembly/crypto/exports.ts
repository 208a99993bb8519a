// The crypto exports the host calls (bindings/abi/crypto.json). Each checks that
// every pointer range lies inside linear memory and every length is in its domain
// before touching memory, and returns OK or a negative code; they never trap.
import { E_BOUNDS, E_INVAL, OK } from "../abi/errors";
import {
  Ed25519Signer,
  Ed25519Verifier,
  ed25519KeypairFromSeed,
  ed25519PkToX25519,
  ed25519Sign,
  ed25519SkToX25519,
  ed25519Verify,
} from "./ed25519";
import { AuthStream, hmacSha256, hmacSha512, hmacSha512_256, hmacSha512_256Verify } from "./hmac";
import { box, boxBeforenm, boxOpen } from "./box";
import { SecretboxStream, secretbox, secretboxOpen } from "./secretbox";
import { Sha256, sha256 } from "./sha256";
import { Sha512, sha512 } from "./sha512";
import { x25519, x25519Base } from "./x25519";
import { inMemory } from "../abi/bounds";

export function crypto_sha256(out: usize, p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, 32) || !inMemory(p, n)) return E_BOUNDS;
  sha256(out, p, n);
  return OK;
}

export function crypto_sha512(out: usize, p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, 64) || !inMemory(p, n)) return E_BOUNDS;
  sha512(out, p, n);
  return OK;
}

// One streaming context per hash for the host (it feeds large messages through a
// fixed buffer); the one-shot exports above do not disturb it. Contexts here are
// made on first use, so an image that never calls them holds no memory for them.
let stream256: Sha256 | null = null;
function s256(): Sha256 {
  let s = stream256;
  if (s === null) stream256 = s = new Sha256();
  return s;
}
let stream512: Sha512 | null = null;
function s512(): Sha512 {
  let s = stream512;
  if (s === null) stream512 = s = new Sha512();
  return s;
}

export function crypto_sha256_init(): void {
  s256().reset();
}

export function crypto_sha256_update(p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(p, n)) return E_BOUNDS;
  s256().update(p, n);
  return OK;
}

export function crypto_sha256_final(out: usize): i32 {
  if (!inMemory(out, 32)) return E_BOUNDS;
  s256().final(out);
  return OK;
}

export function crypto_sha512_init(): void {
  s512().reset();
}

export function crypto_sha512_update(p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(p, n)) return E_BOUNDS;
  s512().update(p, n);
  return OK;
}

export function crypto_sha512_final(out: usize): i32 {
  if (!inMemory(out, 64)) return E_BOUNDS;
  s512().final(out);
  return OK;
}

export function crypto_hmac_sha256(out: usize, key: usize, keyLen: i32, msg: usize, n: i32): i32 {
  if (n < 0 || keyLen < 0) return E_INVAL;
  if (!inMemory(out, 32) || !inMemory(key, keyLen) || !inMemory(msg, n)) return E_BOUNDS;
  hmacSha256(out, key, keyLen, msg, n);
  return OK;
}

export function crypto_hmac_sha512(out: usize, key: usize, keyLen: i32, msg: usize, n: i32): i32 {
  if (n < 0 || keyLen < 0) return E_INVAL;
  if (!inMemory(out, 64) || !inMemory(key, keyLen) || !inMemory(msg, n)) return E_BOUNDS;
  hmacSha512(out, key, keyLen, msg, n);
  return OK;
}

export function crypto_auth(out: usize, key: usize, msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, 32) || !inMemory(key, 32) || !inMemory(msg, n)) return E_BOUNDS;
  hmacSha512_256(out, key, msg, n);
  return OK;
}

export function crypto_auth_verify(mac: usize, key: usize, msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(mac, 32) || !inMemory(key, 32) || !inMemory(msg, n)) return E_BOUNDS;
  return hmacSha512_256Verify(mac, key, msg, n);
}

// One streaming crypto_auth context for the host.
let authStream: AuthStream | null = null;
function authS(): AuthStream {
  let s = authStream;
  if (s === null) authStream = s = new AuthStream();
  return s;
}

export function crypto_auth_init(key: usize): i32 {
  if (!inMemory(key, 32)) return E_BOUNDS;
  authS().init(key);
  return OK;
}

export function crypto_auth_update(msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(msg, n)) return E_BOUNDS;
  authS().update(msg, n);
  return OK;
}

export function crypto_auth_final(out: usize): i32 {
  if (!inMemory(out, 32)) return E_BOUNDS;
  authS().final(out);
  return OK;
}

export function crypto_auth_final_verify(mac: usize): i32 {
  if (!inMemory(mac, 32)) return E_BOUNDS;
  return authS().verify(mac);
}

// ---- Ed25519 and X25519 ----------------------------------------------------

export function crypto_sign_keypair(pk: usize, sk: usize, seed: usize): i32 {
  if (!inMemory(pk, 32) || !inMemory(sk, 64) || !inMemory(seed, 32)) return E_BOUNDS;
  ed25519KeypairFromSeed(pk, sk, seed);
  return OK;
}

export function crypto_sign(sig: usize, msg: usize, n: i32, sk: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(sig, 64) || !inMemory(msg, n) || !inMemory(sk, 64)) return E_BOUNDS;
  ed25519Sign(sig, msg, n, sk);
  return OK;
}

export function crypto_sign_verify(sig: usize, msg: usize, n: i32, pk: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(sig, 64) || !inMemory(msg, n) || !inMemory(pk, 32)) return E_BOUNDS;
  return ed25519Verify(sig, msg, n, pk);
}

// Streaming signing and verification for the host: one context each.
let signStream: Ed25519Signer | null = null;
function signS(): Ed25519Signer {
  let s = signStream;
  if (s === null) signStream = s = new Ed25519Signer();
  return s;
}
let verifyStream: Ed25519Verifier | null = null;
function verifyS(): Ed25519Verifier {
  let s = verifyStream;
  if (s === null) verifyStream = s = new Ed25519Verifier();
  return s;
}

export function crypto_sign_init(sk: usize): i32 {
  if (!inMemory(sk, 64)) return E_BOUNDS;
  signS().init(sk);
  return OK;
}

export function crypto_sign_update(msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(msg, n)) return E_BOUNDS;
  return signS().update(msg, n);
}

export function crypto_sign_commit(): i32 {
  return signS().commit();
}

export function crypto_sign_final(sig: usize): i32 {
  if (!inMemory(sig, 64)) return E_BOUNDS;
  return signS().final(sig);
}

export function crypto_sign_verify_init(sig: usize, pk: usize): i32 {
  if (!inMemory(sig, 64) || !inMemory(pk, 32)) return E_BOUNDS;
  return verifyS().init(sig, pk);
}

export function crypto_sign_verify_update(msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(msg, n)) return E_BOUNDS;
  return verifyS().update(msg, n);
}

export function crypto_sign_verify_final(): i32 {
  return verifyS().final();
}

export function crypto_sign_pk_to_x25519(out: usize, pk: usize): i32 {
  if (!inMemory(out, 32) || !inMemory(pk, 32)) return E_BOUNDS;
  return ed25519PkToX25519(out, pk);
}

export function crypto_sign_sk_to_x25519(out: usize, sk: usize): i32 {
  if (!inMemory(out, 32) || !inMemory(sk, 64)) return E_BOUNDS;
  ed25519SkToX25519(out, sk);
  return OK;
}

export function crypto_x25519(out: usize, scalar: usize, point: usize): i32 {
  if (!inMemory(out, 32) || !inMemory(scalar, 32) || !inMemory(point, 32)) return E_BOUNDS;
  return x25519(out, scalar, point);
}

export function crypto_x25519_base(out: usize, scalar: usize): i32 {
  if (!inMemory(out, 32) || !inMemory(scalar, 32)) return E_BOUNDS;
  x25519Base(out, scalar);
  return OK;
}

// ---- secretbox, box --------------------------------------------------------

export function crypto_secretbox(out: usize, msg: usize, n: i32, nonce: usize, key: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, <i64>n + 16) || !inMemory(msg, n) || !inMemory(nonce, 24) || !inMemory(key, 32)) return E_BOUNDS;
  secretbox(out, msg, n, nonce, key);
  return OK;
}

export function crypto_secretbox_open(out: usize, box: usize, n: i32, nonce: usize, key: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, max(n - 16, 0)) || !inMemory(box, n) || !inMemory(nonce, 24) || !inMemory(key, 32)) return E_BOUNDS;
  return secretboxOpen(out, box, n, nonce, key);
}

// One streaming secretbox context for the host (seal or open, one at a time).
let boxStream: SecretboxStream | null = null;
function boxS(): SecretboxStream {
  let s = boxStream;
  if (s === null) boxStream = s = new SecretboxStream();
  return s;
}

export function crypto_secretbox_init(nonce: usize, key: usize): i32 {
  if (!inMemory(nonce, 24) || !inMemory(key, 32)) return E_BOUNDS;
  boxS().sealInit(nonce, key);
  return OK;
}

export function crypto_secretbox_update(out: usize, msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, n) || !inMemory(msg, n)) return E_BOUNDS;
  return boxS().sealUpdate(out, msg, n);
}

export function crypto_secretbox_final(tag: usize): i32 {
  if (!inMemory(tag, 16)) return E_BOUNDS;
  return boxS().sealFinal(tag);
}

export function crypto_secretbox_open_init(nonce: usize, key: usize, tag: usize): i32 {
  if (!inMemory(nonce, 24) || !inMemory(key, 32) || !inMemory(tag, 16)) return E_BOUNDS;
  boxS().openInit(nonce, key, tag);
  return OK;
}

export function crypto_secretbox_open_update(ct: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(ct, n)) return E_BOUNDS;
  return boxS().openUpdate(ct, n);
}

export function crypto_secretbox_open_verify(): i32 {
  return boxS().openVerify();
}

export function crypto_secretbox_open_decrypt(out: usize, ct: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, n) || !inMemory(ct, n)) return E_BOUNDS;
  return boxS().openDecrypt(out, ct, n);
}

export function crypto_secretbox_finish(): void {
  boxS().finish();
}

export function crypto_box_beforenm(k: usize, pk: usize, sk: usize): i32 {
  if (!inMemory(k, 32) || !inMemory(pk, 32) || !inMemory(sk, 32)) return E_BOUNDS;
  return boxBeforenm(k, pk, sk);
}

export function crypto_box(out: usize, msg: usize, n: i32, nonce: usize, pk: usize, sk: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, <i64>n + 16) || !inMemory(msg, n) || !inMemory(nonce, 24) || !inMemory(pk, 32) || !inMemory(sk, 32)) return E_BOUNDS;
  return box(out, msg, n, nonce, pk, sk);
}

export function crypto_box_open(out: usize, b: usize, n: i32, nonce: usize, pk: usize, sk: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inMemory(out, max(n - 16, 0)) || !inMemory(b, n) || !inMemory(nonce, 24) || !inMemory(pk, 32) || !inMemory(sk, 32)) return E_BOUNDS;
  return boxOpen(out, b, n, nonce, pk, sk);
}
