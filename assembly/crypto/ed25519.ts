// Ed25519, RFC 8032 §5.1: the edwards25519 group, key generation, signing and
// strict verification; also the Edwards -> Montgomery conversions (libsodium's
// crypto_sign_ed25519_{pk,sk}_to_curve25519) and the fixed-base multiplication
// X25519 uses for public keys.
//
// Points are extended coordinates (X:Y:Z:T), x = X/Z, y = Y/Z, x y = T/Z
// (Hisil, Wong, Carter, Dawson, "Twisted Edwards curves revisited", 2008, §3.1
// and §4.2 with a = -1): four field elements, 160 bytes. For additions the second
// operand is "cached" as (Y+X, Y-X, 2Z, 2dT), 160 bytes too. The formulas are
// complete on this curve (d is not a square), so identity and doubling inputs
// need no special case.
//
// Fixed-base multiplication [a]B (secret a) uses a signed 5-tooth comb (see
// "fixed-base comb" below): 16 affine entries = 1,920 bytes of linear memory,
// computed on first use, not stored in the module, and read in full with masks
// for every selection (no secret index); 51 doublings + 52 additions per
// multiplication instead of 255 + 255. The table and verification's tables
// (below) are taken from the heap on first use, so a device that never signs or
// verifies does not reserve them.
import { E_AUTH, E_INVAL, E_STATE, OK } from "../abi/errors";
import { ctEqual, wipe } from "./ct";
import {
  FE,
  feAdd,
  feCmov,
  feCopy,
  feCswap,
  feFromBytes,
  feInvert,
  feIsNegative,
  feIsZero,
  feMul,
  feMulSmall,
  feNeg,
  fePow22523,
  feSet,
  feSq,
  feSub,
  feToBytes,
  feWipeScratch,
} from "./fe";
import { scIsCanonical, scMulAdd, scReduce64 } from "./sc";
import { Sha512, sha512 } from "./sha512";

export const POINT: usize = 4 * FE;

// d = -121665/121666 and sqrt(-1) = 2^((p-1)/4) mod p, little-endian.
const D_BYTES = memory.data<u8>([
  0xa3, 0x78, 0x59, 0x13, 0xca, 0x4d, 0xeb, 0x75, 0xab, 0xd8, 0x41, 0x41, 0x4d, 0x0a, 0x70, 0x00,
  0x98, 0xe8, 0x79, 0x77, 0x79, 0x40, 0xc7, 0x8c, 0x73, 0xfe, 0x6f, 0x2b, 0xee, 0x6c, 0x03, 0x52,
]);
const SQRTM1_BYTES = memory.data<u8>([
  0xb0, 0xa0, 0x0e, 0x4a, 0x27, 0x1b, 0xee, 0xc4, 0x78, 0xe4, 0x2f, 0xad, 0x06, 0x18, 0x43, 0x2f,
  0xa7, 0xd7, 0xfb, 0x3d, 0x99, 0x00, 0x4d, 0x2b, 0x0b, 0xdf, 0xc1, 0x4f, 0x80, 0x24, 0x83, 0x2b,
]);
// The base point B: y = 4/5, x positive (RFC 8032 §5.1).
const B_BYTES = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);

// The group order L (RFC 8032 §5.1), little-endian.
const L_ORDER = memory.data<u8>([
  0xed, 0xd3, 0xf5, 0x5c, 0x1a, 0x63, 0x12, 0x58, 0xd6, 0x9c, 0xf7, 0xa2, 0xde, 0xf9, 0xde, 0x14,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0x10,
]);

const D = memory.data(40);
const D2 = memory.data(40);
const SQRTM1 = memory.data(40);
feFromBytes(D, D_BYTES);
feMulSmall(D2, D, 2);
feFromBytes(SQRTM1, SQRTM1_BYTES);

// Field temporaries of the point formulas, in one block so one wipe clears
// them after a secret scalar multiplication.
const FTMP = memory.data(8 * 40);
const FA = FTMP;
const FB = FTMP + 40;
const FC = FTMP + 80;
const FD = FTMP + 120;
const FE_ = FTMP + 160;
const FF = FTMP + 200;
const FG = FTMP + 240;
const FH = FTMP + 280;

