// FlashBackend: the store's Backend contract (../backend.ts) over the flash log.
// One partition per core, so the log is module state and every FlashBackend
// instance is a view of it; mount() must have succeeded first.
import { E_CORRUPT, E_INVAL, E_NOTFOUND, E_STATE, OK } from "../../abi/errors";
import { Backend, OBJ_BLOB, OBJ_COMMIT } from "../backend";
import { validRefName } from "../memory";
import { hashObject, validType } from "../objects";
import { append, getRef, KIND_OBJ, LEVEL_USER, lookup, PUT_SCANS, mounted, readBody, refAt, setRef } from "./log";

const hdr = memory.data(64); // record header of the object being read
export class FlashBackend extends Backend {
  put(type: i32, body: usize, len: i32, idOut: usize): i32 {
    if (!mounted) return E_STATE;
    if (!validType(type) || len < 0) return E_INVAL;
    hashObject(type, body, len, idOut);
    const loc = lookup(idOut, hdr, PUT_SCANS);
    // Idempotent, except that a stored copy failing its CRC gets a fresh copy, which
    // lookups find first (newest wins).
    if (loc != 0 && readBody(loc, hdr, 0, 0, 0) == 0) return OK;
    const r = append(KIND_OBJ, type, idOut, body, len, LEVEL_USER);
    return r < 0 ? <i32>r : OK;
  }

  has(id: usize): i32 {
    if (!mounted) return E_STATE;
    return lookup(id, hdr) != 0 ? 1 : 0;
  }

  typeOf(id: usize): i32 {
    if (!mounted) return E_STATE;
    if (lookup(id, hdr) == 0) return E_NOTFOUND;
    const t = <i32>load<u8>(hdr, 3);
    return t >= OBJ_BLOB && t <= OBJ_COMMIT ? t : E_CORRUPT;
  }

  sizeOf(id: usize): i32 {
    if (!mounted) return E_STATE;
    if (lookup(id, hdr) == 0) return E_NOTFOUND;
    return <i32>load<u16>(hdr);
  }

  readAt(id: usize, offset: i32, out: usize, len: i32): i32 {
    if (!mounted) return E_STATE;
    const loc = lookup(id, hdr);
    if (loc == 0) return E_NOTFOUND;
    return readBody(loc, hdr, offset, out, len);
  }

  getRef(name: usize, nameLen: i32, idOut: usize): i32 {
    return getRef(name, nameLen, idOut);
  }

  setRef(name: usize, nameLen: i32, expected: usize, id: usize): i32 {
    if (!validRefName(name, nameLen)) return E_INVAL;
    return setRef(name, nameLen, expected, id);
  }

  refAt(index: i32, out: usize): i32 {
    return refAt(index, out);
  }
}


/** The one partition's backend (what flash_store_open's handle names). */
export const flashBackend = new FlashBackend();
