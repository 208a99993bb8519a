// The nymote host library. Parts are also importable on their own (nymote/crypto, nymote/runtime).

export * from "./flash/index.ts";
export * from "./identity/index.ts";
export * from "./runtime/index.ts";
