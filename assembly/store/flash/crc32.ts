// CRC-32 (IEEE 802.3, reflected polynomial 0xEDB88320, init and final xor 0xFFFFFFFF;
// the zlib/PNG CRC). It detects torn writes and decay, it is not a MAC: nothing
// here defends against an attacker who can rewrite the flash.

const table = memory.data(1024);
let tableReady = false;

function buildTable(): void {
  for (let n: u32 = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & (0 - (c & 1)));
    store<u32>(table + (<usize>n << 2), c);
  }
  tableReady = true;
}

/** Continues a CRC over [p, p+n): pass 0 to start, the previous result to continue. */
export function crc32(crc: u32, p: usize, n: i32): u32 {
  if (!tableReady) buildTable();
  let c = ~crc;
  for (let i = 0; i < n; i++) {
    c = load<u32>(table + (<usize>((c ^ <u32>load<u8>(p + <usize>i)) & 0xff) << 2)) ^ (c >>> 8);
  }
  return ~c;
}

/** The same CRC bit by bit, with no data-dependent branch or table index: for secrets. */
export function crc32Ct(crc: u32, p: usize, n: i32): u32 {
  let c = ~crc;
  for (let i = 0; i < n; i++) {
    c ^= <u32>load<u8>(p + <usize>i);
    for (let k = 0; k < 8; k++) c = (c >>> 1) ^ (0xedb88320 & (0 - (c & 1)));
  }
  return ~c;
}
