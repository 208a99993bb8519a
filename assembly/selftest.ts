// The device self-test entry: the core's parts checked on the device itself (or
// its native stand-in: wasm2c on the host and on RISC-V under QEMU), through the
// real platform layer. `nymote selftest --board NAME` builds this file instead of
// an app. selftest_run() logs every failing check by name and returns how many
// failed (0: all passed). Known-answer vectors are from the specs named beside them.
//
// It grows with the core: each part that lands on main adds its section here.
export * from "./abi/exports";

import { E_BOUNDS, E_INVAL, E_NOTFOUND, OK } from "./abi/errors";
import { clock_ms, flash_erase, flash_geometry, flash_read, flash_write, log, monotonic_ms, random_bytes } from "./abi/imports";
import { hmacSha256, hmacSha512 } from "./crypto/hmac";
import { Sha256, sha256 } from "./crypto/sha256";
import { sha512 } from "./crypto/sha512";
import { flash_store_open } from "./store/flash/exports";
import { secretLoad, secretSave } from "./store/flash/secret";
import { storeOf } from "./store/handles";

const LOG_ERROR = 0;
const LOG_INFO = 2;

// One scratch area for every check: 4 KiB (a flash sector) plus room for vectors.
const SCRATCH_LEN: i32 = 8192;
const scratch = memory.data(SCRATCH_LEN);
const line = memory.data(160);

let failures: i32 = 0;
let checks: i32 = 0;

function say(level: i32, prefix: string, name: string): void {
  let n = 0;
  for (let i = 0; i < prefix.length && n < 160; i++, n++) store<u8>(line + <usize>n, <u8>prefix.charCodeAt(i));
  for (let i = 0; i < name.length && n < 160; i++, n++) store<u8>(line + <usize>n, <u8>name.charCodeAt(i));
  log(level, line, n);
}

function check(ok: bool, name: string): void {
  checks++;
  if (!ok) {
    failures++;
    say(LOG_ERROR, "selftest FAIL: ", name);
  }
}

function hexNibble(c: i32): i32 {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

/** Whether the n bytes at p equal the lowercase hex string (2n digits). */
function equalsHex(p: usize, n: i32, hex: string): bool {
  if (hex.length != n * 2) return false;
  for (let i = 0; i < n; i++) {
    const b = (hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1));
    if (<i32>load<u8>(p + <usize>i) != b) return false;
  }
  return true;
}

function allEqual(p: usize, n: i32, v: u8): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != v) return false;
  return true;
}

function fill(p: usize, n: i32, seed: i32): void {
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>(i * 31 + seed));
}

function sameAsFill(p: usize, n: i32, seed: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != <u8>(i * 31 + seed)) return false;
  return true;
}

// ---- runtime and platform ---------------------------------------------------

function testRuntime(): void {
  const a = heap.alloc(100);
  const b = heap.alloc(100);
  check(a != 0 && b != 0 && (b >= a + 100 || a >= b + 100), "runtime: two allocations do not overlap");
  heap.free(a);
  heap.free(b);
}

function testPlatform(): void {
  memory.fill(scratch, 0, 64);
  check(random_bytes(scratch, 32) == OK && random_bytes(scratch + 32, 32) == OK, "random: returns OK");
  // 2^-256 chance of a false failure for either condition.
  check(!allEqual(scratch, 32, 0), "random: not all zero");
  check(!equalsBytes(scratch, scratch + 32, 32), "random: two draws differ");
  check(random_bytes(0xfffffff0, 64) == E_BOUNDS, "random: out-of-memory pointer is E_BOUNDS");
  const t0 = monotonic_ms();
  const t1 = monotonic_ms();
  check(t0 >= 0 && t1 >= t0, "clock: monotonic never goes backwards");
  check(clock_ms() >= 0, "clock: wall clock is not negative");
}

function equalsBytes(a: usize, b: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(a + <usize>i) != load<u8>(b + <usize>i)) return false;
  return true;
}

/** Writes the ASCII string at p; returns its length. */
function ascii(p: usize, s: string): i32 {
  for (let i = 0; i < s.length; i++) store<u8>(p + <usize>i, <u8>s.charCodeAt(i));
  return s.length;
}

