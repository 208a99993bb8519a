// The nymote host library. Parts are also importable on their own (nymote/crypto, nymote/runtime).
export * from "./runtime/index.ts";