@inline function px(p: usize): usize { return p; }
@inline function py(p: usize): usize { return p + 40; }
@inline function pz(p: usize): usize { return p + 80; }
@inline function pt(p: usize): usize { return p + 120; }

export function geIdentity(p: usize): void {
  feSet(px(p), 0);
  feSet(py(p), 1);
  feSet(pz(p), 1);
  feSet(pt(p), 0);
}

/** Cached form (Y+X, Y-X, 2Z, 2dT) of an extended point. */
export function geToCached(c: usize, p: usize): void {
  feAdd(FA, py(p), px(p));
  feSub(FB, py(p), px(p));
  feAdd(pz(c), pz(p), pz(p));
  feMul(pt(c), pt(p), D2);
  feCopy(px(c), FA);
  feCopy(py(c), FB);
}

// The last step of addition and doubling: the "completed" point (E, F, G, H)
// in FE_, FF, FG, FH to extended r = (E F, G H, F G, E H). withT = false skips T
// (one multiplication) when r is only doubled next, as doubling does not read T.
function completed(r: usize, withT: bool): void {
  feMul(px(r), FE_, FF);
  feMul(py(r), FG, FH);
  if (withT) feMul(pt(r), FE_, FH);
  feMul(pz(r), FF, FG);
}

// r = p + q (neg = 0) or p - q (neg = 1), q cached; "add-2008-hwcd-3". r may
// alias p. affine: q has Z = 1 (its cached 2Z, not read, is 2), which saves a
// multiplication ("madd-2008-hwcd-3"). neg, withT (see completed) and affine
// are public values.
function addCached(r: usize, p: usize, q: usize, neg: bool, withT: bool, affine: bool = false): void {
  feSub(FA, py(p), px(p));
  feAdd(FB, py(p), px(p));
  if (neg) {
    // -q = (Y-X, Y+X, 2Z, -2dT): the first two swap, C changes sign.
    feMul(FA, FA, px(q));
    feMul(FB, FB, py(q));
  } else {
    feMul(FA, FA, py(q));
    feMul(FB, FB, px(q));
  }
  feMul(FC, pt(p), pt(q));
  if (affine) feAdd(FD, pz(p), pz(p));
  else feMul(FD, pz(p), pz(q));
  feSub(FE_, FB, FA);
  if (neg) {
    feAdd(FF, FD, FC);
    feSub(FG, FD, FC);
  } else {
    feSub(FF, FD, FC);
    feAdd(FG, FD, FC);
  }
  feAdd(FH, FB, FA);
  completed(r, withT);
}

// r = 2p, "dbl-2008-hwcd" with a = -1 and every intermediate negated (the signs
// cancel in each product). r may alias p; T(p) is not read. Limb growth: E 3x,
// F 4x reduced. withT as in addCached.
export function geDouble(r: usize, p: usize, withT: bool): void {
  feSq(FA, px(p));
  feSq(FB, py(p));
  feSq(FC, pz(p));
  feAdd(FC, FC, FC);
  feAdd(FH, FA, FB);
  feAdd(FE_, px(p), py(p));
  feSq(FE_, FE_);
  feSub(FE_, FH, FE_);
  feSub(FG, FA, FB);
  feAdd(FF, FC, FG);
  completed(r, withT);
}

const ZI = memory.data(40);
const XA = memory.data(40);
const YA = memory.data(40);

/** RFC 8032 §5.1.2: y with the sign of x in bit 255. */
export function geEncode(s: usize, p: usize): void {
  feInvert(ZI, pz(p));
  feMul(XA, px(p), ZI);
  feMul(YA, py(p), ZI);
  feToBytes(s, YA);
  store<u8>(s + 31, load<u8>(s + 31) ^ <u8>(feIsNegative(XA) << 7));
}

