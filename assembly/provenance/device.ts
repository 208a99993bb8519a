// Devices sign what they commit: a store marked here signs every commit it
// writes (readings, merges, sync's commits) with the device's Ed25519 key as a
// `gpgsig-sha256` SSH signature, at commit time, so a commit's id already covers
// its signature (docs/provenance.md). The secret key never leaves the core.
import { E_INVAL, E_STATE, OK } from "../abi/errors";
import { COMMIT_SIG_HEADER_LEN, commitSign } from "../identity/commit-sign";
import { deviceSk, isLoaded } from "../identity/keys";
import { CommitSigner } from "../store/commit";
import { storeOf } from "../store/handles";

class DeviceSigner extends CommitSigner {
  overhead(): i32 {
    return COMMIT_SIG_HEADER_LEN;
  }

  sign(out: usize, cap: i32, body: usize, n: i32): i32 {
    return commitSign(out, cap, body, n, deviceSk);
  }
}

let signer: DeviceSigner | null = null;

/**
 * Store h signs every commit with the device key from now on (on), or stops
 * (!on). E_STATE before identityInit() loaded or created the key; E_INVAL for a
 * bad handle.
 */
export function signWithDeviceKey(h: i32, on: bool): i32 {
  const s = storeOf(h);
  if (s === null) return E_INVAL;
  if (!on) {
    s.signer = null;
    return OK;
  }
  if (!isLoaded()) return E_STATE;
  let d = signer;
  if (d === null) signer = d = new DeviceSigner();
  s.signer = d;
  return OK;
}
