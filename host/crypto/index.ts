// nymote/crypto: the core's NaCl primitives on Uint8Arrays, shaped like tweetnacl
// so callers (and tests) can swap one for the other. Every call runs inside one
// lazily created Core; messages of any size stream through one fixed buffer, so
// the device build (128 KiB of linear memory) handles them too.
//
// Errors: a wrong type or length throws TypeError before the core is called; a
// failed open or verify returns null or false. Any other negative code from the
// core is a bug and throws NymoteError.
import { randomBytes as nodeRandomBytes } from "node:crypto";
import type { Target } from "../build/compile.ts";
import { Core, check } from "../runtime/index.ts";

const OK = 0;
const E_AUTH = -6;

/** Bytes fed to the core per call; messages up to this size take the one-shot exports. */
export const CHUNK = 16 * 1024;

// Layout of the one scratch area: fixed-size arguments, then the data chunk and
// its output (secretbox writes tag + ciphertext, so the output has 16 bytes more).
const A = 0; // 64: first key/secret argument
const O = 160; // 64: fixed-size output
const D = 224; // CHUNK: input data
const DO = D + CHUNK; // CHUNK + 16: output data
const SCRATCH = DO + CHUNK + 16;

export interface KeyPair {
  publicKey: Uint8Array;
  secretKey: Uint8Array;
}

function bytes(x: unknown, what: string, len?: number): Uint8Array {
  if (!(x instanceof Uint8Array)) throw new TypeError(`${what} must be a Uint8Array`);
  if (len !== undefined && x.length !== len) throw new TypeError(`${what} must be ${len} bytes, got ${x.length}`);
  return x;
}

export function createCrypto(target: Target = "gateway") {
  let core: Core | null = null;
  let base = 0;
  const c = (): Core => {
    if (!core) {
      core = new Core(target);
      base = core.alloc(SCRATCH);
    }
    return core;
  };
  const put = (off: number, data: Uint8Array) => c().write(base + off, data);
  const get = (off: number, len: number) => c().read(base + off, len);
  const call = (name: string, ...args: number[]) => c().call(name, ...args);
  const ok = (rc: number, what: string) => check(rc, what);
  // Runs fn on consecutive slices of data of at most CHUNK bytes, written to D.
  const chunks = (data: Uint8Array, fn: (n: number, at: number) => void) => {
    for (let at = 0; at < data.length; at += CHUNK) {
      const part = data.subarray(at, Math.min(at + CHUNK, data.length));
      put(D, part);
      fn(part.length, at);
    }
  };

  function digest(name: "sha256" | "sha512", len: number, msg: Uint8Array): Uint8Array {
    bytes(msg, "message");
    const ex = `crypto_${name}`;
    if (msg.length <= CHUNK) {
      put(D, msg);
      ok(call(ex, base + O, base + D, msg.length), ex);
    } else {
      call(`${ex}_init`);
      chunks(msg, (n) => ok(call(`${ex}_update`, base + D, n), ex));
      ok(call(`${ex}_final`, base + O), ex);
    }
    return get(O, len);
  }

  function hmac(name: "sha256" | "sha512", len: number, key: Uint8Array, msg: Uint8Array): Uint8Array {
    bytes(key, "key");
    bytes(msg, "message");
    const ex = `crypto_hmac_${name}`;
    // Keys and messages of any size are passed in their own core buffers here:
    // HMAC is used on short inputs (handshakes, key derivation).
    return c().with([key, msg, len], ([k, m, out]) => {
      ok(call(ex, out, k, key.length, m, msg.length), ex);
      return c().read(out, len);
    });
  }

  const hash = (msg: Uint8Array): Uint8Array => digest("sha512", 64, msg);
  const sha256 = (msg: Uint8Array): Uint8Array => digest("sha256", 32, msg);

  // crypto_auth one-shot for short messages, the streaming export otherwise.
  function authTag(msg: Uint8Array, key: Uint8Array, mac: Uint8Array | null): number {
    bytes(msg, "message");
    put(A, bytes(key, "auth key", 32));
    if (mac) put(O, bytes(mac, "authenticator", 32));
    if (msg.length <= CHUNK) {
      put(D, msg);
      return mac
        ? call("crypto_auth_verify", base + O, base + A, base + D, msg.length)
        : call("crypto_auth", base + O, base + A, base + D, msg.length);
    }
    ok(call("crypto_auth_init", base + A), "crypto_auth_init");
    chunks(msg, (n) => ok(call("crypto_auth_update", base + D, n), "crypto_auth_update"));
    return mac ? call("crypto_auth_final_verify", base + O) : call("crypto_auth_final", base + O);
  }

  const auth = Object.assign(
    (msg: Uint8Array, key: Uint8Array): Uint8Array => {
      ok(authTag(msg, key, null), "crypto_auth");
      return get(O, 32);
    },
    {
      verify(mac: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean {
        const rc = authTag(msg, key, mac);
        return rc === E_AUTH ? false : ok(rc, "crypto_auth_verify") === OK;
      },
      authenticatorLength: 32,
      keyLength: 32,
    },
  );

  return {
    hash: Object.assign(hash, { hashLength: 64 }),
    sha256: Object.assign(sha256, { hashLength: 32 }),
    hmacSha256: (key: Uint8Array, msg: Uint8Array) => hmac("sha256", 32, key, msg),
    hmacSha512: (key: Uint8Array, msg: Uint8Array) => hmac("sha512", 64, key, msg),
    auth,
    randomBytes: (n: number): Uint8Array => new Uint8Array(nodeRandomBytes(n)),
    /** The Core this instance runs in (created on first use). */
    get core(): Core {
      return c();
    },
  };
}

export type NymoteCrypto = ReturnType<typeof createCrypto>;

let shared: NymoteCrypto | null = null;
const lazy = (): NymoteCrypto => {
  shared ??= createCrypto("gateway");
  return shared;
};

export const hash = (msg: Uint8Array): Uint8Array => lazy().hash(msg);
export const sha256 = (msg: Uint8Array): Uint8Array => lazy().sha256(msg);
export const hmacSha256 = (key: Uint8Array, msg: Uint8Array): Uint8Array => lazy().hmacSha256(key, msg);
export const hmacSha512 = (key: Uint8Array, msg: Uint8Array): Uint8Array => lazy().hmacSha512(key, msg);
export const auth = Object.assign((msg: Uint8Array, key: Uint8Array): Uint8Array => lazy().auth(msg, key), {
  verify: (mac: Uint8Array, msg: Uint8Array, key: Uint8Array): boolean => lazy().auth.verify(mac, msg, key),
});
