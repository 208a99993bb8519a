// Secret Handshake v1 (Tarr, "Designing a Secret Handshake", 2015; the Scuttlebutt
// protocol guide), the computations of each message. The state machine that calls
// them is session.ts. Notation: K network key; A, a client long-term Ed25519; B, b
// server long-term; x / y the client's / server's ephemeral X25519 keys.
//   1 client hello  64  hmac_K(x_pub) ‖ x_pub
//   2 server hello  64  hmac_K(y_pub) ‖ y_pub
//   3 client auth  112  secretbox_{sha256(K‖ab‖aB)}(H ‖ A), H = sign_a(K ‖ B ‖ sha256(ab))
//   4 server accept 80  secretbox_{sha256(K‖ab‖aB‖Ab)}(sign_b(K ‖ H ‖ A ‖ sha256(ab)))
// ab = x·y, aB = x·curve(B), Ab = curve(a)·y; both secretboxes use the zero nonce.
// Box-stream keys: s = sha256(sha256(K‖ab‖aB‖Ab)); encrypt with sha256(s ‖ remote
// key) from nonce hmac_K(remote ephemeral)[0..24], decrypt with sha256(s ‖ own key)
// from nonce hmac_K(own ephemeral)[0..24].
// Every function returns OK or E_AUTH; secrets live in the session block and are
// wiped by wipeHandshake once the keys are derived.
import { E_AUTH, OK } from "../abi/errors";
import { random_bytes } from "../abi/imports";
import { wipe } from "../crypto/ct";
import { ed25519PkToX25519, ed25519SkToX25519, ed25519Sign, ed25519Verify } from "../crypto/ed25519";
import { hmacSha512_256, hmacSha512_256Verify } from "../crypto/hmac";
import { secretbox, secretboxOpen } from "../crypto/secretbox";
import { sha256 } from "../crypto/sha256";
import { x25519, x25519Base } from "../crypto/x25519";
import { devicePk, deviceSk, networkKey } from "./keys";

export const HELLO_BYTES: i32 = 64;
export const AUTH_BYTES: i32 = 112;
export const ACCEPT_BYTES: i32 = 80;

// Offsets in a session block (session.ts allocates it; these come first).
export const REMOTE_PK: usize = 0;
const EPH_SK: usize = 32;
const EPH_PK: usize = 64;
const REMOTE_EPH: usize = 96;
const LOCAL_MAC: usize = 128;
const REMOTE_MAC: usize = 160;
const AB: usize = 192;
const A_B: usize = 224; // aB (client eph × server long-term)
const A_B2: usize = 256; // Ab (client long-term × server eph)
const SHASH: usize = 288;
const HELLO: usize = 320; // H ‖ A, 96 bytes
const SECRET2: usize = 416;
const SECRET3: usize = 448;
export const ENC_KEY: usize = 480;
export const ENC_NONCE: usize = 512;
export const DEC_KEY: usize = 536;
export const DEC_NONCE: usize = 568;
// Concatenation scratch: the longest is K ‖ H ‖ A ‖ sha256(ab), 160 bytes.
const CAT: usize = 592;
const SIG: usize = 752;
// 24 zero bytes, never written: the nonce of both handshake boxes.
const ZERO_NONCE: usize = 816;
/** Scratch for the framing layer (session.ts): 18-byte header, 24-byte nonce. */
export const FRAME_HEADER: usize = 840;
export const FRAME_NONCE: usize = 864;
export const SHS_BLOCK: usize = 888;
// Everything here lives in the session block rather than in static memory, so a
// device image that carries the code but opens no session pays nothing for it.

/** A fresh ephemeral key pair and its network-key MAC. */
export function shsStart(b: usize): i32 {
  if (random_bytes(b + EPH_SK, 32) != OK) return E_AUTH;
  x25519Base(b + EPH_PK, b + EPH_SK);
  hmacSha512_256(b + LOCAL_MAC, networkKey, b + EPH_PK, 32);
  return OK;
}

/** Message 1 or 2 into out (64 bytes). */
export function shsHello(b: usize, out: usize): void {
  memory.copy(out, b + LOCAL_MAC, 32);
  memory.copy(out + 32, b + EPH_PK, 32);
}

/** Checks a peer's hello (either side) and derives ab. */
export function shsOnHello(b: usize, msg: usize): i32 {
  if (hmacSha512_256Verify(msg, networkKey, msg + 32, 32) != OK) return E_AUTH;
  memory.copy(b + REMOTE_MAC, msg, 32);
  memory.copy(b + REMOTE_EPH, msg + 32, 32);
  if (x25519(b + AB, b + EPH_SK, b + REMOTE_EPH) != OK) return E_AUTH;
  sha256(b + SHASH, b + AB, 32);
  return OK;
}

// secret2 = sha256(K ‖ ab ‖ aB)
function deriveSecret2(b: usize): void {
  memory.copy(b + CAT, networkKey, 32);
  memory.copy(b + CAT + 32, b + AB, 32);
  memory.copy(b + CAT + 64, b + A_B, 32);
  sha256(b + SECRET2, b + CAT, 96);
}