// p = 2^255 - 19, little-endian, for the canonical-y check.
function isCanonicalY(s: usize): bool {
  if ((load<u8>(s + 31) & 0x7f) != 0x7f) return true;
  for (let i: usize = 30; i >= 1; i--) if (load<u8>(s + i) != 0xff) return true;
  return load<u8>(s) < 0xed;
}

const U = memory.data(40);
const V = memory.data(40);
const W = memory.data(40);

/** RFC 8032 §5.1.3, strictly: fails (false) when y >= p, when x^2 = (y^2 - 1) /
 *  (d y^2 + 1) has no root, and when x = 0 with the sign bit set. Variable time:
 *  only public keys and the base point are decoded. */
export function geDecode(p: usize, s: usize): bool {
  if (!isCanonicalY(s)) return false;
  const sign = <u32>(load<u8>(s + 31) >> 7);
  feFromBytes(py(p), s);
  feSet(pz(p), 1);
  feSq(U, py(p));
  feMul(V, U, D);
  feSet(W, 1);
  feSub(U, U, W); // u = y^2 - 1
  feAdd(V, V, W); // v = d y^2 + 1
  // x = u v^3 (u v^7)^((p-5)/8)
  feSq(W, V);
  feMul(W, W, V); // v^3
  feMul(px(p), U, W); // u v^3
  feSq(W, W);
  feMul(W, W, V); // v^7
  feMul(W, W, U); // u v^7
  fePow22523(W, W);
  feMul(px(p), px(p), W);
  // v x^2 == u: x is a root; == -u: x sqrt(-1) is; else no root.
  feSq(W, px(p));
  feMul(W, W, V);
  feSub(XA, W, U);
  if (feIsZero(XA) == 0) {
    feAdd(XA, W, U);
    if (feIsZero(XA) == 0) return false;
    feMul(px(p), px(p), SQRTM1);
  }
  if (feIsZero(px(p)) == 1 && sign == 1) return false;
  if (feIsNegative(px(p)) != sign) feNeg(px(p), px(p));
  feMul(pt(p), px(p), py(p));
  return true;
}

// ---- fixed-base comb ----------------------------------------------------

// B in extended coordinates, decoded once on first use.
const BASE = memory.data(<i32>POINT);
let baseReady = false;

function basePoint(): usize {
  if (!baseReady) {
    geDecode(BASE, B_BYTES);
    baseReady = true;
  }
  return BASE;
}

// Signed 5-tooth comb (Hedabou, Pinel, Beneteau 2004, "a comb method to render
// ECC resistant against side channel attacks"). An odd k < 2^260 is
// sum_{i<260} b_i 2^i with every digit b_i = +1 or -1: b_i = 2 k_{i+1} - 1 for
// i < 259 and b_259 = +1. Column j < 52 takes the digits at j + 52 t, t < 5; its
// point is s (P_4 + sum_{t<4} s b_{j+52t} P_t) with P_t = 2^(52 t) B and s =
// b_{j+208}, so 16 entries COMB[u] = P_4 + sum_{t<4} (u_t ? P_t : -P_t) and a
// conditional negation cover all 32 sign patterns. [k]B is then 51 doublings and
// 52 additions (the 4-tooth unsigned comb of the same size: 63 and 64).
//
// Entries are affine (Z = 1) and stored without Z as (y+x, y-x, 2dxy), 120
// bytes: 1,920 bytes for the table, and each addition saves a multiplication.
const NIELS: usize = 3 * FE;
let COMB: usize = 0; // 16 entries, allocated by combInit
const ACC = memory.data(<i32>POINT);
const SEL = memory.data(<i32>POINT);

