import { E_BOUNDS, E_CORRUPT, E_INVAL, OK } from "../../../assembly/abi/errors";
import { CborWriter } from "../../../assembly/cbor/writer";
import { floatWidth } from "../../../assembly/cbor/float";

const buf = memory.data(256);
const scratch = memory.data(256);
const w = new CborWriter(buf, 256);

// Hex of the writer's output so far.
function out(): string {
  let s = "";
  const n = w.length();
  for (let i = 0; i < n; i++) {
    const b = load<u8>(buf + <usize>i);
    s += "0123456789abcdef".charAt(b >> 4) + "0123456789abcdef".charAt(b & 15);
  }
  return s;
}

describe("CborWriter integers (§4.2.1 shortest argument)", () => {
  it("switches width exactly at 24, 2^8, 2^16, 2^32", () => {
    w.reset(buf, 256);
    w.uint(23);
    w.uint(24);
    w.uint(255);
    w.uint(256);
    w.uint(65535);
    w.uint(65536);
    w.uint(0xffffffff);
    w.uint(0x100000000);
    expect(out()).toBe("171818" + "18ff" + "190100" + "19ffff" + "1a00010000" + "1affffffff" + "1b0000000100000000");
  });
  it("encodes the negative range down to -2^64", () => {
    w.reset(buf, 256);
    w.int(-1);
    w.int(-24);
    w.int(-25);
    w.int(i64.MIN_VALUE);
    w.nint(u64.MAX_VALUE);
    expect(out()).toBe("20" + "37" + "3818" + "3b7fffffffffffffff" + "3bffffffffffffffff");
  });
});

describe("CborWriter floats (shortest exact width)", () => {
  it("picks half, single or double", () => {
    w.reset(buf, 256);
    w.float(0.0);
    w.float(-0.0);
    w.float(1.5);
    w.float(65504.0);
    w.float(65520.0); // just past half range
    w.float(5.960464477539063e-8); // smallest half subnormal
    w.float(1.401298464324817e-45); // smallest single subnormal
    w.float(0.1);
    w.float(Infinity);
    w.float(NaN);
    expect(out()).toBe(
      "f90000" + "f98000" + "f93e00" + "f97bff" + "fa477ff000" + "f90001" + "fa00000001" + "fb3fb999999999999a" + "f97c00" + "f97e00",
    );
  });
  it("keeps NaN payloads: width by the payload's low bits", () => {
    expect(floatWidth(0x7ff8000000000000)).toBe(2);
    expect(floatWidth(0x7ff8000020000000)).toBe(4);
    expect(floatWidth(0x7ff8000000000001)).toBe(8);
    expect(floatWidth(0x0000000000000001)).toBe(8); // double subnormal
  });
});

describe("CborWriter strings, simple values, errors", () => {
  it("writes strings and rejects invalid UTF-8 in text", () => {
    w.reset(buf, 256);
    w.str("ü水");
    w.bool(true);
    w.null();
    w.undefined();
    w.simple(255);
    expect(out()).toBe("65c3bce6b0b4" + "f5f6f7f8ff");
    store<u8>(scratch, 0xc0);
    store<u8>(scratch + 1, 0x80); // overlong NUL
    w.text(scratch, 2);
    expect(w.error()).toBe(E_INVAL);
    expect(w.finish()).toBe(E_INVAL);
  });
  it("refuses simple 24..31 and lone surrogates", () => {
    w.reset(buf, 256);
    w.simple(24);
    expect(w.error()).toBe(E_INVAL);
    w.reset(buf, 256);
    w.str("\uD800x");
    expect(w.error()).toBe(E_INVAL);
  });
  it("is sticky on E_BOUNDS and never writes past cap", () => {
    store<u8>(buf + 3, 0xee);
    w.reset(buf, 3);
    w.uint(1000); // 3 bytes: fits exactly
    expect(w.error()).toBe(OK);
    w.uint(0);
    expect(w.error()).toBe(E_BOUNDS);
    w.reset(buf, 3);
    w.uint(1);
    w.bytes(scratch, 2); // 3 bytes: does not fit in the 2 left
    w.uint(2); // would fit, but the error is sticky
    expect(w.finish()).toBe(E_BOUNDS);
    expect(w.length()).toBe(1);
    expect(load<u8>(buf + 3)).toBe(0xee);
  });
});

