// Internal pieces of the crypto core that the host tests reach only through
// whole primitives: field arithmetic mod 2^255 - 19, scalars mod L, the
// constant-time helpers.
import { ctEqual, wipe } from "../../../assembly/crypto/ct";
import { feAdd, feCswap, feFromBytes, feInvert, feIsZero, feMul, feSq, feSub, feToBytes } from "../../../assembly/crypto/fe";
import { scIsCanonical, scMulAdd, scReduce64 } from "../../../assembly/crypto/sc";
import { L, pattern } from "./fixtures";

const a = memory.data(40);
const b = memory.data(40);
const c = memory.data(40);
const d = memory.data(40);
const s = memory.data(64);
const t = memory.data(64);

// The shared pattern with bit 255 cleared (field encodings).
function pattern255(p: usize, seed: u32): void {
  pattern(p, seed);
  store<u8>(p + 31, load<u8>(p + 31) & 0x7f);
}

function setBytes(p: usize, first: u8, fill: u8, last: u8): void {
  memory.fill(p, fill, 32);
  store<u8>(p, first);
  store<u8>(p + 31, last);
}

describe("field arithmetic mod p = 2^255 - 19", () => {
  it("squares equal self-products and x * (1/x) = 1", () => {
    for (let i: u32 = 1; i < 40; i++) {
      pattern255(s, i);
      feFromBytes(a, s);
      feSq(b, a);
      feMul(c, a, a);
      feToBytes(s, b);
      feToBytes(t, c);
      expect(ctEqual(s, t, 32)).toBe(true);
      feInvert(b, a);
      feMul(c, a, b);
      feToBytes(s, c);
      expect(load<u8>(s)).toBe(1);
      for (let j: usize = 1; j < 32; j++) expect(load<u8>(s + j)).toBe(0);
    }
  });

  it("encodes canonically: p + 1 -> 1, p -> 0, 2^255 - 1 -> 18", () => {
    setBytes(s, 0xee, 0xff, 0x7f); // p + 1
    feFromBytes(a, s);
    feToBytes(t, a);
    expect(load<u8>(t)).toBe(1);
    expect(load<u8>(t + 31)).toBe(0);
    setBytes(s, 0xed, 0xff, 0x7f); // p
    feFromBytes(a, s);
    expect(feIsZero(a)).toBe(1);
    setBytes(s, 0xff, 0xff, 0xff); // bit 255 ignored: 2^255 - 1 = p + 18
    feFromBytes(a, s);
    feToBytes(t, a);
    expect(load<u8>(t)).toBe(18);
  });

  it("a - b + b = a with negative intermediate limbs", () => {
    for (let i: u32 = 0; i < 20; i++) {
      pattern255(s, 100 + i);
      pattern255(t, 200 + i);
      feFromBytes(a, s);
      feFromBytes(b, t);
      feSub(c, b, a);
      feSub(c, c, a);
      feAdd(c, c, a);
      feAdd(c, c, a);
      feMul(d, c, c); // exercises multiplication of an unreduced sum
      feSq(c, b);
      feSub(d, d, c);
      expect(feIsZero(d)).toBe(1);
    }
  });

  it("conditional swap swaps only when asked", () => {
    pattern255(s, 7);
    pattern255(t, 8);
    feFromBytes(a, s);
    feFromBytes(b, t);
    feCswap(a, b, 0);
    feToBytes(s + 32, a);
    expect(ctEqual(s, s + 32, 32)).toBe(true);
    feCswap(a, b, 1);
    feToBytes(s + 32, a);
    expect(ctEqual(t, s + 32, 32)).toBe(true);
  });
});


describe("scalars mod L", () => {
  it("reduces L to 0 and L + 5 to 5, and 2^512 - 1 below L", () => {
    memory.fill(s, 0, 64);
    memory.copy(s, L, 32);
    scReduce64(t, s);
    for (let j: usize = 0; j < 32; j++) expect(load<u8>(t + j)).toBe(0);
    store<u8>(s, load<u8>(s) + 5);
    scReduce64(t, s);
    expect(load<u8>(t)).toBe(5);
    memory.fill(s, 0xff, 64);
    scReduce64(t, s);
    expect(scIsCanonical(t)).toBe(true);
  });

  it("a * b + c: (L - 1) * (L - 1) + 0 = 1 and 1 * 1 + (L - 1) = 0", () => {
    memory.copy(a, L, 32);
    store<u8>(a, load<u8>(a) - 1);
    memory.fill(b, 0, 32);
    scMulAdd(t, a, a, b);
    expect(load<u8>(t)).toBe(1);
    for (let j: usize = 1; j < 32; j++) expect(load<u8>(t + j)).toBe(0);
    memory.fill(b, 0, 32);
    store<u8>(b, 1);
    scMulAdd(t, b, b, a);
    for (let j: usize = 0; j < 32; j++) expect(load<u8>(t + j)).toBe(0);
  });

  it("canonical means below L", () => {
    expect(scIsCanonical(L)).toBe(false);
    memory.copy(s, L, 32);
    store<u8>(s, load<u8>(s) - 1);
    expect(scIsCanonical(s)).toBe(true);
  });
});

describe("constant-time helpers", () => {
  it("ctEqual finds a difference in any byte, wipe zeroes", () => {
    memory.fill(s, 0x5a, 64);
    memory.fill(t, 0x5a, 64);
    expect(ctEqual(s, t, 64)).toBe(true);
    for (let i: usize = 0; i < 64; i++) {
      store<u8>(t + i, 0x5b);
      expect(ctEqual(s, t, 64)).toBe(false);
      store<u8>(t + i, 0x5a);
    }
    wipe(t, 64);
    for (let i: usize = 0; i < 64; i++) expect(load<u8>(t + i)).toBe(0);
  });
});