// Public values only. P_0 .. P_4 (cached) live on the heap only meanwhile.
function combInit(): void {
  COMB = heap.alloc(16 * NIELS);
  const PT5 = heap.alloc(5 * POINT);
  memory.copy(ACC, basePoint(), POINT);
  for (let t: usize = 0; t < 5; t++) {
    geToCached(PT5 + t * POINT, ACC);
    if (t < 4) for (let i = 0; i < 52; i++) geDouble(ACC, ACC, true);
  }
  for (let u: usize = 0; u < 16; u++) {
    geIdentity(ACC);
    addCached(ACC, ACC, PT5 + 4 * POINT, false, true);
    for (let t: usize = 0; t < 4; t++) addCached(ACC, ACC, PT5 + t * POINT, ((u >> t) & 1) == 0, true);
    feInvert(ZI, pz(ACC));
    feMul(px(ACC), px(ACC), ZI);
    feMul(py(ACC), py(ACC), ZI);
    feMul(pt(ACC), pt(ACC), ZI);
    feSet(pz(ACC), 1);
    geToCached(SEL, ACC);
    memory.copy(COMB + u * NIELS, SEL, 2 * FE);
    memory.copy(COMB + u * NIELS + 2 * FE, pt(SEL), FE);
  }
  heap.free(PT5);
}

// SEL = COMB[d] negated when neg == 1, reading every entry (d and neg are
// secret): each 64-bit word of SEL is the OR of that word of all 16 entries,
// each ANDed with a mask (MASKS[e]) that is all ones only for e == d. SEL is a
// cached point whose Z is not read (affine addition); an entry's 2dxy goes to
// its T. Negating swaps y+x and y-x and negates 2dxy.
const MASKS = memory.data(16 * 8);

function combSelect(d: u32, neg: u32): void {
  for (let e: u32 = 0; e < 16; e++) store<i64>(MASKS + (<usize>e << 3), <i64>(<i32>((e ^ d) - 1) >> 31));
  for (let i: usize = 0; i < NIELS; i += 8) {
    let w: i64 = 0;
    let entry = COMB + i;
    for (let m: usize = 0; m < 16 * 8; m += 8) {
      w |= load<i64>(entry) & load<i64>(MASKS + m);
      entry += NIELS;
    }
    store<i64>(SEL + i + (i < 2 * FE ? 0 : FE), w);
  }
  feCswap(px(SEL), py(SEL), neg);
  feNeg(ACC, pt(SEL));
  feCmov(pt(SEL), ACC, neg);
}

// The scalar made odd (k = a, or a + L when a is even: [a + L]B = [a]B), with
// bit 260 set so that bit(K, 260) gives b_259 = +1.
const K5 = memory.data(33);

@inline function bit(a: usize, i: i32): u32 {
  return (<u32>load<u8>(a + <usize>(i >> 3)) >> (<u32>i & 7)) & 1;
}

/** r = [a]B for a 32-byte little-endian a (all 256 bits used). Constant time. */
export function geScalarMultBase(r: usize, a: usize): void {
  if (COMB == 0) combInit();
  // K5 = a + (L masked to zero when a is odd), 264 bits.
  const even = <u32>(load<u8>(a) & 1) - 1; // all ones iff a is even
  let c: u32 = 0;
  for (let i: usize = 0; i < 32; i++) {
    c += <u32>load<u8>(a + i) + (<u32>load<u8>(L_ORDER + i) & even);
    store<u8>(K5 + i, <u8>c);
    c >>= 8;
  }
  store<u8>(K5 + 32, <u8>(c | 0x10));
  geIdentity(r);
  for (let j = 51; j >= 0; j--) {
    if (j < 51) geDouble(r, r, true);
    const s = bit(K5, j + 209);
    const d = (bit(K5, j + 1) | (bit(K5, j + 53) << 1) | (bit(K5, j + 105) << 2) | (bit(K5, j + 157) << 3)) ^ ((s ^ 1) * 15);
    combSelect(d, s ^ 1);
    addCached(r, r, SEL, false, j == 0, true);
  }
  wipe(K5, 33);
  wipe(MASKS, 16 * 8);
  wipe(SEL, <i32>POINT);
  wipe(ACC, <i32>POINT);
  wipe(FTMP, 8 * 40);
}

// ---- variable-time double-scalar multiplication (verification) -------------

