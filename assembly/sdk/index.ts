// The firmware author's API: open the store, write values and typed values at
// paths, append to time series, commit, read back. Everything is CBOR on disk
// (docs/store.md); paths are "sensors/kitchen/temp". Every call returns OK (0) or
// a negative ABI error code (assembly/abi/errors.ts); nothing traps on bad input.
// Strings are encoded into fixed buffers, so a call allocates nothing per value.
//
//   import { Store, OK } from "../sdk";
//   const store = Store.openMemory();            // or Store.fromHandle(flash_store_open())
//   store.setWriter("kitchen-sensor");
//   store.appendFloat("kitchen/temp", 21.5);     // time series, stamped with clock_ms()
//   store.count("door/opened", 1);               // PN counter
//   store.commit("reading");
import { clock_ms } from "../abi/imports";
import { E_INVAL, E_LIMIT, E_NOMEM, E_NOTFOUND, OK } from "../abi/errors";
import { CBOR_FLOAT, CBOR_NINT, CBOR_UINT, CborReader, CborWriter } from "../cbor";
import { ID_LEN } from "../store/backend";
import { collectBeforeCommit, registerStore, releaseStore, storeOf } from "../store/handles";
import { AUTHOR_MAX, PATH_MAX } from "../store/limits";
import { MemoryBackend } from "../store/memory";
import { Store as CoreStore } from "../store/store";
import { counterAdd, counterValue, lwwSet, seriesAppend, setAdd, setHas, setRemove, WRITER_MAX } from "../store/typed";

export { OK, E_INVAL, E_LIMIT, E_NOMEM, E_NOTFOUND };

/** Largest single value the SDK encodes for you (use set() with your own buffer for more). */
export const VALUE_MAX: i32 = 256;
const MESSAGE_MAX: i32 = 256;

// Fixed buffers shared by every SDK call (the core is single-threaded).
const pathBuf = memory.data(PATH_MAX + 1);
const valueBuf = memory.data(VALUE_MAX);
const msgBuf = memory.data(MESSAGE_MAX);
const writer = new CborWriter(valueBuf, VALUE_MAX);
const reader = new CborReader(0, 0);

/** UTF-8 of s into buf (cap bytes); its length, or E_LIMIT when it does not fit. */
function utf8(s: string, buf: usize, cap: i32): i32 {
  const n = String.UTF8.byteLength(s);
  if (n > cap) return E_LIMIT;
  return <i32>String.UTF8.encodeUnsafe(changetype<usize>(s), s.length, buf);
}

export class Store {
  readonly handle: i32;
  private readonly core: CoreStore;
  private readonly writerId: usize = heap.alloc(WRITER_MAX);
  private writerLen: i32 = 0;
  private readonly author: usize = heap.alloc(AUTHOR_MAX);
  private authorLen: i32 = 0;
  /** The last commit's id (32 bytes), valid after commit() returned OK. */
  readonly lastCommit: usize = heap.alloc(ID_LEN);

  private constructor(handle: i32, core: CoreStore) {
    this.handle = handle;
    this.core = core;
    this.setWriter("device");
    this.setAuthor("Nymote Device <device@nymote.invalid>");
  }

  /** A store in RAM (lost at reset): for tests and for devices without a data partition. Null when no handle is free. */
  static openMemory(): Store | null {
    const h = registerStore(new MemoryBackend());
    return h > 0 ? Store.fromHandle(h) : null;
  }

  /** Wraps a handle from the runtime (e.g. flash_store_open()). */
  static fromHandle(h: i32): Store | null {
    const s = storeOf(h);
    return s == null ? null : new Store(h, s);
  }

  close(): void {
    const b = releaseStore(this.handle);
    if (b != null && b instanceof MemoryBackend) (<MemoryBackend>b).dispose();
    heap.free(this.writerId);
    heap.free(this.author);
    heap.free(this.lastCommit);
  }

  /** This device's writer id in counters, registers and series (1..64 bytes of UTF-8). */
  setWriter(id: string): i32 {
    const n = utf8(id, this.writerId, WRITER_MAX);
    if (n <= 0) return n < 0 ? n : E_INVAL;
    this.writerLen = n;
    return OK;
  }

  /** The commit author, "Name <email>". */
  setAuthor(ident: string): i32 {
    const n = utf8(ident, this.author, AUTHOR_MAX);
    if (n <= 0) return n < 0 ? n : E_INVAL;
    this.authorLen = n;
    return OK;
  }

  private path(p: string): i32 {
    return utf8(p, pathBuf, PATH_MAX);
  }

  /** Raw value bytes (by convention one CBOR item) at path. */
  set(path: string, value: usize, len: i32): i32 {
    const n = this.path(path);
    return n < 0 ? n : this.core.set(pathBuf, n, value, len);
  }

