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
import { Sha256, sha256 } from "./sha256";
import { Sha512, sha512 } from "./sha512";
import { x25519, x25519Base } from "./x25519";

// [p, p+n) lies inside linear memory (u64 so p + n cannot wrap).
@inline
function inside(p: usize, n: i32): bool {
  return n >= 0 && <u64>p + <u64>n <= (<u64>memory.size() << 16);
}

export function crypto_sha256(out: usize, p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(out, 32) || !inside(p, n)) return E_BOUNDS;
  sha256(out, p, n);
  return OK;
}

export function crypto_sha512(out: usize, p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(out, 64) || !inside(p, n)) return E_BOUNDS;
  sha512(out, p, n);
  return OK;
}

// One streaming context per hash for the host (it feeds large messages through a
// fixed buffer); the one-shot exports above do not disturb it.
const stream256 = new Sha256();
const stream512 = new Sha512();

export function crypto_sha256_init(): void {
  stream256.reset();
}

export function crypto_sha256_update(p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(p, n)) return E_BOUNDS;
  stream256.update(p, n);
  return OK;
}

export function crypto_sha256_final(out: usize): i32 {
  if (!inside(out, 32)) return E_BOUNDS;
  stream256.final(out);
  return OK;
}

export function crypto_sha512_init(): void {
  stream512.reset();
}

export function crypto_sha512_update(p: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(p, n)) return E_BOUNDS;
  stream512.update(p, n);
  return OK;
}

export function crypto_sha512_final(out: usize): i32 {
  if (!inside(out, 64)) return E_BOUNDS;
  stream512.final(out);
  return OK;
}

export function crypto_hmac_sha256(out: usize, key: usize, keyLen: i32, msg: usize, n: i32): i32 {
  if (n < 0 || keyLen < 0) return E_INVAL;
  if (!inside(out, 32) || !inside(key, keyLen) || !inside(msg, n)) return E_BOUNDS;
  hmacSha256(out, key, keyLen, msg, n);
  return OK;
}

export function crypto_hmac_sha512(out: usize, key: usize, keyLen: i32, msg: usize, n: i32): i32 {
  if (n < 0 || keyLen < 0) return E_INVAL;
  if (!inside(out, 64) || !inside(key, keyLen) || !inside(msg, n)) return E_BOUNDS;
  hmacSha512(out, key, keyLen, msg, n);
  return OK;
}

export function crypto_auth(out: usize, key: usize, msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(out, 32) || !inside(key, 32) || !inside(msg, n)) return E_BOUNDS;
  hmacSha512_256(out, key, msg, n);
  return OK;
}

export function crypto_auth_verify(mac: usize, key: usize, msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(mac, 32) || !inside(key, 32) || !inside(msg, n)) return E_BOUNDS;
  return hmacSha512_256Verify(mac, key, msg, n);
}

// One streaming crypto_auth context for the host.
const authStream = new AuthStream();

export function crypto_auth_init(key: usize): i32 {
  if (!inside(key, 32)) return E_BOUNDS;
  authStream.init(key);
  return OK;
}

export function crypto_auth_update(msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(msg, n)) return E_BOUNDS;
  authStream.update(msg, n);
  return OK;
}

export function crypto_auth_final(out: usize): i32 {
  if (!inside(out, 32)) return E_BOUNDS;
  authStream.final(out);
  return OK;
}

export function crypto_auth_final_verify(mac: usize): i32 {
  if (!inside(mac, 32)) return E_BOUNDS;
  return authStream.verify(mac);
}

// ---- Ed25519 and X25519 ----------------------------------------------------

export function crypto_sign_keypair(pk: usize, sk: usize, seed: usize): i32 {
  if (!inside(pk, 32) || !inside(sk, 64) || !inside(seed, 32)) return E_BOUNDS;
  ed25519KeypairFromSeed(pk, sk, seed);
  return OK;
}

export function crypto_sign(sig: usize, msg: usize, n: i32, sk: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(sig, 64) || !inside(msg, n) || !inside(sk, 64)) return E_BOUNDS;
  ed25519Sign(sig, msg, n, sk);
  return OK;
}

export function crypto_sign_verify(sig: usize, msg: usize, n: i32, pk: usize): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(sig, 64) || !inside(msg, n) || !inside(pk, 32)) return E_BOUNDS;
  return ed25519Verify(sig, msg, n, pk);
}

// Streaming signing and verification for the host: one context each.
const signStream = new Ed25519Signer();
const verifyStream = new Ed25519Verifier();

export function crypto_sign_init(sk: usize): i32 {
  if (!inside(sk, 64)) return E_BOUNDS;
  signStream.init(sk);
  return OK;
}

export function crypto_sign_update(msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(msg, n)) return E_BOUNDS;
  return signStream.update(msg, n);
}

export function crypto_sign_commit(): i32 {
  return signStream.commit();
}

export function crypto_sign_final(sig: usize): i32 {
  if (!inside(sig, 64)) return E_BOUNDS;
  return signStream.final(sig);
}

export function crypto_sign_verify_init(sig: usize, pk: usize): i32 {
  if (!inside(sig, 64) || !inside(pk, 32)) return E_BOUNDS;
  return verifyStream.init(sig, pk);
}

export function crypto_sign_verify_update(msg: usize, n: i32): i32 {
  if (n < 0) return E_INVAL;
  if (!inside(msg, n)) return E_BOUNDS;
  return verifyStream.update(msg, n);
}

export function crypto_sign_verify_final(): i32 {
  return verifyStream.final();
}

export function crypto_sign_pk_to_x25519(out: usize, pk: usize): i32 {
  if (!inside(out, 32) || !inside(pk, 32)) return E_BOUNDS;
  return ed25519PkToX25519(out, pk);
}

export function crypto_sign_sk_to_x25519(out: usize, sk: usize): i32 {
  if (!inside(out, 32) || !inside(sk, 64)) return E_BOUNDS;
  ed25519SkToX25519(out, sk);
  return OK;
}

export function crypto_x25519(out: usize, scalar: usize, point: usize): i32 {
  if (!inside(out, 32) || !inside(scalar, 32) || !inside(point, 32)) return E_BOUNDS;
  return x25519(out, scalar, point);
}

export function crypto_x25519_base(out: usize, scalar: usize): i32 {
  if (!inside(out, 32) || !inside(scalar, 32)) return E_BOUNDS;
  x25519Base(out, scalar);
  return OK;
}
