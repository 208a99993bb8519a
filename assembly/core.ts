// The core module the host loads (gateway, simulator, tests, nymote/crypto): every
// part's exports. A device image is built from assembly/sdk plus an app instead.
export * from "./abi/exports";
export * from "./crypto/exports";
export * from "./cbor/exports";
export * from "./store/exports";
export * from "./store/flash/exports";
export * from "./sync/exports";
export * from "./identity/exports";
export * from "./provenance/exports";
export * from "./identity/exports";
