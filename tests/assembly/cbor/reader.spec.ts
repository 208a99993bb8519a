import { E_CORRUPT, E_LIMIT, E_UNSUPPORTED, OK } from "../../../assembly/abi/errors";
import { CBOR_ARRAY, CBOR_FLOAT, CBOR_MAP, CBOR_TEXT, CBOR_UINT } from "../../../assembly/cbor/head";
import { CBOR_CANONICAL, CBOR_MAX_DEPTH, CborReader } from "../../../assembly/cbor/reader";

const buf = memory.data(512);
const r = new CborReader(0, 0);

// Writes hex into buf; returns its length in bytes.
function put(h: string): i32 {
  const n = h.length >> 1;
  for (let i = 0; i < n; i++) store<u8>(buf + <usize>i, <u8>I32.parseInt(h.substr(i * 2, 2), 16));
  return n;
}

function checkHex(h: string, flags: i32): i32 {
  r.reset(buf, put(h), flags);
  const e = r.skip();
  return e != OK ? e : r.finish();
}

describe("CborReader pull API", () => {
  it("reads a nested item header by header", () => {
    r.reset(buf, put("a26161016162820203"), CBOR_CANONICAL);
    expect(r.next()).toBe(CBOR_MAP);
    expect(r.len).toBe(2);
    expect(r.next()).toBe(CBOR_TEXT);
    expect(load<u8>(r.ptr)).toBe(0x61);
    expect(r.readUint()).toBe(1);
    expect(r.readText()).toBe(1);
    expect(r.next()).toBe(CBOR_ARRAY);
    expect(r.depth).toBe(2);
    expect(r.readUint()).toBe(2);
    expect(r.readUint()).toBe(3);
    expect(r.depth).toBe(0);
    expect(r.finish()).toBe(OK);
  });
  it("widens half and single floats exactly", () => {
    r.reset(buf, put("f90001"), 0);
    expect(r.next()).toBe(CBOR_FLOAT);
    expect(r.float()).toBe(5.960464477539063e-8);
    r.reset(buf, put("fa00000001"), 0);
    expect(r.readFloat()).toBe(1.401298464324817e-45);
    r.reset(buf, put("f90400"), 0);
    expect(r.readFloat()).toBe(0.00006103515625);
  });
  it("skip() spans a whole item", () => {
    r.reset(buf, put("82a1616183010203f5"), 0);
    expect(r.readArray()).toBe(2);
    expect(r.skip()).toBe(OK);
    expect(<i32>(r.start - buf)).toBe(1);
    expect(<i32>(r.pos() - buf)).toBe(8);
    expect(r.readBool()).toBe(true);
    expect(r.finish()).toBe(OK);
  });
  it("typed helpers fail sticky on a wrong kind", () => {
    r.reset(buf, put("8101"), 0);
    expect(r.readMap()).toBe(0);
    expect(r.error()).toBe(E_CORRUPT);
    expect(r.readUint()).toBe(0);
    expect(r.next()).toBe(E_CORRUPT);
  });
  it("readInt bounds to i64", () => {
    r.reset(buf, put("3b7fffffffffffffff"), 0);
    expect(r.readInt()).toBe(i64.MIN_VALUE);
    r.reset(buf, put("3b8000000000000000"), 0);
    r.readInt();
    expect(r.error()).toBe(E_LIMIT);
  });
});

