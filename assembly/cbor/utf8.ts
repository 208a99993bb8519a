// UTF-8 well-formedness (RFC 3629 §4, the table of valid byte sequences), as RFC
// 8949 §3.1 requires of text strings: no overlong forms, no surrogates, <= U+10FFFF.

/** True if [p, p+n) is well-formed UTF-8. Reads only inside the range. */
export function utf8Valid(p: usize, n: i32): bool {
  let i = 0;
  while (i < n) {
    const b = <u32>load<u8>(p + <usize>i);
    if (b < 0x80) {
      i++;
      continue;
    }
    let extra: i32;
    // Bounds of the second byte; later continuation bytes are always 80..BF.
    let lo: u32 = 0x80;
    let hi: u32 = 0xbf;
    if (b >= 0xc2 && b <= 0xdf) extra = 1;
    else if (b >= 0xe0 && b <= 0xef) {
      extra = 2;
      if (b == 0xe0) lo = 0xa0;
      else if (b == 0xed) hi = 0x9f;
    } else if (b >= 0xf0 && b <= 0xf4) {
      extra = 3;
      if (b == 0xf0) lo = 0x90;
      else if (b == 0xf4) hi = 0x8f;
    } else return false;
    if (n - i <= extra) return false;
    const b1 = <u32>load<u8>(p + <usize>(i + 1));
    if (b1 < lo || b1 > hi) return false;
    for (let k = 2; k <= extra; k++) {
      const c = <u32>load<u8>(p + <usize>(i + k));
      if ((c & 0xc0) != 0x80) return false;
    }
    i += extra + 1;
  }
  return true;
}

/** UTF-8 length of an AS (UTF-16) string, or -1 if it holds a lone surrogate. */
export function utf8Length(s: string): i32 {
  let n = 0;
  const len = s.length;
  for (let i = 0; i < len; i++) {
    const c = <u32>s.charCodeAt(i);
    if (c < 0x80) n += 1;
    else if (c < 0x800) n += 2;
    else if (c < 0xd800 || c > 0xdfff) n += 3;
    else {
      if (c > 0xdbff || i + 1 >= len) return -1;
      const d = <u32>s.charCodeAt(i + 1);
      if (d < 0xdc00 || d > 0xdfff) return -1;
      i++;
      n += 4;
    }
  }
  return n;
}

/** Writes the UTF-8 of s (already checked by utf8Length) at dst. */
export function utf8Encode(s: string, dst: usize): void {
  const len = s.length;
  let o = dst;
  for (let i = 0; i < len; i++) {
    let c = <u32>s.charCodeAt(i);
    if (c < 0x80) {
      store<u8>(o++, <u8>c);
    } else if (c < 0x800) {
      store<u8>(o++, <u8>(0xc0 | (c >> 6)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
    } else if (c < 0xd800 || c > 0xdfff) {
      store<u8>(o++, <u8>(0xe0 | (c >> 12)));
      store<u8>(o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
    } else {
      c = 0x10000 + ((c - 0xd800) << 10) + (<u32>s.charCodeAt(++i) - 0xdc00);
      store<u8>(o++, <u8>(0xf0 | (c >> 18)));
      store<u8>(o++, <u8>(0x80 | ((c >> 12) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | ((c >> 6) & 0x3f)));
      store<u8>(o++, <u8>(0x80 | (c & 0x3f)));
    }
  }
}