// Verification's tables, one heap block taken on first use: the odd multiples
// P, 3P, ..., 15P (cached) of A and of B (B's are kept), the width-5 NAF digits
// of both scalars, and 2A.
const ODD_BYTES: usize = 8 * POINT;
let VT: usize = 0;
let ODD_A: usize = 0;
let ODD_B: usize = 0;
let NAF_A: usize = 0;
let NAF_B: usize = 0;
let TWICE: usize = 0;

function verifyTables(): void {
  VT = heap.alloc(2 * ODD_BYTES + 2 * 257 + POINT);
  ODD_A = VT;
  ODD_B = VT + ODD_BYTES;
  TWICE = VT + 2 * ODD_BYTES;
  NAF_A = TWICE + POINT;
  NAF_B = NAF_A + 257;
}

// Width-5 NAF digits (odd, in [-15, 15], or 0) of a 256-bit scalar, one per
// bit position (Hankerson, Menezes, Vanstone, Alg. 3.35).
const K = memory.data(9 * 4);

function wnaf(out: usize, s: usize): void {
  memory.fill(K, 0, 36);
  memory.copy(K, s, 32);
  for (let i: usize = 0; i < 257; i++) {
    const k0 = load<u32>(K);
    let digit: i32 = 0;
    if (k0 & 1) {
      digit = <i32>(k0 & 31);
      if (digit > 15) digit -= 32;
      // k -= digit, as a 288-bit add or subtract of a small value.
      let c: i64 = -(<i64>digit);
      for (let w: usize = 0; w < 36; w += 4) {
        const v = <i64>load<u32>(K + w) + c;
        store<u32>(K + w, <u32>v);
        c = v >> 32;
      }
    }
    store<i8>(out + i, <i8>digit);
    // k >>= 1
    for (let w: usize = 0; w < 32; w += 4) store<u32>(K + w, (load<u32>(K + w) >>> 1) | (load<u32>(K + w + 4) << 31));
    store<u32>(K + 32, load<u32>(K + 32) >>> 1);
  }
}

// Odd multiples P, 3P, ..., 15P of p, cached, into table.
function oddMultiples(table: usize, p: usize): void {
  geDouble(ACC, p, true);
  geToCached(TWICE, ACC);
  feCopy(px(ACC), px(p));
  feCopy(py(ACC), py(p));
  feCopy(pz(ACC), pz(p));
  feCopy(pt(ACC), pt(p));
  geToCached(table, ACC);
  for (let i: usize = 1; i < 8; i++) {
    addCached(ACC, ACC, TWICE, false, true);
    geToCached(table + i * POINT, ACC);
  }
}

let oddBReady = false;

/** r = [a]A + [b]B, variable time (public a, b, A only). */
function doubleScalarMultVartime(r: usize, a: usize, A: usize, b: usize): void {
  if (VT == 0) verifyTables();
  wnaf(NAF_A, a);
  wnaf(NAF_B, b);
  oddMultiples(ODD_A, A);
  if (!oddBReady) {
    oddMultiples(ODD_B, basePoint());
    oddBReady = true;
  }
  let i = 256;
  while (i >= 0 && load<i8>(NAF_A + <usize>i) == 0 && load<i8>(NAF_B + <usize>i) == 0) i--;
  geIdentity(r);
  for (; i >= 0; i--) {
    const da = <i32>load<i8>(NAF_A + <usize>i);
    const db = <i32>load<i8>(NAF_B + <usize>i);
    // T is computed only where an addition follows.
    geDouble(r, r, (da | db) != 0);
    if (da != 0) addCached(r, r, ODD_A + <usize>((da < 0 ? -da : da) >> 1) * POINT, da < 0, db != 0);
    if (db != 0) addCached(r, r, ODD_B + <usize>((db < 0 ? -db : db) >> 1) * POINT, db < 0, false);
  }
}

// ---- keys, signing, verification ------------------------------------------

const H = memory.data(64);
const PT_ = memory.data(<i32>POINT);

