// The storage contract every store backend satisfies (memory, flash). Like Irmin's
// backend signature: a content-addressable object store plus atomic refs. One
// shared test suite runs against every implementation.
//
// Rules every backend follows:
// - Objects are Git objects: id = SHA-256("<type> <len>\0" ++ body); put() is
//   idempotent and never changes stored bytes. Bodies are read back in pieces
//   (readAt) so no caller needs an object's whole body in memory.
// - Refs are named heads (branch names, <= REF_NAME_MAX bytes of ASCII). setRef is
//   atomic: after a power cut a reader sees the old or the new id, never a mix, and
//   it returns OK only once the new value is durable.
// - Errors are the negative ABI codes (assembly/abi/errors.ts); nothing traps on
//   bad input or on corrupt storage.

export const ID_LEN: i32 = 32;
export const REF_NAME_MAX: i32 = 64;

export const OBJ_BLOB: i32 = 1;
export const OBJ_TREE: i32 = 2;
export const OBJ_COMMIT: i32 = 3;

export abstract class Backend {
  /** Stores an object of `type` with body [body, body+len); writes its id to idOut. */
  abstract put(type: i32, body: usize, len: i32, idOut: usize): i32;

  /** 1 if the object exists, 0 if not, or a negative error. */
  abstract has(id: usize): i32;

  /** The object's type (OBJ_*) or E_NOTFOUND / E_CORRUPT. */
  abstract typeOf(id: usize): i32;

  /** The body's length in bytes or E_NOTFOUND / E_CORRUPT. */
  abstract sizeOf(id: usize): i32;

  /** Copies up to len body bytes starting at offset into out; returns bytes copied. */
  abstract readAt(id: usize, offset: i32, out: usize, len: i32): i32;

  /** Reads ref `name` (nameLen bytes) into idOut; E_NOTFOUND if unset. */
  abstract getRef(name: usize, nameLen: i32, idOut: usize): i32;

  /**
   * Atomically points ref `name` at id, if it currently points at `expected`
   * (expected == 0: the ref must be unset). E_CONFLICT when it does not.
   * id == 0 deletes the ref.
   */
  abstract setRef(name: usize, nameLen: i32, expected: usize, id: usize): i32;

  /**
   * Calls back ref names in byte order, one at a time through a fixed buffer:
   * writes the i-th name (0-based) into out (REF_NAME_MAX bytes) and returns its
   * length, or E_NOTFOUND past the last ref.
   */
  abstract refAt(index: i32, out: usize): i32;
}
