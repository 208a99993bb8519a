// The crypto exports the host calls (bindings/abi/crypto.json). Each checks that
// every pointer range lies inside linear memory and every length is in its domain
// before touching memory, and returns OK or a negative code; they never trap.
import { E_BOUNDS, E_INVAL, OK } from "../abi/errors";
import { AuthStream, hmacSha256, hmacSha512, hmacSha512_256, hmacSha512_256Verify } from "./hmac";
import { Sha256, sha256 } from "./sha256";
import { Sha512, sha512 } from "./sha512";

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
