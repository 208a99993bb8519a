// HSalsa20, XSalsa20 and Poly1305 on their own (the host reaches them only
// through secretbox and box): NaCl's and RFC 8439's known answers.
import { hsalsa20, xsalsa20Xor } from "../../../assembly/crypto/salsa20";
import { poly1305 } from "../../../assembly/crypto/poly1305";

function hexInto(p: usize, hex: string): i32 {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>I32.parseInt(hex.substr(i * 2, 2), 16));
  return n;
}

function expectHex(p: usize, hex: string): void {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++) expect(load<u8>(p + <usize>i)).toBe(<u8>I32.parseInt(hex.substr(i * 2, 2), 16));
}

const a = memory.data(256);
const b = memory.data(256);
const c = memory.data(256);
const out = memory.data(256);

// NaCl tests/box.c: X25519 shared secret of the RFC 7748 §6.1 pair, the nonce,
// message and box (tag ‖ ciphertext) under the derived key "firstkey".
const SHARED = "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742";
const FIRSTKEY = "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389";
const NONCE = "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37";
const M =
  "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705";
const C =
  "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5";

describe("HSalsa20", () => {
  it("derives NaCl's firstkey from the shared secret and a zero input", () => {
    hexInto(a, SHARED);
    memory.fill(b, 0, 16);
    hsalsa20(out, b, a);
    expectHex(out, FIRSTKEY);
  });
});

describe("XSalsa20", () => {
  it("keystream bytes 32.. are NaCl's ciphertext xor message", () => {
    hexInto(a, FIRSTKEY);
    hexInto(b, NONCE);
    memory.fill(c, 0, 32);
    const n = hexInto(c + 32, M);
    xsalsa20Xor(out, c, 32 + n, b, a);
    hexInto(c, C);
    for (let i = 0; i < n; i++) expect(load<u8>(out + 32 + <usize>i)).toBe(load<u8>(c + 16 + <usize>i));
  });

  it("is its own inverse", () => {
    hexInto(a, FIRSTKEY);
    hexInto(b, NONCE);
    const n = hexInto(c, M);
    xsalsa20Xor(out, c, n, b, a);
    xsalsa20Xor(out, out, n, b, a);
    for (let i = 0; i < n; i++) expect(load<u8>(out + <usize>i)).toBe(load<u8>(c + <usize>i));
  });
});

describe("Poly1305", () => {
  it("RFC 8439 §2.5.2", () => {
    hexInto(a, "85d6be7857556d337f4452fe42d506a80103808afb0db2fd4abff6af4149f51b");
    const msg = "Cryptographic Forum Research Group";
    for (let i = 0; i < msg.length; i++) store<u8>(b + <usize>i, <u8>msg.charCodeAt(i));
    poly1305(out, b, msg.length, a);
    expectHex(out, "a8061dc1305136c6c22b8baf0c0127a9");
  });

  it("NaCl's secretbox tag: Poly1305 of the ciphertext under keystream bytes 0..32", () => {
    hexInto(a, FIRSTKEY);
    hexInto(b, NONCE);
    memory.fill(c, 0, 32);
    xsalsa20Xor(out, c, 32, b, a); // the one-time key
    const n = hexInto(c, C);
    poly1305(a, c + 16, n - 16, out);
    expectHex(a, C.substr(0, 32));
  });
});
