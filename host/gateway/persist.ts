// The gateway's data directory (interim, until the store part's host-backed
// object directory or a file-backed flash lands): an append-only object log and
// an atomically replaced refs file. An acknowledgement leaves the gateway only
// after the objects it covers and the ref are fsync'ed here.
import { closeSync, existsSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readFileSync, renameSync, writeSync } from "node:fs";
import { dirname, join } from "node:path";
import { errorName } from "../../bindings/abi.ts";
import { SyncError, type SyncStore } from "../sync/core.ts";
import { reachable } from "../sync/objects.ts";

const LOG = "objects.log";
const REFS = "refs.json";

/** Writes all of data at the fd's position (write(2) may write less than asked). */
function writeAll(fd: number, data: Uint8Array): void {
  for (let off = 0; off < data.length; ) off += writeSync(fd, data, off);
}

/** The directory's entries (a create or rename in it) survive a power cut once this returns. */
function syncDir(dir: string): void {
  const fd = openSync(dir, "r");
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/** Replaces path with data atomically and durably: after a crash the file is the old one or the new one, whole. */
export function replaceFile(path: string, data: string | Uint8Array, mode = 0o644): void {
  const tmp = `${path}.tmp`;
  const fd = openSync(tmp, "w", mode);
  try {
    writeAll(fd, typeof data === "string" ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
  syncDir(dirname(path));
}

export class DataDir {
  /** The log opened for appending; -1 when read-only. */
  private fd: number;
  private readonly known = new Set<string>();
  bytes = 0;

  /**
   * readOnly: a reader beside a running daemon (`nymote log|get|devices`); it
   * never writes, so it cannot cut off the record the daemon is appending.
   */
  constructor(
    readonly dir: string,
    private readonly readOnly = false,
  ) {
    if (readOnly) {
      this.fd = -1;
      return;
    }
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(join(dir, LOG), "a");
    syncDir(dir);
  }

  /**
   * Replays the object log and refs into store. A torn last record (a crash
   * inside a write) is cut off the log, so records appended later stay readable;
   * a read-only reader just stops before it (it may be a write in progress).
   * Refs are read first: a writer appends objects before it replaces refs, so
   * every ref read then names objects already in the log.
   */
  load(store: SyncStore): void {
    const refs = this.refs();
    const p = join(this.dir, LOG);
    if (existsSync(p)) {
      const log = readFileSync(p);
      let off = 0;
      while (off + 5 <= log.length) {
        const type = log[off] as number;
        const len = log.readUInt32LE(off + 1);
        if (off + 5 + len > log.length) break;
        try {
          this.known.add(store.put(type, new Uint8Array(log.subarray(off + 5, off + 5 + len))));
        } catch (e) {
          // Never skip a record: refs may need it. Say where and why, change nothing.
          const why =
            e instanceof SyncError && errorName(e.code) === "E_NOMEM"
              ? "the in-memory store is full: the history outgrew its budget"
              : String(e);
          throw new Error(
            `${p}: the record at byte ${off} (type ${type}, ${len} bytes) cannot be loaded (${why}); the directory is left as it is`,
          );
        }
        off += 5 + len;
      }
      if (off < log.length && !this.readOnly) {
        ftruncateSync(this.fd, off);
        fsyncSync(this.fd);
      }
      this.bytes = off;
    }
    for (const [name, id] of Object.entries(refs)) store.setRef(name, store.ref(name), id);
  }

  refs(): Record<string, string> {
    const p = join(this.dir, REFS);
    return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Record<string, string>) : {};
  }

  /**
   * Appends every object reachable from heads that is not yet in the log, then
   * writes refs; durable on return. A failed write (disk full) is undone: the log
   * is cut back to its last whole record and those objects are written next time.
   */
  save(store: SyncStore, refs: Record<string, string>): void {
    if (this.readOnly) throw new Error(`${this.dir} is open read-only`);
    const ids: string[] = [];
    const parts: Buffer[] = [];
    for (const head of Object.values(refs)) {
      for (const id of reachable(store, head, this.known)) {
        const o = store.get(id);
        if (!o) continue;
        const h = Buffer.alloc(5);
        h[0] = o.type;
        h.writeUInt32LE(o.body.length, 1);
        ids.push(id);
        parts.push(h, Buffer.from(o.body));
      }
    }
    if (parts.length > 0) {
      const buf = Buffer.concat(parts);
      try {
        writeAll(this.fd, buf);
        fsyncSync(this.fd);
      } catch (e) {
        ftruncateSync(this.fd, this.bytes);
        for (const id of ids) this.known.delete(id);
        throw e;
      }
      this.bytes += buf.length;
    }
    replaceFile(join(this.dir, REFS), JSON.stringify(refs, null, 1));
  }

  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
  }
}