  setInt(path: string, v: i64): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.int(v);
    return this.setEncoded(path);
  }

  setFloat(path: string, v: f64): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.float(v);
    return this.setEncoded(path);
  }

  setBool(path: string, v: bool): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.bool(v);
    return this.setEncoded(path);
  }

  setText(path: string, v: string): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.str(v);
    return this.setEncoded(path);
  }

  private setEncoded(path: string): i32 {
    const len = writer.finish();
    return len < 0 ? len : this.set(path, valueBuf, len);
  }

  remove(path: string): i32 {
    const n = this.path(path);
    return n < 0 ? n : this.core.remove(pathBuf, n);
  }

  /** Adds delta to this device's share of the counter at path (merges by summing every device's share). */
  count(path: string, delta: i64): i32 {
    const n = this.path(path);
    return n < 0 ? n : counterAdd(this.core, pathBuf, n, this.writerId, this.writerLen, delta);
  }

  /** The counter's total at path (0 when absent). */
  counter(path: string): i64 {
    const n = this.path(path);
    return n < 0 ? 0 : counterValue(this.core, 0, pathBuf, n);
  }

  /** Appends a reading (now, this device, v) to the time series at path. */
  appendFloat(path: string, v: f64): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.float(v);
    return this.appendEncoded(path);
  }

  appendInt(path: string, v: i64): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.int(v);
    return this.appendEncoded(path);
  }

  private appendEncoded(path: string): i32 {
    const len = writer.finish();
    if (len < 0) return len;
    const n = this.path(path);
    return n < 0 ? n : seriesAppend(this.core, pathBuf, n, clock_ms(), this.writerId, this.writerLen, valueBuf, len);
  }

  /** Last-writer-wins text at path, stamped with clock_ms() (the latest write wins on merge). */
  setLatestText(path: string, v: string): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.str(v);
    const len = writer.finish();
    if (len < 0) return len;
    const n = this.path(path);
    return n < 0 ? n : lwwSet(this.core, pathBuf, n, clock_ms(), this.writerId, this.writerLen, valueBuf, len);
  }

  /** Adds text element to the add-wins set at path. */
  addToSet(path: string, element: string): i32 {
    return this.setOp(path, element, 0);
  }

  removeFromSet(path: string, element: string): i32 {
    return this.setOp(path, element, 1);
  }

  /** 1 when element is in the set at path, 0 when not. */
  inSet(path: string, element: string): i32 {
    return this.setOp(path, element, 2);
  }

  private setOp(path: string, element: string, op: i32): i32 {
    writer.reset(valueBuf, VALUE_MAX);
    writer.str(element);
    const len = writer.finish();
    if (len < 0) return len;
    const n = this.path(path);
    if (n < 0) return n;
    if (op == 0) return setAdd(this.core, pathBuf, n, valueBuf, len);
    if (op == 1) return setRemove(this.core, pathBuf, n, valueBuf, len);
    return setHas(this.core, 0, pathBuf, n, valueBuf, len);
  }

  /** Commits the staged writes (time: clock_ms()); the id is in lastCommit. */
  commit(message: string): i32 {
    const m = utf8(message, msgBuf, MESSAGE_MAX);
    if (m < 0) return m;
    collectBeforeCommit();
    return this.core.commit(this.author, this.authorLen, clock_ms() / 1000, msgBuf, m, 0, 0, 0, 0, this.lastCommit);
  }

  /** Reads the raw value at path into out (up to cap bytes); its full length, or E_NOTFOUND. */
  get(path: string, out: usize, cap: i32): i32 {
    const n = this.path(path);
    return n < 0 ? n : this.core.get(0, pathBuf, n, 0, out, cap);
  }

  /** The integer at path, or `fallback` when absent or not an integer. */
  getInt(path: string, fallback: i64 = 0): i64 {
    const len = this.get(path, valueBuf, VALUE_MAX);
    if (len <= 0 || len > VALUE_MAX) return fallback;
    reader.reset(valueBuf, len);
    const v = reader.readInt();
    return reader.finish() == OK ? v : fallback;
  }

  /** The number at path (float or integer), or `fallback`. */
  getFloat(path: string, fallback: f64 = 0): f64 {
    const len = this.get(path, valueBuf, VALUE_MAX);
    if (len <= 0 || len > VALUE_MAX) return fallback;
    reader.reset(valueBuf, len);
    const k = reader.next();
    if (k == CBOR_FLOAT) return reader.float();
    if (k == CBOR_UINT) return <f64>reader.arg;
    if (k == CBOR_NINT) return -1.0 - <f64>reader.arg;
    return fallback;
  }
}
