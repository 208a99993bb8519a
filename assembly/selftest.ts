// The device self-test entry: the core's parts checked on the device itself (or
// its native stand-in: wasm2c on the host and on RISC-V under QEMU), through the
// real platform layer. `nymote selftest --board NAME` builds this file instead of
// an app. selftest_run() logs every failing check by name and returns how many
// failed (0: all passed). Known-answer vectors are from the specs named beside them.
//
// It grows with the core: each part that lands on main adds its section here.
export * from "./abi/exports";

import { E_AUTH, E_BOUNDS, E_INVAL, E_NOTFOUND, OK } from "./abi/errors";
import { clock_ms, flash_erase, flash_geometry, flash_read, flash_write, log, monotonic_ms, random_bytes } from "./abi/imports";
import { ed25519KeypairFromSeed, ed25519Sign, ed25519Verify } from "./crypto/ed25519";
import { hmacSha256, hmacSha512 } from "./crypto/hmac";
import { secretbox, secretboxOpen } from "./crypto/secretbox";
import { Sha256, sha256 } from "./crypto/sha256";
import { sha512 } from "./crypto/sha512";
import { x25519, x25519Base } from "./crypto/x25519";
import {
  store_branch,
  store_commit,
  store_conflicts_next,
  store_conflicts_open,
  store_counter_add,
  store_counter_value,
  store_get,
  store_head,
  store_lca,
  store_merge,
  store_merge_tree,
  store_ref_set,
  store_set,
} from "./store/exports";
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

