// The fixed-base comb [a]B on scalars the host tests cannot reach: every
// 256-bit a (signing uses a < L, key generation clamped a < 2^255), the two
// parities (odd a directly, even a through a + L), a + L past 2^256, and the
// edges 0, 1, L, L + 1. [a]B must equal [a mod L]B, B having order L.
import { geEncode, geScalarMultBase, POINT } from "../../../assembly/crypto/ed25519";
import { scReduce64 } from "../../../assembly/crypto/sc";
import { ctEqual } from "../../../assembly/crypto/ct";
import { L, pattern } from "./fixtures";

// RFC 8032 §5.1: B encoded (y = 4/5, x positive); the identity encodes as y = 1.
const B_ENC = memory.data<u8>([
  0x58, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
  0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66, 0x66,
]);
const ID_ENC = memory.data<u8>([1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);

const a = memory.data(64);
const r = memory.data(32);
const p = memory.data(<i32>POINT);
const e1 = memory.data(32);
const e2 = memory.data(32);

function mulBase(out: usize, k: usize): void {
  geScalarMultBase(p, k);
  geEncode(out, p);
}

// e2 = encode([a mod L]B), with a (32 bytes) zero-extended to 64.
function reducedMulBase(): void {
  memory.fill(a + 32, 0, 32);
  scReduce64(r, a);
  mulBase(e2, r);
}


describe("fixed-base comb", () => {
  it("[0]B = [L]B = identity, [1]B = [L + 1]B = B", () => {
    memory.fill(a, 0, 32);
    mulBase(e1, a);
    expect(ctEqual(e1, ID_ENC, 32)).toBe(true);
    mulBase(e1, L);
    expect(ctEqual(e1, ID_ENC, 32)).toBe(true);
    store<u8>(a, 1);
    mulBase(e1, a);
    expect(ctEqual(e1, B_ENC, 32)).toBe(true);
    memory.copy(a, L, 32);
    store<u8>(a, load<u8>(a) + 1);
    mulBase(e1, a);
    expect(ctEqual(e1, B_ENC, 32)).toBe(true);
  });

  it("[a]B = [a mod L]B for odd and even 256-bit a", () => {
    for (let i: u32 = 0; i < 48; i++) {
      pattern(a, i + 1);
      // Alternate the parity and, every third case, the top bits.
      store<u8>(a, (load<u8>(a) & 0xfe) | <u8>(i & 1));
      if (i % 3 == 0) store<u8>(a + 31, load<u8>(a + 31) | 0xe0);
      mulBase(e1, a);
      reducedMulBase();
      expect(ctEqual(e1, e2, 32)).toBe(true);
    }
  });

  it("a + L past 2^256: a = 2^256 - 2 and 2^256 - 1", () => {
    memory.fill(a, 0xff, 32);
    store<u8>(a, 0xfe);
    mulBase(e1, a);
    reducedMulBase();
    expect(ctEqual(e1, e2, 32)).toBe(true);
    memory.fill(a, 0xff, 32);
    mulBase(e1, a);
    reducedMulBase();
    expect(ctEqual(e1, e2, 32)).toBe(true);
  });
});
