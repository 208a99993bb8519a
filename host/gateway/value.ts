// Values as the owner writes them on main: deterministic CBOR (RFC 8949
// §4.2.1, DESIGN "Values"). The demo, the simulated fleet and `nymote set`
// encode with the same helper.
import { encode } from "cbor-x";
import type { Core } from "../runtime/index.ts";

/** bindings/abi/cbor.json cbor_check flag: shortest arguments and floats, sorted map keys. */
const CANONICAL = 1;

/** A JavaScript value as CBOR bytes (cbor-x; integers as CBOR integers). */
export function encodeCbor(v: unknown): Uint8Array {
  // cbor-x's encode returns a Buffer; the store takes plain bytes.
  return new Uint8Array(encode(v));
}

/**
 * A JSON text (`15`, `"text"`, `{"a":1}`) as deterministic CBOR: encodeCbor,
 * then re-encoded by the core (cbor_canonicalize: sorted map keys, shortest
 * lengths and floats). Integers beyond 32 bits stay integers (cbor-x writes a
 * JavaScript number past 2^32 as a float unless it is a BigInt).
 */
export function cborOfJson(core: Core, text: string): Uint8Array {
  let v: unknown;
  try {
    v = JSON.parse(text, (_k, x: unknown) =>
      typeof x === "number" && Number.isSafeInteger(x) && Math.abs(x) > 0xffffffff ? BigInt(x) : x,
    );
  } catch (e) {
    throw new Error(`the value is not JSON (${e instanceof Error ? e.message : String(e)}); a string needs quotes: '"text"'`);
  }
  const b = encodeCbor(v);
  const cap = b.length + 16;
  return core.with([b, cap], ([p, o]) => {
    const n = core.call("cbor_canonicalize", p as number, b.length, o as number, cap);
    if (n < 0) throw new Error(`the value cannot be stored as deterministic CBOR (${n})`);
    return core.read(o as number, n);
  });
}

/** True when bytes are exactly one well-formed item in deterministic encoding (cbor_check). */
export function isDeterministicCbor(core: Core, bytes: Uint8Array): boolean {
  return core.with([bytes], ([p]) => core.call("cbor_check", p as number, bytes.length, CANONICAL)) === 0;
}
