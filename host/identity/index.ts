// Owner keys, device certificates and revocation lists on the host (nymote/identity).
export * from "./cert.ts";
export * from "./device.ts";
export * from "./keys.ts";
