// Scalars mod the group order L = 2^252 + c, c = 27742317777372353535851937790883648493
// (RFC 8032 §5.1). Working form: signed i64 limbs of 28 bits. Since 252 = 9 * 28,
// a limb k >= 9 folds onto limbs k-9 .. k-5 by 2^252 = -c (mod L), c < 2^125 being
// five limbs. Constant time: the fold, carries and final subtractions never branch
// on limb values.

// c = L - 2^252 and L, in 28-bit limbs.
const C = memory.data<i64>([0xcf5d3ed, 0x12631a5, 0x79cd658, 0xf9dea2f, 0x14de]);
const LIMBS_L = memory.data<i64>([0xcf5d3ed, 0x12631a5, 0x79cd658, 0xf9dea2f, 0x14de, 0, 0, 0, 0, 1]);
const MASK: i64 = (1 << 28) - 1;

// Working limbs (19 hold 532 >= 512 bits), and the three 10-limb operands.
const X = memory.data(20 * 8);
const YA = memory.data(10 * 8);
const YB = memory.data(10 * 8);
const YC = memory.data(10 * 8);
const Y = memory.data(10 * 8);

@inline
function limb(x: usize, i: i32): i64 {
  return load<i64>(x + (<usize>i << 3));
}

@inline
function setLimb(x: usize, i: i32, v: i64): void {
  store<i64>(x + (<usize>i << 3), v);
}

// Floor carry from limb i into limb i + 1, leaving limb i in [0, 2^28).
@inline
function carry(x: usize, i: i32): void {
  const c = limb(x, i) >> 28;
  setLimb(x, i, limb(x, i) - (c << 28));
  setLimb(x, i + 1, limb(x, i + 1) + c);
}

// Little-endian bytes [p, p+nbytes) into nlimbs 28-bit limbs (zero beyond the end).
function loadLimbs(x: usize, p: usize, nbytes: i32, nlimbs: i32): void {
  let acc: u64 = 0;
  let bits: i32 = 0;
  let at = 0;
  for (let k = 0; k < nlimbs; k++) {
    while (bits < 28 && at < nbytes) {
      acc |= <u64>load<u8>(p + <usize>at) << <u64>bits;
      bits += 8;
      at++;
    }
    setLimb(x, k, <i64>(acc & <u64>MASK));
    acc >>= 28;
    bits = bits > 28 ? bits - 28 : 0;
  }
}

// x[0..18] (any signed limbs whose value is below 2^540) mod L, as 32 bytes.
function reduceInto(out32: usize, x: usize): void {
  for (let i = 0; i < 18; i++) carry(x, i);
  // Fold the top limbs down. Before each fold limbs are < 2^28 except limb k,
  // which holds at most 2^32 after the carries of the previous fold; c * C[j] <
  // 2^60 then, far from overflow.
  for (let k = 18; k >= 9; k--) {
    const c = limb(x, k);
    setLimb(x, k, 0);
    for (let j = 0; j < 5; j++) setLimb(x, k - 9 + j, limb(x, k - 9 + j) - c * load<i64>(C + (<usize>j << 3)));
    for (let m = k - 9; m <= k - 2; m++) carry(x, m);
  }
  // Now limbs 0..7 are in [0, 2^28) and limb 8 is small and signed. Two more
  // folds of the bits of limb 8 above 2^252 leave limb 8 in [-1, 2^28].
  for (let round = 0; round < 2; round++) {
    const c = limb(x, 8) >> 28;
    setLimb(x, 8, limb(x, 8) - (c << 28));
    for (let j = 0; j < 5; j++) setLimb(x, j, limb(x, j) - c * load<i64>(C + (<usize>j << 3)));
    for (let m = 0; m < 8; m++) carry(x, m);
  }
  // The value is in (-2^224, 2^252 + 2^224]; adding L puts it in [0, 3L), and two
  // masked subtractions of L bring it into [0, L).
  setLimb(x, 9, 0);
  for (let i = 0; i < 10; i++) setLimb(x, i, limb(x, i) + load<i64>(LIMBS_L + (<usize>i << 3)));
  for (let i = 0; i < 9; i++) carry(x, i);
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < 10; i++) setLimb(Y, i, limb(x, i) - load<i64>(LIMBS_L + (<usize>i << 3)));
    for (let i = 0; i < 9; i++) carry(Y, i);
    // keep = all ones when x - L went negative.
    const keep = limb(Y, 9) >> 63;
    for (let i = 0; i < 10; i++) setLimb(x, i, (limb(x, i) & keep) | (limb(Y, i) & ~keep));
  }
  // Pack the ten limbs (< 2^253 in all) into 32 bytes.
  let acc: u64 = 0;
  let bits = 0;
  let out = 0;
  for (let i = 0; i < 10; i++) {
    acc |= <u64>limb(x, i) << <u64>bits;
    bits += 28;
    while (bits >= 8 && out < 32) {
      store<u8>(out32 + <usize>out, <u8>acc);
      out++;
      acc >>= 8;
      bits -= 8;
    }
  }
  memory.fill(x, 0, 20 * 8);
  memory.fill(Y, 0, 10 * 8);
}

/** out32 = (64-byte little-endian integer) mod L. out32 may alias in64. */
export function scReduce64(out32: usize, in64: usize): void {
  loadLimbs(X, in64, 64, 19);
  reduceInto(out32, X);
}

/** out32 = (a * b + c) mod L for 32-byte little-endian a, b, c (any value < 2^256). */
export function scMulAdd(out32: usize, a: usize, b: usize, c: usize): void {
  loadLimbs(YA, a, 32, 10);
  loadLimbs(YB, b, 32, 10);
  loadLimbs(YC, c, 32, 10);
  memory.fill(X, 0, 20 * 8);
  // Ten products of two 28-bit limbs per column: < 2^60.
  for (let i = 0; i < 10; i++) {
    const ai = limb(YA, i);
    for (let j = 0; j < 10; j++) setLimb(X, i + j, limb(X, i + j) + ai * limb(YB, j));
  }
  for (let i = 0; i < 10; i++) setLimb(X, i, limb(X, i) + limb(YC, i));
  reduceInto(out32, X);
  memory.fill(YA, 0, 10 * 8);
  memory.fill(YB, 0, 10 * 8);
  memory.fill(YC, 0, 10 * 8);
}

// L as 32 little-endian bytes.
const L_BYTES = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

/** True when the 32-byte little-endian s is below L (RFC 8032 §5.1.7 step 1).
 *  Variable time: s is a public signature component. */
export function scIsCanonical(s: usize): bool {
  for (let i = 31; i >= 0; i--) {
    const a = load<u8>(s + <usize>i);
    const b = load<u8>(L_BYTES + <usize>i);
    if (a != b) return a < b;
  }
  return false;
}
