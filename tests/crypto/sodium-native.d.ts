// The part of sodium-native (libsodium bindings, no types shipped) that the crypto
// tests and bench use. Output buffers come first, as in libsodium.
declare module "sodium-native" {
  type B = Buffer;
  const sodium: {
    crypto_hash_sha256(out: B, msg: B): void;
    crypto_hash_sha512(out: B, msg: B): void;
    crypto_auth(out: B, msg: B, key: B): void;
    crypto_auth_verify(mac: B, msg: B, key: B): boolean;
    crypto_sign_seed_keypair(pk: B, sk: B, seed: B): void;
    crypto_sign_detached(sig: B, msg: B, sk: B): void;
    crypto_sign_verify_detached(sig: B, msg: B, pk: B): boolean;
    crypto_sign_ed25519_pk_to_curve25519(out: B, pk: B): void;
    crypto_sign_ed25519_sk_to_curve25519(out: B, sk: B): void;
    crypto_scalarmult(out: B, scalar: B, point: B): void;
    crypto_scalarmult_base(out: B, scalar: B): void;
    crypto_secretbox_easy(out: B, msg: B, nonce: B, key: B): void;
    crypto_secretbox_open_easy(out: B, box: B, nonce: B, key: B): boolean;
    crypto_box_easy(out: B, msg: B, nonce: B, pk: B, sk: B): void;
    crypto_box_open_easy(out: B, box: B, nonce: B, pk: B, sk: B): boolean;
  };
  export default sodium;
}
