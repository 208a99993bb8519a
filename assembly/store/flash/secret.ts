// The device secret area: one small record (the device's Ed25519 seed and enrollment
// data, at most SECRET_MAX bytes) kept outside the object log, in sectors 0 and 1.
//
// Atomic replacement with two copies (as ESP-IDF NVS and LittleFS's metadata pairs
// do): each copy lives in its own sector and carries a sequence number and a CRC. A
// save overwrites the copy that is not the newest valid one, so a power cut at any
// instant leaves the previous newest copy untouched; a load takes the valid copy
// with the higher sequence number.
//
// Record, little-endian, padded with 0xFF to the write granularity:
//   0  u32 magic "NYSK"   4  u32 seq   8  u16 len   10 u16 0xFFFF
//   12 len bytes of secret              12+len  u32 CRC-32 of bytes [0, 12+len)
// The CRC is the bitwise one (crc32Ct): no table index depends on the secret.
import { E_BOUNDS, E_INVAL, E_IO, E_NOTFOUND, OK } from "../../abi/errors";
import { flash_erase, flash_read, flash_write } from "../../abi/imports";
import { crc32Ct } from "./crc32";
import { loadGeometry, roundUp, sectorSize } from "./geometry";

// Wipes secret bytes from the fixed buffer (memory.fill stores are never elided:
// linear memory is observable by the host).
@inline function wipe(p: usize, n: i32): void {
  memory.fill(p, 0, <usize>n);
}

export const SECRET_MAX: i32 = 512;
const MAGIC: u32 = 0x4b53594e; // "NYSK"
const HEAD: i32 = 12;
const BUF_LEN: i32 = HEAD + SECRET_MAX + 4 + 32;
const buf = memory.data(BUF_LEN);

// Reads copy `which` (0 or 1) into buf; returns its length, or -1 if it is not valid.
function readCopy(which: i32): i32 {
  const base = <u32>(which * sectorSize);
  if (flash_read(base, buf, HEAD) != OK) return -1;
  if (load<u32>(buf) != MAGIC) return -1;
  const len = <i32>load<u16>(buf, 8);
  if (len > SECRET_MAX) return -1;
  if (flash_read(base + <u32>HEAD, buf + <usize>HEAD, len + 4) != OK) return -1;
  const want = load<u32>(buf + <usize>(HEAD + len));
  if (crc32Ct(0, buf, HEAD + len) != want) return -1;
  return len;
}

// Which copy is newest (0 or 1) and its sequence number; -1 if neither is valid.
let newestSeq: u32 = 0;
function newest(): i32 {
  let best = -1;
  for (let which = 0; which < 2; which++) {
    if (readCopy(which) < 0) continue;
    const seq = load<u32>(buf, 4);
    // Sequence numbers are compared with wrap-around (serial number arithmetic).
    if (best < 0 || <i32>(seq - newestSeq) > 0) {
      best = which;
      newestSeq = seq;
    }
  }
  wipe(buf, BUF_LEN);
  return best;
}

/** Copies the newest valid secret into [out, out+cap); its length, E_NOTFOUND, E_BOUNDS or E_IO. */
export function secretLoad(out: usize, cap: i32): i32 {
  const rc = loadGeometry();
  if (rc != OK) return rc;
  const which = newest();
  if (which < 0) return E_NOTFOUND;
  const len = readCopy(which);
  if (len < 0) return E_IO; // valid a moment ago: the flash is failing
  if (cap < len) {
    wipe(buf, BUF_LEN);
    return E_BOUNDS;
  }
  memory.copy(out, buf + <usize>HEAD, <usize>len);
  wipe(buf, BUF_LEN);
  return len;
}

/** Replaces the secret with [p, p+n) atomically; OK once durable, or E_INVAL / E_IO. */
export function secretSave(p: usize, n: i32): i32 {
  if (n < 0 || n > SECRET_MAX) return E_INVAL;
  let rc = loadGeometry();
  if (rc != OK) return rc;
  const cur = newest();
  const target = cur == 0 ? 1 : 0;
  const seq: u32 = cur < 0 ? 1 : newestSeq + 1;
  const total = roundUp(HEAD + n + 4);
  if (total > BUF_LEN || total > sectorSize) return E_INVAL;
  memory.fill(buf, 0xff, <usize>BUF_LEN);
  store<u32>(buf, MAGIC);
  store<u32>(buf, seq, 4);
  store<u16>(buf, <u16>n, 8);
  memory.copy(buf + <usize>HEAD, p, <usize>n);
  store<u32>(buf + <usize>(HEAD + n), crc32Ct(0, buf, HEAD + n));
  const base = <u32>(target * sectorSize);
  rc = flash_erase(base, sectorSize);
  if (rc == OK) rc = flash_write(base, buf, total);
  wipe(buf, BUF_LEN);
  if (rc != OK) return rc < 0 ? rc : E_IO;
  return OK;
}

