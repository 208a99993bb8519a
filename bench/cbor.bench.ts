// CBOR: validating and canonicalizing in the core (Wasm, per call through the
// host runtime) against cbor-x decoding and re-encoding the same bytes in JS.
// Both sides include their call overheads; the inputs stay in place.
import { Decoder, Encoder } from "cbor-x";
import { Core } from "../host/runtime/index.ts";

function opsPerSec(fn: () => void, ms = 400): number {
  for (let i = 0; i < 200; i++) fn();
  let n = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    for (let i = 0; i < 100; i++) fn();
    n += 100;
    t = performance.now();
  }
  return (n * 1000) / (t - t0);
}

const samples: [string, unknown][] = [
  ["PN counter, 8 writers", new Map(Array.from({ length: 8 }, (_, i) => [Buffer.alloc(32, i), [i * 1000, i]]))],
  [
    "reading record",
    new Map<unknown, unknown>([
      ["t", 1700000000123],
      ["v", 21.5],
      ["unit", "C"],
      ["ok", true],
    ]),
  ],
  ["time series, 100 entries", Array.from({ length: 100 }, (_, i) => [1700000000 + i, Buffer.alloc(8, 1), 20 + i / 8])],
];

export async function run(): Promise<void> {
  const enc = new Encoder({ mapsAsObjects: false, useRecords: false });
  const dec = new Decoder({ mapsAsObjects: false, useRecords: false });
  console.log(
    "| value | bytes | core target | cbor_check ops/s | cbor_canonicalize ops/s | cbor-x decode ops/s | cbor-x decode+encode ops/s | canonicalize / cbor-x round trip |",
  );
  console.log("| --- | ---: | --- | ---: | ---: | ---: | ---: | ---: |");
  for (const target of ["release", "gateway"] as const) {
    const core = new Core(target);
    for (const [name, value] of samples) {
      const bytes = new Uint8Array(enc.encode(value));
      const cap = bytes.length;
      const inp = core.alloc(bytes.length);
      const out = core.alloc(cap);
      core.write(inp, bytes);
      const check = opsPerSec(() => core.call("cbor_check", inp, bytes.length, 0));
      const canon = opsPerSec(() => core.call("cbor_canonicalize", inp, bytes.length, out, cap));
      const xd = opsPerSec(() => dec.decode(bytes));
      const xr = opsPerSec(() => enc.encode(dec.decode(bytes)));
      core.free(inp);
      core.free(out);
      const f = (x: number) => Math.round(x).toLocaleString("en-US");
      console.log(
        `| ${name} | ${bytes.length} | ${target} | ${f(check)} | ${f(canon)} | ${f(xd)} | ${f(xr)} | ${(canon / xr).toFixed(2)} |`,
      );
    }
  }
}