// RFC 8032 §5.1.5: a = clamp(SHA-512(seed)[0..32]), prefix = [32..64], into h64.
function expandSeed(h64: usize, seed32: usize): void {
  sha512(h64, seed32, 32);
  store<u8>(h64, load<u8>(h64) & 248);
  store<u8>(h64 + 31, (load<u8>(h64 + 31) & 127) | 64);
}

export function ed25519KeypairFromSeed(pk32: usize, sk64: usize, seed32: usize): void {
  expandSeed(H, seed32);
  geScalarMultBase(PT_, H);
  // seed may alias sk64: copy it before writing pk.
  memory.copy(sk64, seed32, 32);
  geEncode(pk32, PT_);
  memory.copy(sk64 + 32, pk32, 32);
  wipe(H, 64);
  wipe(PT_, <i32>POINT);
  feWipeScratch();
}

const PHASE_IDLE = 0;
const PHASE_R = 1; // hashing prefix || M for r
const PHASE_K = 2; // hashing R || A || M for k

/** RFC 8032 §5.1.6 over a message fed in pieces: init, update (M), commit,
 *  update (M again), final. The two passes are the price of not buffering M. */
export class Ed25519Signer {
  private ctx: Sha512 = new Sha512();
  // a (32) ‖ prefix (32) ‖ r (32) ‖ R (32) ‖ A (32): secrets until final wipes them.
  private st: StaticArray<u8> = new StaticArray<u8>(160);
  private phase: i32 = PHASE_IDLE;

  init(sk64: usize): void {
    const st = changetype<usize>(this.st);
    expandSeed(st, sk64);
    memory.copy(st + 128, sk64 + 32, 32);
    this.ctx.reset();
    this.ctx.update(st + 32, 32);
    this.phase = PHASE_R;
  }

  update(p: usize, n: i32): i32 {
    if (this.phase == PHASE_IDLE) return E_STATE;
    this.ctx.update(p, n);
    return OK;
  }

  commit(): i32 {
    if (this.phase != PHASE_R) return E_STATE;
    const st = changetype<usize>(this.st);
    this.ctx.final(H);
    scReduce64(st + 64, H);
    geScalarMultBase(PT_, st + 64);
    geEncode(st + 96, PT_);
    this.ctx.update(st + 96, 64); // R ‖ A
    this.phase = PHASE_K;
    wipe(H, 64);
    return OK;
  }

  final(sig64: usize): i32 {
    if (this.phase != PHASE_K) return E_STATE;
    const st = changetype<usize>(this.st);
    this.ctx.final(H);
    scReduce64(H, H);
    memory.copy(sig64, st + 96, 32);
    scMulAdd(sig64 + 32, H, st, st + 64); // S = k a + r mod L
    wipe(st, 160);
    wipe(H, 64);
    wipe(PT_, <i32>POINT);
    wipe(XA, 40);
    wipe(YA, 40);
    feWipeScratch();
    this.phase = PHASE_IDLE;
    return OK;
  }
}

let signer: Ed25519Signer | null = null;

/** Detached signature of msg[0..n) with sk64 = seed ‖ pk (NaCl layout). */
export function ed25519Sign(sig64: usize, msg: usize, n: i32, sk64: usize): void {
  let s = signer;
  if (s === null) signer = s = new Ed25519Signer();
  s.init(sk64);
  s.update(msg, n);
  s.commit();
  s.update(msg, n);
  s.final(sig64);
}

/** RFC 8032 §5.1.7 over a message fed in pieces: init (checks S and A), update,
 *  final.
 *
 *  Strictness, and where it differs from tweetnacl 1.0.3 (tests/crypto/ed25519
 *  checks each difference):
 *  - S >= L is rejected (§5.1.7 step 1). tweetnacl accepts S + L, so one valid
 *    signature has a second, malleated encoding there.
 *  - A public key whose y is not canonical (y >= p) is rejected (§5.1.3 step 1);
 *    tweetnacl reduces y mod p and accepts.
 *  - A public key with x = 0 and the sign bit set is rejected (§5.1.3 step 4);
 *    tweetnacl accepts it.
 *  - Encodings that are not points are rejected by both.
 *  The check itself is the cofactorless [S]B = R + [k]A that §5.1.7 allows,
 *  as encode([S]B - [k]A) == R, so a non-canonical R never verifies (as in
 *  tweetnacl and libsodium). Small-order A or R are not rejected (RFC 8032
 *  does not ask for it; libsodium does). */
