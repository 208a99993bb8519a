// The owner's side of enrollment for gateways and simulated devices: issues
// certificates (host/identity) with the owner's key. From an owner data
// directory (`nymote identity init`), serials come from its `serial` file and
// certificates are kept in certs/ as `nymote enroll` keeps them; a throwaway
// owner (tests, in-process fleets) counts serials in memory.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import nacl from "tweetnacl";
import { issueCertificate, issueRevocationList } from "../identity/cert.ts";
import { nextSerial, type OwnerIdentity } from "../identity/keys.ts";

export interface Grant {
  name: string;
  write: string[];
  read: string[];
  /** Seconds since the epoch; default: an hour ago (clock slack). */
  notBefore?: number;
  /** Default: a year after now. */
  notAfter?: number;
}

export class Owner {
  private serial = 0;

  constructor(
    readonly publicKey: Uint8Array,
    private readonly secretKey: Uint8Array,
    readonly networkKey: Uint8Array,
    /** The owner data directory, or null for a throwaway owner. */
    readonly dir: string | null,
  ) {}

  static of(id: OwnerIdentity): Owner {
    return new Owner(id.publicKey, id.secretKey, id.networkKey, id.dir);
  }

  /** An owner that exists only in memory (tests, `nymote sim`). */
  static throwaway(networkKey: Uint8Array = nacl.randomBytes(32)): Owner {
    const kp = nacl.sign.keyPair();
    return new Owner(kp.publicKey, kp.secretKey, networkKey, null);
  }

  /** A certificate for the subject key with the next serial. */
  issue(subject: Uint8Array, g: Grant): Uint8Array {
    const now = Math.floor(Date.now() / 1000);
    const serial = this.dir ? nextSerial(this.dir) : ++this.serial;
    const cert = issueCertificate(
      {
        serial,
        device: subject,
        name: g.name,
        write: g.write,
        read: g.read,
        notBefore: g.notBefore ?? now - 3600,
        notAfter: g.notAfter ?? now + 365 * 86400,
      },
      this.secretKey,
    );
    if (this.dir) writeFileSync(join(this.dir, "certs", `${serial}-${g.name.replace(/[^A-Za-z0-9._-]/g, "_")}.cose`), cert);
    return cert;
  }

  /** A revocation list (sequence: higher supersedes lower) of the given serials. */
  revoke(serials: number[], sequence: number): Uint8Array {
    return issueRevocationList({ sequence, issuedAt: Math.floor(Date.now() / 1000), serials }, this.secretKey);
  }
}
