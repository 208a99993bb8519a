import { E_AGAIN, E_CORRUPT, E_LIMIT, OK } from "../../../assembly/abi/errors";
import { CBOR_BYTES, CBOR_TEXT } from "../../../assembly/cbor/head";
import { CBOR_CANONICAL, CBOR_PARTIAL, CborReader } from "../../../assembly/cbor/reader";

const src = memory.data(512);
const win = memory.data(512);
const r = new CborReader(0, 0);
const HEX = "0123456789abcdef";

function put(h: string): i32 {
  const n = h.length >> 1;
  for (let i = 0; i < n; i++) store<u8>(src + <usize>i, <u8>I32.parseInt(h.substr(i * 2, 2), 16));
  return n;
}

function hexOf(p: usize, n: i32): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    const b = load<u8>(p + <usize>i);
    s += HEX.charAt(b >> 4) + HEX.charAt(b & 15);
  }
  return s;
}

// One line per item: what a caller sees after next().
function event(k: i32): string {
  let s = k.toString() + ":" + r.arg.toString() + ":" + r.depth.toString();
  if (k == CBOR_BYTES || k == CBOR_TEXT) s += ":" + hexOf(r.ptr, r.len);
  return s + ";";
}

// Reads one item from the whole input.
function whole(h: string, flags: i32): string {
  r.reset(src, put(h), flags);
  let out = "";
  do {
    const k = r.next();
    if (k < 0) return out + "E" + k.toString();
    out += event(k);
  } while (r.depth > 0);
  return out + (r.finish() == OK ? "end" : "trail");
}

// Reads one item through a window of `cap` bytes, fed `chunk` bytes at a time.
function chunked(h: string, flags: i32, chunk: i32, cap: i32): string {
  const n = put(h);
  let fed = 0;
  let have = 0;
  r.reset(win, 0, flags | CBOR_PARTIAL);
  let out = "";
  while (true) {
    const k = r.next();
    if (k == E_AGAIN) {
      const keep = r.keep();
      const kept = <i32>(win + <usize>have - keep);
      memory.copy(win, keep, <usize>kept);
      const add = min(chunk, min(n - fed, cap - kept));
      if (add <= 0) return out + (fed == n ? "E" + E_CORRUPT.toString() : "need" + r.need().toString());
      memory.copy(win + <usize>kept, src + <usize>fed, <usize>add);
      fed += add;
      have = kept + add;
      r.refill(win, have);
      continue;
    }
    if (k < 0) return out + "E" + k.toString();
    out += event(k);
    if (r.depth == 0) break;
  }
  return out + (fed == n && r.finish() == OK ? "end" : "trail");
}

const corpus: string[] = [
  "00",
  "1bffffffffffffffff",
  "3bffffffffffffffff",
  "c249010000000000000000",
  "fb3ff199999999999a",
  "f90001",
  "d82076687474703a2f2f7777772e6578616d706c652e636f6d",
  "64f0908591",
  "8301820203820405",
  "98190102030405060708090a0b0c0d0e0f101112131415161718181819",
  "a26161016162820203",
  "a56161614161626142616361436164614461656145",
  "826161a161626163",
  "a2810000816161f6", // {[0]: 0, ["a"]: null}
  "a2a10102f4a1616101f5", // map keys that are maps
  "a2816161008100" + "00", // keys out of order: E_CORRUPT in canonical mode
  "a2a1616101f5a10102f4", // map keys out of order
  "a201000100", // duplicate key
];

// Truncated inputs: the whole-input reader refuses a count the input cannot hold
// at its header; a chunked reader only learns it at the end of the stream.
const truncated: string[] = ["62c3", "8301", "a20102", "c6", "d9"];

describe("CborReader with CBOR_PARTIAL", () => {
  it("sees the same items for every chunk size as on the whole input, strict and canonical", () => {
    for (let i = 0; i < corpus.length; i++) {
      for (let f = 0; f < 2; f++) {
        const expected = whole(corpus[i], f);
        const n = corpus[i].length >> 1;
        for (let chunk = 1; chunk <= n; chunk++) {
          const got = chunked(corpus[i], f, chunk, 64);
          expect(corpus[i] + " f" + f.toString() + " chunk " + chunk.toString() + ": " + got).toBe(corpus[i] + " f" + f.toString() + " chunk " + chunk.toString() + ": " + expected);
        }
      }
    }
  });
  it("reports truncated input as E_CORRUPT once the stream ends", () => {
    for (let i = 0; i < truncated.length; i++) {
      expect(whole(truncated[i], 0).endsWith("E" + E_CORRUPT.toString())).toBe(true, truncated[i]);
      for (let chunk = 1; chunk <= 2; chunk++) {
        expect(chunked(truncated[i], 0, chunk, 64).endsWith("E" + E_CORRUPT.toString())).toBe(true, truncated[i]);
      }
    }
  });
  it("keeps earlier map keys in the window only while the canonical check needs them", () => {
    // 24 one-byte keys 0..23: with one byte fed at a time the window never holds more than a key and a value.
    let h = "b818";
    for (let k = 0; k < 24; k++) h += HEX.charAt(k >> 4) + HEX.charAt(k & 15) + "f6";
    expect(whole(h, CBOR_CANONICAL).endsWith("end")).toBe(true);
    expect(chunked(h, CBOR_CANONICAL, 1, 4)).toBe(whole(h, CBOR_CANONICAL));
  });
  it("asks for a window as large as the longest string, and bounds counts by E_LIMIT", () => {
    expect(chunked("6449455446", 0, 1, 4)).toBe("need5");
    expect(chunked("6449455446", 0, 1, 5)).toBe(whole("6449455446", 0));
    r.reset(win, 0, CBOR_PARTIAL);
    store<u8>(win, 0x5b);
    store<u64>(win + 1, 0xffffffffffffffff);
    r.refill(win, 9);
    expect(r.next()).toBe(E_LIMIT);
    r.reset(win, 0, CBOR_PARTIAL);
    store<u8>(win, 0x9a);
    store<u32>(win + 1, 0x00000001); // 2^24 items (big-endian 01 00 00 00): fine before the items come
    r.refill(win, 5);
    expect(r.next()).toBe(4);
    expect(r.next()).toBe(E_AGAIN);
    expect(r.error()).toBe(OK);
  });
});