describe("CborReader rejects", () => {
  it("truncation and lengths beyond the input", () => {
    expect(checkHex("", 0)).toBe(E_CORRUPT);
    expect(checkHex("19ff", 0)).toBe(E_CORRUPT);
    expect(checkHex("4401", 0)).toBe(E_CORRUPT);
    expect(checkHex("5bffffffffffffffff00", 0)).toBe(E_CORRUPT);
    expect(checkHex("9bffffffffffffffff00", 0)).toBe(E_CORRUPT);
    expect(checkHex("bb7fffffffffffffff0000", 0)).toBe(E_CORRUPT);
    expect(checkHex("8301", 0)).toBe(E_CORRUPT);
    expect(checkHex("c6", 0)).toBe(E_CORRUPT);
    expect(checkHex("0000", 0)).toBe(E_CORRUPT); // trailing byte
  });
  it("reserved info, stray break, short simple values, indefinite lengths", () => {
    expect(checkHex("1c", 0)).toBe(E_CORRUPT);
    expect(checkHex("5d", 0)).toBe(E_CORRUPT);
    expect(checkHex("fe", 0)).toBe(E_CORRUPT);
    expect(checkHex("ff", 0)).toBe(E_CORRUPT);
    expect(checkHex("1f", 0)).toBe(E_CORRUPT);
    expect(checkHex("f818", 0)).toBe(E_CORRUPT);
    expect(checkHex("f820", 0)).toBe(OK);
    expect(checkHex("9fff", 0)).toBe(E_UNSUPPORTED);
    expect(checkHex("5fff", 0)).toBe(E_UNSUPPORTED);
  });
  it("invalid UTF-8 in text strings", () => {
    expect(checkHex("62c0af", 0)).toBe(E_CORRUPT); // overlong
    expect(checkHex("63eda080", 0)).toBe(E_CORRUPT); // surrogate
    expect(checkHex("63e08080", 0)).toBe(E_CORRUPT); // overlong 3-byte
    expect(checkHex("64f0808080", 0)).toBe(E_CORRUPT); // overlong 4-byte
    expect(checkHex("63e0a080", 0)).toBe(OK); // U+0800
    expect(checkHex("64f4908080", 0)).toBe(E_CORRUPT); // > U+10FFFF
    expect(checkHex("61ff", 0)).toBe(E_CORRUPT);
    expect(checkHex("62c3", 0)).toBe(E_CORRUPT); // payload cut inside the string
    expect(checkHex("41ff", 0)).toBe(OK); // byte strings carry any bytes
  });
  it("nesting beyond the depth bound", () => {
    let deep = "";
    for (let i = 0; i < CBOR_MAX_DEPTH; i++) deep += "81";
    expect(checkHex(deep + "00", 0)).toBe(OK);
    expect(checkHex("81" + deep + "00", 0)).toBe(E_LIMIT);
    let tags = "";
    for (let i = 0; i <= CBOR_MAX_DEPTH; i++) tags += "c6";
    expect(checkHex(tags + "00", 0)).toBe(E_LIMIT);
    r.reset(buf, put("818100"), 0, 1);
    expect(r.skip()).toBe(E_LIMIT);
  });
  it("non-canonical forms only with CBOR_CANONICAL", () => {
    expect(checkHex("1817", 0)).toBe(OK);
    expect(checkHex("190017", 0)).toBe(OK);
    expect(checkHex("fa3fc00000", 0)).toBe(OK);
    expect(checkHex("1817", CBOR_CANONICAL)).toBe(E_CORRUPT);
    expect(checkHex("190017", CBOR_CANONICAL)).toBe(E_CORRUPT);
    expect(checkHex("5800", CBOR_CANONICAL)).toBe(E_CORRUPT);
    expect(checkHex("98020102", CBOR_CANONICAL)).toBe(E_CORRUPT);
    expect(checkHex("d80100", CBOR_CANONICAL)).toBe(E_CORRUPT);
    expect(checkHex("fa3fc00000", CBOR_CANONICAL)).toBe(E_CORRUPT); // 1.5 fits a half
    expect(checkHex("f93c00", CBOR_CANONICAL)).toBe(OK);
    expect(checkHex("a202000100", CBOR_CANONICAL)).toBe(E_CORRUPT); // keys 2, 1 unsorted
    expect(checkHex("a202000100", 0)).toBe(OK);
    expect(checkHex("a201000100", CBOR_CANONICAL)).toBe(E_CORRUPT); // duplicate key
    expect(checkHex("a2614101616100", CBOR_CANONICAL)).toBe(OK); // "A" < "a"
    expect(checkHex("a2816161008100" + "00", CBOR_CANONICAL)).toBe(E_CORRUPT); // key ["a"] before [0]
    expect(checkHex("a281000081616100", CBOR_CANONICAL)).toBe(OK);
    expect(checkHex("a1a2020001000000", CBOR_CANONICAL)).toBe(E_CORRUPT); // unsorted map inside a key
  });
});
