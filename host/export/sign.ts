// Host side of the core's commit signatures (assembly/identity/commit-sign.ts):
// copy in, call, copy out. The crypto and the format live in the core only.
import { check } from "../runtime/errors.ts";
import type { Core } from "../runtime/instance.ts";

/** Bytes the signature header adds (COMMIT_SIG_HEADER_LEN in the core). */
const HEADER_ROOM = 313;

/** The commit body with a gpgsig-sha256 SSH signature by sk64 (NaCl seed ‖ public key). */
export function signCommit(core: Core, commit: Uint8Array, sk64: Uint8Array): Uint8Array {
  const cap = commit.length + HEADER_ROOM;
  return core.with([commit, sk64, cap], ([c, k, out]) => {
    const n = check(core.call("provenance_commit_sign", out, cap, c, commit.length, k), "provenance_commit_sign");
    return core.read(out, n);
  });
}

/** OK (0) or the core's error code for the commit's signature by public key pk. */
export function verifyCommit(core: Core, commit: Uint8Array, pk: Uint8Array): number {
  return core.with([commit, pk], ([c, k]) => core.call("provenance_commit_verify", c, commit.length, k));
}

/** Armored SSHSIG (namespace git, sha512) over msg, as `ssh-keygen -Y sign -n git` writes it. */
export function sshsigSign(core: Core, msg: Uint8Array, sk64: Uint8Array): Uint8Array {
  const len = core.call("provenance_sshsig_len");
  return core.with([msg, sk64, len], ([m, k, out]) => {
    const n = check(core.call("provenance_sshsig_sign", out, m, msg.length, k), "provenance_sshsig_sign");
    return core.read(out, n);
  });
}

export function sshsigVerify(core: Core, sig: Uint8Array, msg: Uint8Array, pk: Uint8Array): number {
  return core.with([sig, msg, pk], ([s, m, k]) => core.call("provenance_sshsig_verify", s, sig.length, m, msg.length, k));
}