/** Writes the bytes of a lowercase hex string at p; returns how many. */
function unhex(p: usize, hex: string): i32 {
  const n = hex.length >> 1;
  for (let i = 0; i < n; i++) store<u8>(p + <usize>i, <u8>((hexNibble(hex.charCodeAt(2 * i)) << 4) | hexNibble(hex.charCodeAt(2 * i + 1))));
  return n;
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

// RFC 8032 §7.1: the key pair from the seed, the signature, verification, and a
// forgery (the signature with one bit of S flipped, then one of R) rejected.
function ed25519Vector(name: string, seedHex: string, pkHex: string, msgHex: string, sigHex: string): void {
  const seed = scratch;
  const sk = scratch + 32;
  const pk = scratch + 96;
  const sig = scratch + 128;
  const msg = scratch + 192;
  unhex(seed, seedHex);
  const n = unhex(msg, msgHex);
  ed25519KeypairFromSeed(pk, sk, seed);
  check(equalsHex(pk, 32, pkHex), `ed25519: RFC 8032 ${name} public key`);
  ed25519Sign(sig, msg, n, sk);
  check(equalsHex(sig, 64, sigHex), `ed25519: RFC 8032 ${name} signature`);
  unhex(sig, sigHex);
  check(ed25519Verify(sig, msg, n, pk) == OK, `ed25519: RFC 8032 ${name} verifies`);
  store<u8>(sig + 40, load<u8>(sig + 40) ^ 1);
  check(ed25519Verify(sig, msg, n, pk) == E_AUTH, `ed25519: RFC 8032 ${name} forged S rejected`);
  store<u8>(sig + 40, load<u8>(sig + 40) ^ 1);
  store<u8>(sig + 3, load<u8>(sig + 3) ^ 0x10);
  check(ed25519Verify(sig, msg, n, pk) == E_AUTH, `ed25519: RFC 8032 ${name} forged R rejected`);
}

function testEd25519(): void {
  ed25519Vector("TEST 1", "9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60", "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "", "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b");
  ed25519Vector("TEST 2", "4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb", "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72", "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00");
  ed25519Vector("TEST 3", "c5aa8df43f9f837bedb7442f31dcb7b166d38535076f094b85ce3a2e0b4458f7", "fc51cd8e6218a1a38da47ed00230f0580816ed13ba3303ac5deb911548908025", "af82", "6291d657deec24024827e69c3abe01a30ce548a284743a445e3680d7db5ac3ac18ff9b538d16f290ae67f760984dc6594a7c15e9716ed28dc027beceea1ec40a");
}

function testX25519(): void {
  const k = scratch;
  const u = scratch + 32;
  const out = scratch + 64;
  const out2 = scratch + 96;
  // RFC 7748 §5.2: two scalar/u-coordinate pairs, then one step of the iteration.
  unhex(k, "a546e36bf0527c9d3b16154b82465edd62144c0ac1fc5a18506a2244ba449ac4");
  unhex(u, "e6db6867583030db3594c1a424b15f7c726624ec26b3353b10a903a6d0ab1c4c");
  check(x25519(out, k, u) == OK && equalsHex(out, 32, "c3da55379de9c6908e94ea4df28d084f32eccf03491c71f754b4075577a28552"), "x25519: RFC 7748 5.2 vector 1");
  unhex(k, "4b66e9d4d1b4673c5ad22691957d6af5c11b6421e0ea01d42ca4169e7918ba0d");
  unhex(u, "e5210f12786811d3f4b7959d0538ae2c31dbe7106fc03c3efc4cd549c715a493");
  check(x25519(out, k, u) == OK && equalsHex(out, 32, "95cbde9476e8907d7aade45cb4b873f88b595a68799fa152e6f8f7647aac7957"), "x25519: RFC 7748 5.2 vector 2");
  unhex(k, "0900000000000000000000000000000000000000000000000000000000000000");
  check(x25519(out, k, k) == OK && equalsHex(out, 32, "422c8e7a6227d7bca1350b3e2bb7279f7897b87bb6854b783c60e80311ae3079"), "x25519: RFC 7748 5.2 one iteration");
  // RFC 7748 §6.1: both public keys, and both sides derive the same shared secret.
  const a = scratch + 128;
  const b = scratch + 160;
  unhex(a, "77076d0a7318a57d3c16c17251b26645df4c2f87ebc0992ab177fba51db92c2a");
  unhex(b, "5dab087e624a8a4b79e17f8b83800ee66f3bb1292618b6fd1c2f8b27ff88e0eb");
  x25519Base(out, a);
  check(equalsHex(out, 32, "8520f0098930a754748b7ddcb43ef75a0dbf3a0d26381af4eba4a98eaa9b4e6a"), "x25519: RFC 7748 6.1 Alice's public key");
  x25519Base(out2, b);
  check(equalsHex(out2, 32, "de9edb7d7b7dc1b4d35b61c2ece435373f8343c85b78674dadfc7e146f882b4f"), "x25519: RFC 7748 6.1 Bob's public key");
  check(x25519(u, a, out2) == OK && equalsHex(u, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"), "x25519: RFC 7748 6.1 shared secret (Alice)");
  check(x25519(u, b, out) == OK && equalsHex(u, 32, "4a5d9d5ba4ce2de1728e3bf480350f25e07e21c947d19e3376f09b3c1e161742"), "x25519: RFC 7748 6.1 shared secret (Bob)");
  memory.fill(u, 0, 32);
  check(x25519(out, a, u) == E_AUTH, "x25519: the all-zero (low-order) point is E_AUTH");
}

// NaCl tests/secretbox.c (firstkey, nonce, the 131-byte message); the box in
// tweetnacl's layout, tag then ciphertext. A box with one flipped bit is refused
// and leaves the output untouched.
function testSecretbox(): void {
  const key = scratch;
  const nonce = scratch + 32;
  const msg = scratch + 64;
  const box = scratch + 256;
  const opened = scratch + 512;
  unhex(key, "1b27556473e985d462cd51197a9a46c76009549eac6474f206c4ee0844f68389");
  unhex(nonce, "69696ee955b62b73cd62bda875fc73d68219e0036b7a0b37");
  const n = unhex(msg, "be075fc53c81f2d5cf141316ebeb0c7b5228c52a4c62cbd44b66849b64244ffce5ecbaaf33bd751a1ac728d45e6c61296cdc3c01233561f41db66cce314adb310e3be8250c46f06dceea3a7fa1348057e2f6556ad6b1318a024a838f21af1fde048977eb48f59ffd4924ca1c60902e52f0a089bc76897040e082f937763848645e0705");
  const boxHex = "f3ffc7703f9400e52a7dfb4b3d3305d98e993b9f48681273c29650ba32fc76ce48332ea7164d96a4476fb8c531a1186ac0dfc17c98dce87b4da7f011ec48c97271d2c20f9b928fe2270d6fb863d51738b48eeee314a7cc8ab932164548e526ae90224368517acfeabd6bb3732bc0e9da99832b61ca01b6de56244a9e88d5f9b37973f622a43d14a6599b1f654cb45a74e355a5";
  secretbox(box, msg, n, nonce, key);
  check(equalsHex(box, n + 16, boxHex), "secretbox: NaCl secretbox.c box");
  unhex(box, boxHex);
  check(secretboxOpen(opened, box, n + 16, nonce, key) == OK && equalsBytes(opened, msg, n), "secretbox: NaCl box opens to the message");
  memory.fill(opened, 0x5a, n);
  store<u8>(box + 16 + 70, load<u8>(box + 16 + 70) ^ 0x04);
  check(secretboxOpen(opened, box, n + 16, nonce, key) == E_AUTH && allEqual(opened, n, 0x5a), "secretbox: a tampered ciphertext is refused");
  store<u8>(box + 16 + 70, load<u8>(box + 16 + 70) ^ 0x04);
  store<u8>(box + 5, load<u8>(box + 5) ^ 0x80);
  check(secretboxOpen(opened, box, n + 16, nonce, key) == E_AUTH, "secretbox: a tampered tag is refused");
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

function testStore(): i32 {
  check(flash_geometry(scratch) == OK, "store: geometry");
  const size = load<u32>(scratch);
  check(flash_erase(0, <i32>size) == OK, "store: erase the partition");
  let h = flash_store_open();
  check(h > 0, "store: mount a blank partition");
  if (h <= 0) return 0;
  let s = storeOf(h);
  if (s == null) {
    check(false, "store: handle resolves");
    return 0;
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
  if (s == null) return 0;
  check(s.headCommit(got) == OK && equalsBytes(got, id2, 32), "store: the head survives a remount");
  check(s.get(0, path, pathLen, 0, got, 8) == 2 && load<u16>(got) == 0x2b18, "store: the value survives a remount");
  let commits = 0;
  if (s.logOpen(0, 10) == OK) while (s.logNext(got) == 1) commits++;
  check(commits == 2, "store: log has both commits");
  return h;
}

// ---- store: a three-way merge of a mergeable type (docs/store.md, "Merge") -------
//
// Through the store's ABI exports, on the flash store testStore left mounted:
// base (counter 5 by dev-a) → main: dev-a +2, room/a = 1; side: dev-b +3,
// room/b = 2. The merge must keep both rooms and sum the counter (10), whichever
// way round; then both branches change room/a, which must be one recorded conflict.

/** Stages a one-byte CBOR unsigned int (0..23) at path. */
function setSmall(h: i32, path: string, v: u8): i32 {
  const p = scratch + 2048;
  const n = ascii(p, path);
  store<u8>(p + 256, v);
  return store_set(h, p, n, p + 256, 1);
}

function getSmall(h: i32, commit: usize, path: string): i32 {
  const p = scratch + 2048;
  const n = ascii(p, path);
  return store_get(h, commit, p, n, 0, p + 256, 8) == 1 ? <i32>load<u8>(p + 256) : -1;
}

function countBy(h: i32, writer: string, delta: i64): i32 {
  const p = scratch + 2048;
  const n = ascii(p, "stats/boots");
  const w = p + 128;
  return store_counter_add(h, p, n, w, ascii(w, writer), delta);
}

function boots(h: i32, commit: usize): i64 {
  const p = scratch + 2048;
  return store_counter_value(h, commit, p, ascii(p, "stats/boots"));
}

function commitAs(h: i32, t: i64, out: usize): i32 {
  const author = scratch + 2560;
  const authorLen = ascii(author, "Selftest <selftest@nymote.invalid>");
  const msg = scratch + 2688;
  return store_commit(h, author, authorLen, t, msg, ascii(msg, "merge test"), 0, 0, out);
}

function onBranch(h: i32, name: string): i32 {
  const p = scratch + 2048;
  return store_branch(h, p, ascii(p, name));
}

/** h: the mounted flash store (0: testStore failed; the merge is skipped). */
function testMerge(h: i32): void {
  check(h > 0, "merge: the store is mounted");
  if (h <= 0) return;
  const base = scratch + 4096;
  const a = base + 32;
  const b = base + 64;
  const merged = base + 96;
  const t1 = base + 128;
  const t2 = base + 160;
  const lca = base + 192;
  const c = base + 224;
  const d = base + 256;
  check(countBy(h, "dev-a", 5) == OK && commitAs(h, 1700000100, base) == OK, "merge: base commit with a counter");
  const side = scratch + 2048 + 512;
  check(store_ref_set(h, side, ascii(side, "side"), 0, base) == OK, "merge: branch side from the base");
  check(countBy(h, "dev-a", 2) == OK && setSmall(h, "room/a", 1) == OK && commitAs(h, 1700000160, a) == OK, "merge: commit on main");
  check(onBranch(h, "side") == OK, "merge: switch to side");
  check(countBy(h, "dev-b", 3) == OK && setSmall(h, "room/b", 2) == OK && commitAs(h, 1700000170, b) == OK, "merge: commit on side");
  check(store_lca(h, a, b, lca, 1) == 1 && equalsBytes(lca, base, 32), "merge: the LCA is the base");
  check(store_merge_tree(h, a, b, t1) == 0 && store_merge_tree(h, b, a, t2) == 0, "merge: clean both ways");
  check(equalsBytes(t1, t2, 32), "merge: merge(a, b) and merge(b, a) give the same tree");
  check(onBranch(h, "main") == OK, "merge: back to main");
  const author = scratch + 2560;
  const authorLen = ascii(author, "Selftest <selftest@nymote.invalid>");
  const msg = scratch + 2688;
  const msgLen = ascii(msg, "merge side");
  check(store_merge(h, b, author, authorLen, 1700000200, msg, msgLen, merged) == 0, "merge: merge side into main, no conflict");
  check(store_head(h, c) == OK && equalsBytes(c, merged, 32), "merge: main's head is the merge commit");
  check(boots(h, merged) == 10, "merge: the counter sums every writer's share (5 + 2 + 3)");
  check(boots(h, a) == 7 && boots(h, b) == 8, "merge: each side kept its own count");
  check(getSmall(h, merged, "room/a") == 1 && getSmall(h, merged, "room/b") == 2, "merge: both sides' values are in the merge");
  // Both sides change the same plain value: a conflict, recorded at its path.
  check(setSmall(h, "room/a", 7) == OK && commitAs(h, 1700000300, c) == OK, "merge: main changes room/a");
  check(onBranch(h, "side") == OK && setSmall(h, "room/a", 8) == OK && commitAs(h, 1700000310, d) == OK, "merge: side changes room/a");
  check(onBranch(h, "main") == OK && store_merge(h, d, author, authorLen, 1700000400, msg, msgLen, merged) == 1, "merge: one conflict");
  const p = scratch + 3072;
  check(store_conflicts_open(h, 0) == OK, "merge: list conflicts");
  const n = store_conflicts_next(h, p, 256);
  check(n == 6 && ascii(p + 256, "room/a") == 6 && equalsBytes(p, p + 256, 6), "merge: the conflict is at room/a");
  check(store_conflicts_next(h, p, 256) == 0, "merge: and nowhere else");
  check(boots(h, merged) == 10, "merge: the counter is untouched by the conflict");
}

/** Runs every check; returns the number that failed. */
export function selftest_run(): i32 {
  failures = 0;
  checks = 0;
  testRuntime();
  testPlatform();
  testCrypto();
  testEd25519();
  testX25519();
  testSecretbox();
  testFlash();
  testSecret();
  testMerge(testStore());
  say(failures == 0 ? LOG_INFO : LOG_ERROR, failures == 0 ? "selftest: all passed: " : "selftest: failures in: ", "runtime, platform, crypto (sha2, hmac, ed25519, x25519, secretbox), flash, secret, store, merge");
  return failures;
}

/** Checks run by the last selftest_run. */
export function selftest_checks(): i32 {
  return checks;
}
