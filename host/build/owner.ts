// The keys `nymote build --owner DIR` bakes into an image, read with the identity
// part's loader from the owner directory that `nymote identity init` writes
// (docs/identity.md, "Baking"): the owner's Ed25519 public key and the network key.
import { askPassphrase } from "../identity/cli.ts";
import { IdentityError, loadIdentity } from "../identity/keys.ts";
import { BuildError } from "./image.ts";

export interface OwnerKeys {
  publicKey: Uint8Array;
  networkKey: Uint8Array;
}

export async function loadOwnerKeys(dir: string): Promise<OwnerKeys> {
  const load = (passphrase?: string) => {
    const id = loadIdentity(dir, passphrase);
    id.secretKey.fill(0); // the build needs only the public key and the network key
    return { publicKey: id.publicKey, networkKey: id.networkKey };
  };
  try {
    try {
      return load();
    } catch (e) {
      // An encrypted owner directory: NYMOTE_PASSPHRASE, else asked on the terminal.
      if (e instanceof IdentityError && /encrypted/.test(e.message)) return load(await askPassphrase(false));
      throw e;
    }
  } catch (e) {
    if (e instanceof IdentityError) throw new BuildError(`--owner ${dir}: ${e.message}`);
    throw e;
  }
}