describe("CborWriter.mapFrom (§4.2.1 key order)", () => {
  it("sorts entries by encoded key bytes, shorter prefix first", () => {
    const s = new CborWriter(scratch, 256);
    s.str("bb");
    s.uint(1);
    s.uint(10);
    s.uint(2);
    s.str("a");
    s.uint(3);
    s.int(-1);
    s.uint(4);
    s.uint(100);
    s.uint(5);
    w.reset(buf, 256);
    w.mapFrom(scratch, s.finish(), 5);
    // keys: 0a, 1864, 20, 6161, 626262
    expect(out()).toBe("a5" + "0a02" + "186405" + "2004" + "616103" + "62626201");
  });
  it("reports duplicate keys and malformed entries", () => {
    const s = new CborWriter(scratch, 256);
    s.uint(1);
    s.uint(1);
    s.uint(1);
    s.uint(2);
    w.reset(buf, 256);
    w.mapFrom(scratch, s.finish(), 2);
    expect(w.error()).toBe(E_INVAL);
    w.reset(buf, 256);
    w.mapFrom(scratch, 3, 2); // three bytes cannot hold two pairs
    expect(w.error()).toBe(E_CORRUPT);
    w.reset(buf, 256);
    w.mapFrom(scratch, E_BOUNDS, 2); // a failed scratch writer
    expect(w.error()).toBe(E_BOUNDS);
  });
});

describe("CborWriter.arrayFrom and base (typed values from a scratch writer)", () => {
  it("copies count items after an array header, propagating the scratch error", () => {
    const s = new CborWriter(scratch, 256);
    s.array(2);
    s.uint(1);
    s.str("x");
    s.uint(7);
    w.reset(buf, 256);
    w.tag(0x4e594d04);
    w.arrayFrom(s.base(), s.finish(), 2);
    expect(out()).toBe("da4e594d04" + "82" + "8201617807");
    expect(w.base()).toBe(buf);
    w.reset(buf, 256);
    w.arrayFrom(scratch, s.finish(), 3); // only two items there
    expect(w.error()).toBe(E_CORRUPT);
    w.reset(buf, 256);
    w.arrayFrom(scratch, 2, 1); // cut inside the first item
    expect(w.error()).toBe(E_CORRUPT);
    s.reset(scratch, 1);
    s.uint(1000);
    w.reset(buf, 256);
    w.arrayFrom(scratch, s.finish(), 1);
    expect(w.error()).toBe(E_BOUNDS);
    expect(w.length()).toBe(0);
  });
});

describe("CborWriter text and string headers", () => {
  it("encodes 1- to 4-byte UTF-8 from AS strings and validates raw text", () => {
    w.reset(buf, 256);
    w.str("a\u00fc\u6c34\uD83D\uDE00"); // a, ü, 水, 😀
    expect(out()).toBe("6a" + "61" + "c3bc" + "e6b0b4" + "f09f9880");
    const n = w.length();
    w.text(buf + 1, n - 1); // the payload just written is valid UTF-8
    expect(w.error()).toBe(OK);
    store<u8>(scratch, 0xed);
    store<u8>(scratch + 1, 0xa0);
    store<u8>(scratch + 2, 0x80); // a surrogate
    w.text(scratch, 3);
    expect(w.error()).toBe(E_INVAL);
  });
  it("writes string headers for streamed payloads, and refuses negative lengths", () => {
    w.reset(buf, 256);
    w.bytesHeader(300);
    w.textHeader(0);
    w.int(0);
    expect(out()).toBe("59012c" + "60" + "00");
    w.bytes(scratch, -1);
    expect(w.error()).toBe(E_INVAL);
  });
});