// secret3 = sha256(K ‖ ab ‖ aB ‖ Ab)
function deriveSecret3(b: usize): void {
  memory.copy(b + CAT, networkKey, 32);
  memory.copy(b + CAT + 32, b + AB, 32);
  memory.copy(b + CAT + 64, b + A_B, 32);
  memory.copy(b + CAT + 96, b + A_B2, 32);
  sha256(b + SECRET3, b + CAT, 128);
  wipe(b + CAT, 128);
}

// Our long-term key (as X25519) times a remote ephemeral point: aB or Ab.
function longTermDh(b: usize, out: usize, point: usize): i32 {
  ed25519SkToX25519(b + CAT, deviceSk);
  const err = x25519(out, b + CAT, point);
  wipe(b + CAT, 32);
  return err;
}

// The bytes the client signs in message 3: K ‖ B ‖ sha256(ab).
function helloSigned(b: usize, serverPk: usize): void {
  memory.copy(b + CAT, networkKey, 32);
  memory.copy(b + CAT + 32, serverPk, 32);
  memory.copy(b + CAT + 64, b + SHASH, 32);
}

// The bytes the server signs in message 4: K ‖ H ‖ A ‖ sha256(ab).
function acceptSigned(b: usize): void {
  memory.copy(b + CAT, networkKey, 32);
  memory.copy(b + CAT + 32, b + HELLO, 96);
  memory.copy(b + CAT + 128, b + SHASH, 32);
}

/** Client, message 3 into out (112 bytes). The server's key is at REMOTE_PK. */
export function shsClientAuth(b: usize, out: usize): i32 {
  if (ed25519PkToX25519(b + CAT, b + REMOTE_PK) != OK) return E_AUTH;
  if (x25519(b + A_B, b + EPH_SK, b + CAT) != OK) return E_AUTH;
  deriveSecret2(b);
  helloSigned(b, b + REMOTE_PK);
  ed25519Sign(b + HELLO, b + CAT, 96, deviceSk);
  memory.copy(b + HELLO + 64, devicePk, 32);
  secretbox(out, b + HELLO, 96, b + ZERO_NONCE, b + SECRET2);
  return OK;
}

/** Server, message 3 in: learns and authenticates the client's key (to REMOTE_PK). */
export function shsServerOnAuth(b: usize, msg: usize): i32 {
  if (longTermDh(b, b + A_B, b + REMOTE_EPH) != OK) return E_AUTH;
  deriveSecret2(b);
  if (secretboxOpen(b + HELLO, msg, AUTH_BYTES, b + ZERO_NONCE, b + SECRET2) != OK) return E_AUTH;
  helloSigned(b, devicePk);
  if (ed25519Verify(b + HELLO, b + CAT, 96, b + HELLO + 64) != OK) return E_AUTH;
  memory.copy(b + REMOTE_PK, b + HELLO + 64, 32);
  if (ed25519PkToX25519(b + CAT, b + REMOTE_PK) != OK) return E_AUTH;
  if (x25519(b + A_B2, b + EPH_SK, b + CAT) != OK) return E_AUTH;
  deriveSecret3(b);
  return OK;
}

/** Server, message 4 into out (80 bytes). */
export function shsServerAccept(b: usize, out: usize): void {
  acceptSigned(b);
  ed25519Sign(b + SIG, b + CAT, 160, deviceSk);
  secretbox(out, b + SIG, 64, b + ZERO_NONCE, b + SECRET3);
}

/** Client, message 4 in: the server proves it holds b and saw our H. */
export function shsClientOnAccept(b: usize, msg: usize): i32 {
  if (longTermDh(b, b + A_B2, b + REMOTE_EPH) != OK) return E_AUTH;
  deriveSecret3(b);
  if (secretboxOpen(b + SIG, msg, ACCEPT_BYTES, b + ZERO_NONCE, b + SECRET3) != OK) return E_AUTH;
  acceptSigned(b);
  return ed25519Verify(b + SIG, b + CAT, 160, b + REMOTE_PK) == OK ? OK : E_AUTH;
}

/** Derives the box-stream keys and nonces and wipes every handshake secret. */
export function shsFinish(b: usize): void {
  sha256(b + CAT, b + SECRET3, 32);
  memory.copy(b + CAT + 32, b + REMOTE_PK, 32);
  sha256(b + ENC_KEY, b + CAT, 64);
  memory.copy(b + CAT + 32, devicePk, 32);
  sha256(b + DEC_KEY, b + CAT, 64);
  memory.copy(b + ENC_NONCE, b + REMOTE_MAC, 24);
  memory.copy(b + DEC_NONCE, b + LOCAL_MAC, 24);
  wipeHandshake(b);
}

/** Wipes the ephemeral secret and every shared secret (also on failure). */
export function wipeHandshake(b: usize): void {
  wipe(b + CAT, 160);
  wipe(b + EPH_SK, 32);
  wipe(b + AB, 32 * 3);
  wipe(b + SHASH, 32);
  wipe(b + SECRET2, 64);
}
