// Deterministic CBOR (RFC 8949): docs/cbor.md.
export * from "./head";
export { floatWidth } from "./float";
export { CBOR_CANONICAL, CBOR_MAX_DEPTH, CBOR_PARTIAL, CborReader } from "./reader";
export { compareBytes, itemEnd, sortMapEntries } from "./sort";
export { utf8Valid } from "./utf8";
export { CborWriter } from "./writer";
export { canonicalize } from "./canonical";