// ---- crypto known answers -------------------------------------------------------

function testCrypto(): void {
  const out = scratch + 4096;
  let n = ascii(scratch, "abc");
  sha256(out, scratch, n);
  check(equalsHex(out, 32, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"), "sha256: FIPS 180-2 'abc'");
  sha256(out, scratch, 0);
  check(equalsHex(out, 32, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"), "sha256: empty message");
  // FIPS 180-2 long message: one million 'a', streamed in 1000-byte pieces.
  memory.fill(scratch, 0x61, 1000);
  const h = new Sha256();
  for (let i = 0; i < 1000; i++) h.update(scratch, 1000);
  h.final(out);
  check(equalsHex(out, 32, "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"), "sha256: one million 'a', streamed");
  n = ascii(scratch, "abc");
  sha512(out, scratch, n);
  check(
    equalsHex(out, 64, "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f"),
    "sha512: FIPS 180-2 'abc'",
  );
  // RFC 4231 test case 2: key "Jefe".
  const key = scratch + 2048;
  const keyLen = ascii(key, "Jefe");
  n = ascii(scratch, "what do ya want for nothing?");
  hmacSha256(out, key, keyLen, scratch, n);
  check(equalsHex(out, 32, "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"), "hmac-sha256: RFC 4231 case 2");
  hmacSha512(out, key, keyLen, scratch, n);
  check(
    equalsHex(out, 64, "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea2505549758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737"),
    "hmac-sha512: RFC 4231 case 2",
  );
}

// ---- flash: NOR rules through the platform layer ------------------------------

function testFlash(): void {
  check(flash_geometry(scratch) == OK, "flash: geometry");
  const size = load<u32>(scratch);
  const sector = load<u32>(scratch, 4);
  check(sector == 4096 && size >= 4 * sector && size % sector == 0, "flash: geometry is whole 4 KiB sectors");
  const last = size - sector; // the last sector: outside the secret area
  check(flash_erase(last, <i32>sector) == OK, "flash: erase a sector");
  check(flash_read(last, scratch, 4096) == OK && allEqual(scratch, 4096, 0xff), "flash: erased sector reads 0xFF");
  fill(scratch, 256, 7);
  check(flash_write(last + 100, scratch, 256) == OK, "flash: write");
  memory.fill(scratch, 0, 256);
  check(flash_read(last + 100, scratch, 256) == OK && sameAsFill(scratch, 256, 7), "flash: read back what was written");
  // NOR: programming only clears bits. Clearing more of them works; a write that
  // would set a 0 bit is refused (simulators: E_IO) or leaves it 0 (real NOR).
  store<u8>(scratch, 0xf0);
  check(flash_write(last + 8, scratch, 1) == OK, "flash: program 0xF0");
  store<u8>(scratch, 0x30);
  check(flash_write(last + 8, scratch, 1) == OK, "flash: program 0x30 over it (clears bits only)");
  store<u8>(scratch, 0x3c);
  flash_write(last + 8, scratch, 1);
  check(flash_read(last + 8, scratch, 1) == OK && load<u8>(scratch) == 0x30, "flash: a write never sets a bit (0x3C over 0x30)");
  check(flash_read(size - 2, scratch, 4) == E_BOUNDS, "flash: read past the partition is E_BOUNDS");
  check(flash_write(size, scratch, 1) == E_BOUNDS, "flash: write past the partition is E_BOUNDS");
  check(flash_erase(last - sector + 1, <i32>sector) == E_INVAL, "flash: unaligned erase is E_INVAL");
  check(flash_erase(last, <i32>sector) == OK && flash_read(last + 8, scratch, 1) == OK && load<u8>(scratch) == 0xff, "flash: erase restores 0xFF");
}

// ---- flash: the device secret area and its recovery ---------------------------

function testSecret(): void {
  check(flash_erase(0, 8192) == OK, "secret: erase the secret sectors");
  check(secretLoad(scratch, 512) == E_NOTFOUND, "secret: empty flash has no secret");
  fill(scratch, 64, 1);
  check(secretSave(scratch, 64) == OK, "secret: save A");
  fill(scratch, 48, 2);
  check(secretSave(scratch, 48) == OK, "secret: save B");
  memory.fill(scratch, 0, 64);
  check(secretLoad(scratch, 512) == 48 && sameAsFill(scratch, 48, 2), "secret: load gives the newest (B)");
  // Tear the newest copy as a power cut mid-write would (clear bits in its body):
  // the record layout is in store/flash/secret.ts (magic, seq at +4, body at +12).
  const head = scratch + 1024;
  let newest: u32 = 0;
  let newestSeq: u32 = 0;
  for (let which: u32 = 0; which < 2; which++) {
    flash_read(which * 4096, head, 8);
    if (load<u32>(head) == 0x4b53594e && load<u32>(head, 4) >= newestSeq) {
      newestSeq = load<u32>(head, 4);
      newest = which;
    }
  }
  store<u8>(head, 0);
  check(flash_write(newest * 4096 + 12, head, 1) == OK, "secret: tear the newest copy");
  check(secretLoad(scratch, 512) == 64 && sameAsFill(scratch, 64, 1), "secret: recovery falls back to the previous copy (A)");
}

// ---- store on flash: writes, commits, history, and a remount (recovery) ----------

function testStore(): void {
  check(flash_geometry(scratch) == OK, "store: geometry");
  const size = load<u32>(scratch);
  check(flash_erase(0, <i32>size) == OK, "store: erase the partition");
  let h = flash_store_open();
  check(h > 0, "store: mount a blank partition");
  if (h <= 0) return;
  let s = storeOf(h);
  if (s == null) {
    check(false, "store: handle resolves");
    return;
  }
  const path = scratch;
  const pathLen = ascii(path, "sensors/selftest");
  const value = scratch + 64;
  const author = scratch + 128;
  const authorLen = ascii(author, "Selftest <selftest@nymote.invalid>");
  const msg = scratch + 256;
  const msgLen = ascii(msg, "selftest");
  const id1 = scratch + 512;
  const id2 = scratch + 544;
  const got = scratch + 600;
  store<u16>(value, 0x2a18); // CBOR 42 (RFC 8949: 0x18 0x2a)
  check(s.set(path, pathLen, value, 2) == OK, "store: stage a value");
  check(s.commit(author, authorLen, 1700000000, msg, msgLen, 0, 0, 0, 0, id1) == OK, "store: first commit");
  store<u16>(value, 0x2b18); // CBOR 43
  check(s.set(path, pathLen, value, 2) == OK, "store: stage a change");
  check(s.commit(author, authorLen, 1700000060, msg, msgLen, 0, 0, 0, 0, id2) == OK, "store: second commit");
  check(!equalsBytes(id1, id2, 32), "store: the commits differ");
  check(s.get(id1, path, pathLen, 0, got, 8) == 2 && load<u16>(got) == 0x2a18, "store: history reads the first value");
  // Remount, as after a reset: the log is replayed from flash.
  h = flash_store_open();
  s = h > 0 ? storeOf(h) : null;
  check(s != null, "store: remount");
  if (s == null) return;
  check(s.headCommit(got) == OK && equalsBytes(got, id2, 32), "store: the head survives a remount");
  check(s.get(0, path, pathLen, 0, got, 8) == 2 && load<u16>(got) == 0x2b18, "store: the value survives a remount");
  let commits = 0;
  if (s.logOpen(0, 10) == OK) while (s.logNext(got) == 1) commits++;
  check(commits == 2, "store: log has both commits");
}

/** Runs every check; returns the number that failed. */
export function selftest_run(): i32 {
  failures = 0;
  checks = 0;
  testRuntime();
  testPlatform();
  testCrypto();
  testFlash();
  testSecret();
  testStore();
  say(failures == 0 ? LOG_INFO : LOG_ERROR, failures == 0 ? "selftest: all passed: " : "selftest: failures in: ", "runtime, platform, crypto, flash, secret, store");
  return failures;
}

/** Checks run by the last selftest_run. */
export function selftest_checks(): i32 {
  return checks;
}
