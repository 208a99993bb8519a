// Git object ids in the SHA-256 object format: id = SHA-256("<type> <len>\0" ++ body)
// (Git's hash-function-transition doc; `git init --object-format=sha256`).
import { Sha256 } from "../crypto/sha256";
import { ID_LEN, OBJ_BLOB, OBJ_COMMIT, OBJ_TREE } from "./backend";

const header = memory.data(32);
const hasher = new Sha256();

/** Writes "<type> <len>\0" at out; returns its length (at most 18 bytes). */
export function objectHeader(type: i32, len: i32, out: usize): i32 {
  let n = 0;
  const name = type == OBJ_BLOB ? "blob" : type == OBJ_TREE ? "tree" : "commit";
  for (let i = 0; i < name.length; i++) store<u8>(out + <usize>(n++), <u8>name.charCodeAt(i));
  store<u8>(out + <usize>(n++), 0x20);
  let div = 1;
  while (len / div >= 10) div *= 10;
  while (div > 0) {
    store<u8>(out + <usize>(n++), <u8>(0x30 + ((len / div) % 10)));
    div /= 10;
  }
  store<u8>(out + <usize>(n++), 0);
  return n;
}

/** The object id of a body held in memory. */
export function hashObject(type: i32, body: usize, len: i32, idOut: usize): void {
  const h = objectHeader(type, len, header);
  hasher.reset();
  hasher.update(header, h);
  hasher.update(body, len);
  hasher.final(idOut);
}

@inline
export function validType(type: i32): bool {
  return type == OBJ_BLOB || type == OBJ_TREE || type == OBJ_COMMIT;
}

@inline
export function idEqual(a: usize, b: usize): bool {
  return memory.compare(a, b, ID_LEN) == 0;
}

/** True when all 32 bytes are zero (the "no object" id of the ABI). */
export function idIsZero(a: usize): bool {
  for (let i = 0; i < ID_LEN; i += 8) if (load<u64>(a + <usize>i) != 0) return false;
  return true;
}
