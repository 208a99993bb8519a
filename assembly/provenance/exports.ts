// Provenance exports the host calls (bindings/abi/provenance.json): SSH signatures
// on Git commits, made and checked in the core. Every export checks its ranges
// against linear memory first, so bad pointers give E_BOUNDS, never a trap.
import { E_BOUNDS, E_INVAL } from "../abi/errors";
import { commitSign, commitVerify } from "../identity/commit-sign";
import { SSHSIG_ARMOR_LEN, sshsigSign, sshsigVerifyRanges } from "../identity/sshsig";
import { inMemory } from "../abi/bounds";
import { signWithDeviceKey } from "./device";

/** Bytes of an armored Ed25519 SSH signature (sshsig_sign's output). */
export function provenance_sshsig_len(): i32 {
  return SSHSIG_ARMOR_LEN;
}

/** Armored SSHSIG (namespace git, sha512) of [msg, msg+n) by sk64 into out (provenance_sshsig_len bytes). */
export function provenance_sshsig_sign(out: usize, msg: usize, n: i32, sk64: usize): i32 {
  if (!inMemory(out, SSHSIG_ARMOR_LEN) || !inMemory(msg, n) || !inMemory(sk64, 64)) return E_BOUNDS;
  sshsigSign(out, msg, n, sk64);
  return SSHSIG_ARMOR_LEN;
}

/** Verifies the armored SSHSIG [sig, sig+sigLen) over [msg, msg+n) with pk32 (namespace git). */
export function provenance_sshsig_verify(sig: usize, sigLen: i32, msg: usize, n: i32, pk32: usize): i32 {
  if (!inMemory(sig, sigLen) || !inMemory(msg, n) || !inMemory(pk32, 32)) return E_BOUNDS;
  return sshsigVerifyRanges(sig, sigLen, msg, n, msg + <usize>n, 0, pk32);
}

/** Signs a commit object body: writes it with a gpgsig-sha256 header to out (not overlapping it); returns the length. */
export function provenance_commit_sign(out: usize, cap: i32, commit: usize, n: i32, sk64: usize): i32 {
  if (cap < 0) return E_INVAL;
  if (!inMemory(out, cap) || !inMemory(commit, n) || !inMemory(sk64, 64)) return E_BOUNDS;
  if (out < commit + <usize>n && commit < out + <usize>cap) return E_INVAL;
  return commitSign(out, cap, commit, n, sk64);
}

/** Verifies a commit object body's gpgsig-sha256 SSH signature against pk32. */
export function provenance_commit_verify(commit: usize, n: i32, pk32: usize): i32 {
  if (!inMemory(commit, n) || !inMemory(pk32, 32)) return E_BOUNDS;
  return commitVerify(commit, n, pk32);
}

/** Store h signs every commit it writes with this device's key (on = 1), or stops (on = 0). Needs identity_init first. */
export function provenance_store_sign(h: i32, on: i32): i32 {
  if (on != 0 && on != 1) return E_INVAL;
  return signWithDeviceKey(h, on == 1);
}