export class Ed25519Verifier {
  private ctx: Sha512 = new Sha512();
  // R (32) ‖ S (32) ‖ -A (extended point).
  private st: StaticArray<u8> = new StaticArray<u8>(64 + <i32>POINT);
  private ready: bool = false;

  init(sig64: usize, pk32: usize): i32 {
    this.ready = false;
    const st = changetype<usize>(this.st);
    if (!scIsCanonical(sig64 + 32)) return E_AUTH;
    const a = st + 64;
    if (!geDecode(a, pk32)) return E_AUTH;
    feNeg(px(a), px(a));
    feNeg(pt(a), pt(a));
    memory.copy(st, sig64, 64);
    this.ctx.reset();
    this.ctx.update(sig64, 32);
    this.ctx.update(pk32, 32);
    this.ready = true;
    return OK;
  }

  update(p: usize, n: i32): i32 {
    if (!this.ready) return E_STATE;
    this.ctx.update(p, n);
    return OK;
  }

  final(): i32 {
    if (!this.ready) return E_STATE;
    this.ready = false;
    const st = changetype<usize>(this.st);
    this.ctx.final(H);
    scReduce64(H, H);
    doubleScalarMultVartime(PT_, H, st + 64, st + 32);
    geEncode(H, PT_);
    return ctEqual(H, st, 32) ? OK : E_AUTH;
  }
}

let verifier: Ed25519Verifier | null = null;

/** OK when sig64 is a valid signature of msg[0..n) under pk32, else E_AUTH. */
export function ed25519Verify(sig64: usize, msg: usize, n: i32, pk32: usize): i32 {
  let v = verifier;
  if (v === null) verifier = v = new Ed25519Verifier();
  const rc = v.init(sig64, pk32);
  if (rc != OK) return rc;
  v.update(msg, n);
  return v.final();
}

// ---- Edwards -> Montgomery ------------------------------------------------

/** u = (1 + y) / (1 - y) of the point y (extended coordinates: (Z + Y) / (Z - Y)). */
export function geToMontgomeryU(u32: usize, p: usize): void {
  feAdd(U, pz(p), py(p));
  feSub(V, pz(p), py(p));
  feInvert(V, V);
  feMul(U, U, V);
  feToBytes(u32, U);
  wipe(U, 40);
  wipe(V, 40);
}

// True when p is the identity (X = 0 and Y = Z).
function isIdentity(p: usize): bool {
  feSub(W, py(p), pz(p));
  return feIsZero(px(p)) == 1 && feIsZero(W) == 1;
}

const ZERO32 = memory.data(32);

/** libsodium's crypto_sign_ed25519_pk_to_curve25519: E_INVAL for a key that is
 *  not a point (strict decoding as in verification), has small order, or lies
 *  outside the prime-order subgroup. Variable time (public key). */
export function ed25519PkToX25519(out32: usize, pk32: usize): i32 {
  if (!geDecode(PT_, pk32)) return E_INVAL;
  memory.copy(ACC, PT_, POINT);
  for (let i = 0; i < 3; i++) geDouble(ACC, ACC, false);
  if (isIdentity(ACC)) return E_INVAL; // [8]A = 0: small order
  doubleScalarMultVartime(ACC, L_ORDER, PT_, ZERO32);
  if (!isIdentity(ACC)) return E_INVAL; // [L]A != 0: not in the subgroup
  geToMontgomeryU(out32, PT_);
  return OK;
}

/** libsodium's crypto_sign_ed25519_sk_to_curve25519: clamp(SHA-512(seed)[0..32]). */
export function ed25519SkToX25519(out32: usize, sk64: usize): void {
  expandSeed(H, sk64);
  memory.copy(out32, H, 32);
  wipe(H, 64);
}
