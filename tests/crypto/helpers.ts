// Shared by the crypto tests: the targets every suite runs on, hex helpers, and
// the random-case budget (NYMOTE_LONG=1 multiplies it by 10).
import type { Target } from "../../host/build/compile.ts";
import { createCrypto, type NymoteCrypto } from "../../host/crypto/index.ts";

/** Every suite runs on the three builds of the core: gateway (-O3), release
 *  (the -Oz device build) and debug (unoptimized, assertions on). */
export const targets: Target[] = ["gateway", "release", "debug"];
export const LONG = process.env.NYMOTE_LONG === "1";
/** Random cases per primitive per target; three targets make >= 1,500 in all. */
export const RUNS = LONG ? 5000 : 500;

const instances = new Map<Target, NymoteCrypto>();
export function cryptoFor(target: Target): NymoteCrypto {
  let c = instances.get(target);
  if (!c) {
    c = createCrypto(target);
    instances.set(target, c);
  }
  return c;
}

export const hex = (b: Uint8Array): string => Buffer.from(b).toString("hex");
export const unhex = (s: string): Uint8Array => new Uint8Array(Buffer.from(s, "hex"));
export const utf8 = (s: string): Uint8Array => new TextEncoder().encode(s);
