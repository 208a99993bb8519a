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
const A = 0; // 64: secret key, scalar or symmetric key
const B = 64; // 64: public key, point or second key
const N = 128; // 32: nonce
const O = 160; // 64: fixed-size output (digest, signature, tag, shared key)
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

/** A crypto instance over its own Core for a build target (gateway by default;
 *  tests run the same suite on "release", the device build), or over the core
 *  module at a path (e.g. a profiling build from `npm run build:core -- --names`). */
export function createCrypto(target: Target | string = "gateway") {
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
  // Zeroes the fixed arguments (keys, shared secrets) and the first n bytes of
  // both data buffers (plaintext) once a call is done with them.
  const scrub = (n = 0) => {
    const z = new Uint8Array(D + Math.min(n, CHUNK));
    put(0, z);
    if (n > 0) put(DO, z.subarray(0, Math.min(n + 16, CHUNK + 16)));
  };
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

  // ---- Ed25519 ----

  function keyPairFromSeed(seed: Uint8Array): KeyPair {
    put(A, bytes(seed, "seed", 32));
    ok(call("crypto_sign_keypair", base + B, base + O, base + A), "crypto_sign_keypair");
    const kp = { publicKey: get(B, 32), secretKey: get(O, 64) };
    scrub();
    return kp;
  }

  function detached(msg: Uint8Array, secretKey: Uint8Array): Uint8Array {
    bytes(msg, "message");
    put(A, bytes(secretKey, "secret key", 64));
    if (msg.length <= CHUNK) {
      put(D, msg);
      ok(call("crypto_sign", base + O, base + D, msg.length, base + A), "crypto_sign");
    } else {
      // Two passes over the message (RFC 8032 hashes it for r, then for k).
      ok(call("crypto_sign_init", base + A), "crypto_sign_init");
      chunks(msg, (n) => ok(call("crypto_sign_update", base + D, n), "crypto_sign_update"));
      ok(call("crypto_sign_commit"), "crypto_sign_commit");
      chunks(msg, (n) => ok(call("crypto_sign_update", base + D, n), "crypto_sign_update"));
      ok(call("crypto_sign_final", base + O), "crypto_sign_final");
    }
    const sig = get(O, 64);
    scrub();
    return sig;
  }

  function verifyDetached(msg: Uint8Array, sig: Uint8Array, publicKey: Uint8Array): boolean {
    bytes(msg, "message");
    put(O, bytes(sig, "signature", 64));
    put(B, bytes(publicKey, "public key", 32));
    let rc: number;
    if (msg.length <= CHUNK) {
      put(D, msg);
      rc = call("crypto_sign_verify", base + O, base + D, msg.length, base + B);
    } else {
      rc = call("crypto_sign_verify_init", base + O, base + B);
      if (rc === OK) {
        chunks(msg, (n) => ok(call("crypto_sign_verify_update", base + D, n), "crypto_sign_verify_update"));
        rc = call("crypto_sign_verify_final");
      }
    }
    return rc === E_AUTH ? false : ok(rc, "crypto_sign_verify") === OK;
  }

  const sign = Object.assign(
    /** tweetnacl's attached form: signature ‖ message. */
    (msg: Uint8Array, secretKey: Uint8Array): Uint8Array => {
      const sig = detached(msg, secretKey);
      const out = new Uint8Array(64 + msg.length);
      out.set(sig);
      out.set(msg, 64);
      return out;
    },
    {
      open(signedMsg: Uint8Array, publicKey: Uint8Array): Uint8Array | null {
        bytes(signedMsg, "signed message");
        bytes(publicKey, "public key", 32);
        if (signedMsg.length < 64) return null;
        const msg = signedMsg.slice(64);
        return verifyDetached(msg, signedMsg.subarray(0, 64), publicKey) ? msg : null;
      },
      detached: Object.assign(detached, { verify: verifyDetached }),
      keyPair: Object.assign((): KeyPair => keyPairFromSeed(new Uint8Array(nodeRandomBytes(32))), {
        fromSeed: keyPairFromSeed,
        fromSecretKey(secretKey: Uint8Array): KeyPair {
          bytes(secretKey, "secret key", 64);
          return { publicKey: secretKey.slice(32), secretKey: secretKey.slice() };
        },
      }),
      publicKeyLength: 32,
      secretKeyLength: 64,
      seedLength: 32,
      signatureLength: 64,
    },
  );

  // ---- X25519 and conversions ----

  const scalarMult = Object.assign(
    /** X25519. Like tweetnacl it returns the all-zero result of a low-order point;
     *  box and box.before reject that case (as libsodium does). */
    (n: Uint8Array, p: Uint8Array): Uint8Array => {
      put(A, bytes(n, "scalar", 32));
      put(B, bytes(p, "group element", 32));
      const rc = call("crypto_x25519", base + O, base + A, base + B);
      if (rc !== E_AUTH) ok(rc, "crypto_x25519");
      const q = get(O, 32);
      scrub();
      return q;
    },
    {
      base(n: Uint8Array): Uint8Array {
        put(A, bytes(n, "scalar", 32));
        ok(call("crypto_x25519_base", base + O, base + A), "crypto_x25519_base");
        const q = get(O, 32);
        scrub();
        return q;
      },
      scalarLength: 32,
      groupElementLength: 32,
    },
  );

  /** Ed25519 public key -> X25519, or null when it is not a valid subgroup point. */
  function convertPublicKey(publicKey: Uint8Array): Uint8Array | null {
    put(B, bytes(publicKey, "public key", 32));
    const rc = call("crypto_sign_pk_to_x25519", base + O, base + B);
    if (rc === -1) return null;
    ok(rc, "crypto_sign_pk_to_x25519");
    return get(O, 32);
  }

  /** Ed25519 secret key (seed ‖ pk, 64 bytes) -> X25519 secret key. */
  function convertSecretKey(secretKey: Uint8Array): Uint8Array {
    put(A, bytes(secretKey, "secret key", 64));
    ok(call("crypto_sign_sk_to_x25519", base + O, base + A), "crypto_sign_sk_to_x25519");
    const k = get(O, 32);
    scrub();
    return k;
  }

  // ---- secretbox and box ----

  // secretbox with the 32-byte key already at A and the nonce at N.
  function seal(msg: Uint8Array): Uint8Array {
    const n = msg.length;
    const out = new Uint8Array(n + 16);
    if (n <= CHUNK) {
      put(D, msg);
      ok(call("crypto_secretbox", base + DO, base + D, n, base + N, base + A), "crypto_secretbox");
      out.set(get(DO, n + 16));
    } else {
      ok(call("crypto_secretbox_init", base + N, base + A), "crypto_secretbox_init");
      chunks(msg, (len, at) => {
        ok(call("crypto_secretbox_update", base + DO, base + D, len), "crypto_secretbox_update");
        out.set(get(DO, len), 16 + at);
      });
      ok(call("crypto_secretbox_final", base + O), "crypto_secretbox_final");
      out.set(get(O, 16));
    }
    scrub(n);
    return out;
  }

  // secretbox.open with the key at A and the nonce at N. Large boxes are
  // authenticated in full before any plaintext is decrypted.
  function unseal(box: Uint8Array): Uint8Array | null {
    if (box.length < 16) return null;
    const n = box.length - 16;
    let out: Uint8Array | null = null;
    if (box.length <= CHUNK) {
      put(D, box);
      const rc = call("crypto_secretbox_open", base + DO, base + D, box.length, base + N, base + A);
      if (rc !== E_AUTH && ok(rc, "crypto_secretbox_open") === OK) out = get(DO, n);
    } else {
      put(O, box.subarray(0, 16));
      ok(call("crypto_secretbox_open_init", base + N, base + A, base + O), "crypto_secretbox_open_init");
      const ct = box.subarray(16);
      chunks(ct, (len) => ok(call("crypto_secretbox_open_update", base + D, len), "crypto_secretbox_open_update"));
      const rc = call("crypto_secretbox_open_verify");
      if (rc !== E_AUTH && ok(rc, "crypto_secretbox_open_verify") === OK) {
        const plain = new Uint8Array(n);
        chunks(ct, (len, at) => {
          ok(call("crypto_secretbox_open_decrypt", base + DO, base + D, len), "crypto_secretbox_open_decrypt");
          plain.set(get(DO, len), at);
        });
        out = plain;
      }
      call("crypto_secretbox_finish");
    }
    scrub(n);
    return out;
  }

  const secretbox = Object.assign(
    (msg: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array => {
      bytes(msg, "message");
      put(N, bytes(nonce, "nonce", 24));
      put(A, bytes(key, "key", 32));
      return seal(msg);
    },
    {
      open(box: Uint8Array, nonce: Uint8Array, key: Uint8Array): Uint8Array | null {
        bytes(box, "box");
        put(N, bytes(nonce, "nonce", 24));
        put(A, bytes(key, "key", 32));
        return unseal(box);
      },
      keyLength: 32,
      nonceLength: 24,
      overheadLength: 16,
    },
  );

  // The box key at A; false for a low-order public key.
  function beforeInto(publicKey: Uint8Array, secretKey: Uint8Array): boolean {
    put(B, bytes(publicKey, "public key", 32));
    put(A, bytes(secretKey, "secret key", 32));
    const rc = call("crypto_box_beforenm", base + O, base + B, base + A);
    if (rc === E_AUTH) return false;
    ok(rc, "crypto_box_beforenm");
    put(A, get(O, 32));
    return true;
  }

  const lowOrder = () => new RangeError("box: the public key has low order (the shared key would be public)");

  const box = Object.assign(
    /** NaCl crypto_box. Throws RangeError for a low-order public key (tweetnacl
     *  would encrypt under a key anyone can compute). */
    (msg: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array => {
      bytes(msg, "message");
      put(N, bytes(nonce, "nonce", 24));
      if (!beforeInto(publicKey, secretKey)) {
        scrub();
        throw lowOrder();
      }
      return seal(msg);
    },
    {
      open: Object.assign(
        (box: Uint8Array, nonce: Uint8Array, publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array | null => {
          bytes(box, "box");
          put(N, bytes(nonce, "nonce", 24));
          if (!beforeInto(publicKey, secretKey)) {
            scrub();
            return null;
          }
          return unseal(box);
        },
        { after: secretbox.open },
      ),
      before(publicKey: Uint8Array, secretKey: Uint8Array): Uint8Array {
        const okKey = beforeInto(publicKey, secretKey);
        const k = get(A, 32);
        scrub();
        if (!okKey) throw lowOrder();
        return k;
      },
      after: secretbox,
      keyPair: Object.assign(
        (): KeyPair => {
          const secretKey = new Uint8Array(nodeRandomBytes(32));
          return { publicKey: scalarMult.base(secretKey), secretKey };
        },
        {
          fromSecretKey(secretKey: Uint8Array): KeyPair {
            return { publicKey: scalarMult.base(bytes(secretKey, "secret key", 32)), secretKey: secretKey.slice() };
          },
        },
      ),
      publicKeyLength: 32,
      secretKeyLength: 32,
      sharedKeyLength: 32,
      nonceLength: 24,
      overheadLength: 16,
    },
  );

  return {
    hash: Object.assign(hash, { hashLength: 64 }),
    sha256: Object.assign(sha256, { hashLength: 32 }),
    hmacSha256: (key: Uint8Array, msg: Uint8Array) => hmac("sha256", 32, key, msg),
    hmacSha512: (key: Uint8Array, msg: Uint8Array) => hmac("sha512", 64, key, msg),
    auth,
    sign,
    scalarMult,
    secretbox,
    box,
    convertPublicKey,
    convertSecretKey,
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
export const sign: NymoteCrypto["sign"] = Object.assign((msg: Uint8Array, sk: Uint8Array) => lazy().sign(msg, sk), {
  open: (sm: Uint8Array, pk: Uint8Array) => lazy().sign.open(sm, pk),
  detached: Object.assign((msg: Uint8Array, sk: Uint8Array) => lazy().sign.detached(msg, sk), {
    verify: (msg: Uint8Array, sig: Uint8Array, pk: Uint8Array) => lazy().sign.detached.verify(msg, sig, pk),
  }),
  keyPair: Object.assign(() => lazy().sign.keyPair(), {
    fromSeed: (seed: Uint8Array) => lazy().sign.keyPair.fromSeed(seed),
    fromSecretKey: (sk: Uint8Array) => lazy().sign.keyPair.fromSecretKey(sk),
  }),
  publicKeyLength: 32,
  secretKeyLength: 64,
  seedLength: 32,
  signatureLength: 64,
});
export const scalarMult: NymoteCrypto["scalarMult"] = Object.assign((n: Uint8Array, p: Uint8Array) => lazy().scalarMult(n, p), {
  base: (n: Uint8Array) => lazy().scalarMult.base(n),
  scalarLength: 32,
  groupElementLength: 32,
});
export const convertPublicKey = (pk: Uint8Array): Uint8Array | null => lazy().convertPublicKey(pk);
export const convertSecretKey = (sk: Uint8Array): Uint8Array => lazy().convertSecretKey(sk);
export const secretbox: NymoteCrypto["secretbox"] = Object.assign(
  (msg: Uint8Array, nonce: Uint8Array, key: Uint8Array) => lazy().secretbox(msg, nonce, key),
  {
    open: (b: Uint8Array, nonce: Uint8Array, key: Uint8Array) => lazy().secretbox.open(b, nonce, key),
    keyLength: 32,
    nonceLength: 24,
    overheadLength: 16,
  },
);
export const box: NymoteCrypto["box"] = Object.assign(
  (msg: Uint8Array, nonce: Uint8Array, pk: Uint8Array, sk: Uint8Array) => lazy().box(msg, nonce, pk, sk),
  {
    open: Object.assign((b: Uint8Array, nonce: Uint8Array, pk: Uint8Array, sk: Uint8Array) => lazy().box.open(b, nonce, pk, sk), {
      after: (b: Uint8Array, nonce: Uint8Array, k: Uint8Array) => lazy().secretbox.open(b, nonce, k),
    }),
    before: (pk: Uint8Array, sk: Uint8Array) => lazy().box.before(pk, sk),
    after: Object.assign((msg: Uint8Array, nonce: Uint8Array, k: Uint8Array) => lazy().secretbox(msg, nonce, k), {
      open: (b: Uint8Array, nonce: Uint8Array, k: Uint8Array) => lazy().secretbox.open(b, nonce, k),
      keyLength: 32,
      nonceLength: 24,
      overheadLength: 16,
    }),
    keyPair: Object.assign(() => lazy().box.keyPair(), {
      fromSecretKey: (sk: Uint8Array) => lazy().box.keyPair.fromSecretKey(sk),
    }),
    publicKeyLength: 32,
    secretKeyLength: 32,
    sharedKeyLength: 32,
    nonceLength: 24,
    overheadLength: 16,
  },
);
