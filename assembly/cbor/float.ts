// IEEE-754 width selection and conversion for CBOR floats, on raw bits only: Wasm's
// f32<->f64 conversions may canonicalise NaN payloads, so no float arithmetic here.
// RFC 8949 §4.2.1: a deterministic float uses the shortest of half (binary16),
// single (binary32) and double (binary64) that represents the value exactly.
// A narrow format has expBits exponent bits (bias 2^(expBits-1) - 1) and mantBits
// stored mantissa bits: half 5/10, single 8/23.

const MANT52: u64 = 0xfffffffffffff;

/** True if the double with these bits is exactly representable in the narrow format. */
function fits(bits: u64, expBits: i32, mantBits: i32): bool {
  const exp = <i32>((bits >> 52) & 0x7ff);
  const mant = bits & MANT52;
  // Inf and NaN: the payload's dropped low bits must be zero.
  if (exp == 0x7ff) return (mant & ((<u64>1 << <u64>(52 - mantBits)) - 1)) == 0;
  if (exp == 0) return mant == 0; // ±0; double subnormals are below single range
  const bias = (1 << (expBits - 1)) - 1;
  const e = exp - 1023;
  const minUnit = 1 - bias - mantBits; // exponent of the smallest subnormal
  if (e > bias || e < minUnit) return false;
  // value = sig * 2^(e-52) must be a multiple of the format's unit at exponent e.
  const unit = e >= 1 - bias ? e - mantBits : minUnit;
  const need = 52 + unit - e;
  return need <= 0 || <i32>ctz(mant | (<u64>1 << 52)) >= need;
}

/** Bytes (2, 4 or 8) of the shortest exact encoding of the double with these bits. */
export function floatWidth(bits: u64): i32 {
  if (fits(bits, 5, 10)) return 2;
  if (fits(bits, 8, 23)) return 4;
  return 8;
}

/** The narrow-format bits of a double for which fits() holds. */
function narrow(bits: u64, expBits: i32, mantBits: i32): u32 {
  const sign = <u32>(bits >> 63) << (expBits + mantBits);
  const exp = <i32>((bits >> 52) & 0x7ff);
  const mant = bits & MANT52;
  const expMax = (1 << expBits) - 1;
  const bias = (1 << (expBits - 1)) - 1;
  const drop = <u64>(52 - mantBits);
  if (exp == 0x7ff) return sign | (<u32>expMax << mantBits) | <u32>(mant >> drop);
  if (exp == 0) return sign;
  const e = exp - 1023;
  if (e >= 1 - bias) return sign | (<u32>(e + bias) << mantBits) | <u32>(mant >> drop);
  // Subnormal: the value in units of the smallest subnormal, 2^(1-bias-mantBits).
  return sign | <u32>((mant | (<u64>1 << 52)) >> <u64>(52 + 1 - bias - mantBits - e));
}

/** The double bits of a narrow-format value, exactly (NaN payload kept). */
function widen(v: u32, expBits: i32, mantBits: i32): u64 {
  const sign = <u64>(v >> (expBits + mantBits)) << 63;
  const expMax = (1 << expBits) - 1;
  const bias = (1 << (expBits - 1)) - 1;
  const exp = <i32>(v >> mantBits) & expMax;
  const mant = <u64>(v & ((1 << mantBits) - 1));
  const lift = <u64>(52 - mantBits);
  if (exp == expMax) return sign | (<u64>0x7ff << 52) | (mant << lift);
  if (exp != 0) return sign | (<u64>(exp - bias + 1023) << 52) | (mant << lift);
  if (mant == 0) return sign;
  // Subnormal mant * 2^(1-bias-mantBits): its leading 1 becomes the implicit bit.
  const p = 63 - <i32>clz(mant);
  return sign | (<u64>(p + 1 - bias - mantBits + 1023) << 52) | ((mant << <u64>(52 - p)) & MANT52);
}

export function toHalf(bits: u64): u16 {
  return <u16>narrow(bits, 5, 10);
}

export function toSingle(bits: u64): u32 {
  return narrow(bits, 8, 23);
}

export function fromHalf(h: u32): u64 {
  return widen(h & 0xffff, 5, 10);
}

export function fromSingle(s: u32): u64 {
  return widen(s, 8, 23);
}
