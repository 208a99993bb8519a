// IEEE-754 width selection and widening for CBOR floats, on raw bits only: Wasm's
// f32<->f64 conversions may canonicalise NaN payloads, so no float arithmetic here.
// RFC 8949 §4.2.1: a deterministic float uses the shortest of half (binary16),
// single (binary32) and double (binary64) that represents the value exactly.

/** Number of trailing zero bits needed in the 53-bit significand (implicit 1
 *  included) for a value with unbiased exponent e to be a multiple of 2^minExp. */
@inline function fitsUnits(sig: u64, e: i32, minExp: i32): bool {
  // value = sig * 2^(e-52); a multiple of 2^minExp iff ctz(sig) >= 52 + minExp - e.
  const need = 52 + minExp - e;
  return need <= 0 || <i32>ctz(sig) >= need;
}

/** Bytes (2, 4 or 8) of the shortest exact encoding of the double with these bits. */
export function floatWidth(bits: u64): i32 {
  const exp = <i32>((bits >> 52) & 0x7ff);
  const mant = bits & 0xfffffffffffff;
  if (exp == 0x7ff) {
    // Inf and NaN: the payload's dropped low bits must be zero.
    if ((mant & 0x3ffffffffff) == 0) return 2;
    if ((mant & 0x1fffffff) == 0) return 4;
    return 8;
  }
  if (exp == 0) return mant == 0 ? 2 : 8; // ±0; double subnormals are below single range
  const e = exp - 1023;
  const sig = mant | (<u64>1 << 52);
  if (e >= -24 && e <= 15 && fitsUnits(sig, e, e >= -14 ? e - 10 : -24)) return 2;
  if (e >= -149 && e <= 127 && fitsUnits(sig, e, e >= -126 ? e - 23 : -149)) return 4;
  return 8;
}

/** Half bits of a double that floatWidth() reported as width 2. */
export function toHalf(bits: u64): u16 {
  const sign = <u16>((bits >> 48) & 0x8000);
  const exp = <i32>((bits >> 52) & 0x7ff);
  const mant = bits & 0xfffffffffffff;
  if (exp == 0x7ff) return sign | 0x7c00 | <u16>(mant >> 42);
  if (exp == 0) return sign;
  const e = exp - 1023;
  if (e >= -14) return sign | <u16>((e + 15) << 10) | <u16>(mant >> 42);
  // Subnormal half: value in units of 2^-24.
  return sign | <u16>((mant | (<u64>1 << 52)) >> <u64>(28 - e));
}

/** Single bits of a double that floatWidth() reported as width <= 4. */
export function toSingle(bits: u64): u32 {
  const sign = <u32>((bits >> 32) & 0x80000000);
  const exp = <i32>((bits >> 52) & 0x7ff);
  const mant = bits & 0xfffffffffffff;
  if (exp == 0x7ff) return sign | 0x7f800000 | <u32>(mant >> 29);
  if (exp == 0) return sign;
  const e = exp - 1023;
  if (e >= -126) return sign | (<u32>(e + 127) << 23) | <u32>(mant >> 29);
  // Subnormal single: value in units of 2^-149.
  return sign | <u32>((mant | (<u64>1 << 52)) >> <u64>(-97 - e));
}

/** Double bits (sign clear) of mant * 2^unitExp, mant != 0: a normal double. */
@inline function subnormalToDouble(mant: u64, unitExp: i32): u64 {
  const p = 63 - <i32>clz(mant); // the leading 1 becomes the implicit bit
  return (<u64>(p + unitExp + 1023) << 52) | ((mant << <u64>(52 - p)) & 0xfffffffffffff);
}

/** Double bits of a half, exactly (NaN payload kept). */
export function fromHalf(h: u32): u64 {
  const sign = <u64>(h & 0x8000) << 48;
  const exp = <i32>((h >> 10) & 0x1f);
  const mant = <u64>(h & 0x3ff);
  if (exp == 0x1f) return sign | (<u64>0x7ff << 52) | (mant << 42);
  if (exp != 0) return sign | (<u64>(exp - 15 + 1023) << 52) | (mant << 42);
  if (mant == 0) return sign;
  return sign | subnormalToDouble(mant, -24);
}

/** Double bits of a single, exactly (NaN payload kept). */
export function fromSingle(s: u32): u64 {
  const sign = <u64>(s & 0x80000000) << 32;
  const exp = <i32>((s >> 23) & 0xff);
  const mant = <u64>(s & 0x7fffff);
  if (exp == 0xff) return sign | (<u64>0x7ff << 52) | (mant << 29);
  if (exp != 0) return sign | (<u64>(exp - 127 + 1023) << 52) | (mant << 29);
  if (mant == 0) return sign;
  return sign | subnormalToDouble(mant, -149);
}
