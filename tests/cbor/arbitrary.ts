// fast-check generators for the test model (tests/cbor/model.ts).
import fc from "fast-check";
import { doubleBits, encodeCanonical, hex, U64_MAX, type V } from "./model.ts";

export interface Options {
  /** Only what cbor-x decodes as plain data: simple values 20..23, tags it leaves alone, map keys that stay distinct in JS. */
  cborx: boolean;
  depth: number;
}

const argument = fc.oneof(
  { weight: 4, arbitrary: fc.bigInt(0n, 30n) },
  { weight: 2, arbitrary: fc.bigInt(0n, 0x1_0000n) },
  { weight: 1, arbitrary: fc.constantFrom(23n, 24n, 0xffn, 0x100n, 0xffffn, 0x10000n, 0xffffffffn, 0x1_0000_0000n, U64_MAX) },
  { weight: 1, arbitrary: fc.bigInt(0n, U64_MAX) },
);

/** Doubles biased towards values that fit half and single exactly, edges and NaN payloads. */
const floatBits = fc.oneof(
  fc.double().map(doubleBits),
  fc.float().map((x) => doubleBits(x)),
  fc.integer({ min: -2048, max: 2048 }).chain((m) => fc.integer({ min: -26, max: 17 }).map((e) => doubleBits(m * 2 ** e))),
  fc.integer({ min: -(2 ** 24), max: 2 ** 24 }).chain((m) => fc.integer({ min: -152, max: 104 }).map((e) => doubleBits(m * 2 ** e))),
  fc.constantFrom(
    0x7ff8000000000000n, // quiet NaN: half
    0xfff8000000000000n,
    0x7ff0000020000000n, // signalling NaN with a payload a single holds
    0x7ff4000000000000n, // payload a half holds
    0x7ff8000000000001n, // payload only a double holds
    0x7ff0000000000000n,
    0xfff0000000000000n,
    0x8000000000000000n,
    0x0000000000000001n, // double subnormal
    doubleBits(65504),
    doubleBits(65520),
    doubleBits(2 ** -24),
    doubleBits(2 ** -25),
    doubleBits(2 ** -149),
    doubleBits(3.4028234663852886e38),
  ),
);

export function value(opts: Options): fc.Arbitrary<V> {
  const { cborx } = opts;
  const scalar: fc.Arbitrary<V> = fc.oneof(
    argument.map((v): V => ({ t: "uint", v })),
    argument.map((v): V => ({ t: "nint", v })),
    fc.uint8Array({ maxLength: 40 }).map((v): V => ({ t: "bytes", v })),
    fc.string({ unit: "binary", maxLength: 12 }).map((v): V => ({ t: "text", v })),
    fc.string({ maxLength: 300 }).map((v): V => ({ t: "text", v })),
    (cborx ? fc.integer({ min: 20, max: 23 }) : fc.oneof(fc.integer({ min: 0, max: 23 }), fc.integer({ min: 32, max: 255 }))).map(
      (v): V => ({ t: "simple", v }),
    ),
    floatBits.map((bits): V => ({ t: "float", bits })),
  );
  const key: fc.Arbitrary<V> = cborx
    ? fc.oneof(
        argument.map((v): V => ({ t: "uint", v })),
        argument.map((v): V => ({ t: "nint", v })),
        fc.string({ maxLength: 8 }).map((v): V => ({ t: "text", v })),
        fc.uint8Array({ maxLength: 6 }).map((v): V => ({ t: "bytes", v })),
      )
    : scalar;
  const tagNumber = cborx ? fc.oneof(fc.integer({ min: 6, max: 26 }), fc.integer({ min: 260, max: 27000 })).map(BigInt) : argument;
  const { tree } = fc.letrec<{ tree: V; node: V }>((tie) => ({
    tree: fc.oneof({ depthSize: "small", maxDepth: opts.depth, withCrossShrink: true }, scalar, tie("node")),
    node: fc.oneof(
      fc.array(tie("tree"), { maxLength: 6 }).map((v): V => ({ t: "array", v })),
      fc
        .uniqueArray(fc.tuple(cborx ? key : fc.oneof(key, tie("tree")), tie("tree")), {
          maxLength: 6,
          selector: ([k]) => hex(encodeCanonical(k)),
        })
        .map((v): V => ({ t: "map", v })),
      fc.tuple(tagNumber, tie("tree")).map(([tag, v]): V => ({ t: "tag", tag, v })),
    ),
  }));
  return tree;
}
