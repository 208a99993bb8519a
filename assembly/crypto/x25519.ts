// X25519, RFC 7748 §5: the Montgomery ladder on curve25519 with constant-time
// conditional swaps. The fixed-base case reuses Ed25519's comb ([k]B on the
// birationally equivalent edwards25519, then u = (1 + y) / (1 - y)).
import { E_AUTH, OK } from "../abi/errors";
import { wipe } from "./ct";
import { geScalarMultBase, geToMontgomeryU, POINT } from "./ed25519";
import { feAdd, feCswap, feFromBytes, feInvert, feMul, feMulSmall, feSet, feSq, feSub, feToBytes, feWipeScratch } from "./fe";

const K = memory.data(32);
// Ladder state and temporaries in one block, wiped after each multiplication.
const LADDER = memory.data(12 * 40);
const X1 = LADDER;
const X2 = LADDER + 40;
const Z2 = LADDER + 80;
const X3 = LADDER + 120;
const Z3 = LADDER + 160;
const TA = LADDER + 200;
const TB = LADDER + 240;
const TAA = LADDER + 280;
const TBB = LADDER + 320;
const TE = LADDER + 360;
const TC = LADDER + 400;
const TD = LADDER + 440;

// RFC 7748 §5 decodeScalar25519 into K.
function clampInto(scalar32: usize): void {
  memory.copy(K, scalar32, 32);
  store<u8>(K, load<u8>(K) & 248);
  store<u8>(K + 31, (load<u8>(K + 31) & 127) | 64);
}

// 1 when the 32 bytes are all zero, in constant time.
function allZero(p: usize): bool {
  let d: u32 = 0;
  for (let i: usize = 0; i < 32; i++) d |= load<u8>(p + i);
  return ((d - 1) >>> 8) & 1 ? true : false;
}

/** out32 = X25519(scalar32, point32). E_AUTH when the result is all zero (a
 *  low-order point; libsodium's crypto_scalarmult rejects it likewise), but out32
 *  is written either way. */
export function x25519(out32: usize, scalar32: usize, point32: usize): i32 {
  clampInto(scalar32);
  feFromBytes(X1, point32); // masks bit 255 (RFC 7748 §5)
  feSet(X2, 1);
  feSet(Z2, 0);
  memory.copy(X3, X1, 40);
  feSet(Z3, 1);
  let swap: u32 = 0;
  for (let t = 254; t >= 0; t--) {
    const kt = (<u32>load<u8>(K + <usize>(t >> 3)) >> (<u32>t & 7)) & 1;
    swap ^= kt;
    feCswap(X2, X3, swap);
    feCswap(Z2, Z3, swap);
    swap = kt;
    feAdd(TA, X2, Z2); // A = x2 + z2
    feSq(TAA, TA); // AA
    feSub(TB, X2, Z2); // B = x2 - z2
    feSq(TBB, TB); // BB
    feSub(TE, TAA, TBB); // E = AA - BB
    feAdd(TC, X3, Z3); // C
    feSub(TD, X3, Z3); // D
    feMul(TD, TD, TA); // DA
    feMul(TC, TC, TB); // CB
    feAdd(X3, TD, TC);
    feSq(X3, X3); // x3 = (DA + CB)^2
    feSub(Z3, TD, TC);
    feSq(Z3, Z3);
    feMul(Z3, Z3, X1); // z3 = x1 (DA - CB)^2
    feMul(X2, TAA, TBB); // x2 = AA BB
    feMulSmall(Z2, TE, 121665);
    feAdd(Z2, Z2, TAA);
    feMul(Z2, Z2, TE); // z2 = E (AA + a24 E)
  }
  feCswap(X2, X3, swap);
  feCswap(Z2, Z3, swap);
  feInvert(Z2, Z2);
  feMul(X2, X2, Z2);
  feToBytes(out32, X2);
  wipe(K, 32);
  wipe(LADDER, 12 * 40);
  feWipeScratch();
  return allZero(out32) ? E_AUTH : OK;
}

const PB = memory.data(<i32>POINT);

/** out32 = X25519(scalar32, 9), the public key of a secret scalar. */
export function x25519Base(out32: usize, scalar32: usize): void {
  clampInto(scalar32);
  geScalarMultBase(PB, K);
  geToMontgomeryU(out32, PB);
  wipe(K, 32);
  wipe(PB, <i32>POINT);
  feWipeScratch();
}
