// The gateway's data directory (interim, until the store part's host-backed
// object directory or a file-backed flash lands): an append-only object log and
// an atomically replaced refs file. An acknowledgement leaves the gateway only
// after the objects it covers and the ref are fsync'ed here.
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, writeFileSync, writeSync } from "node:fs";
import { join } from "node:path";
import type { SyncStore } from "../sync/core.ts";
import { reachable } from "../sync/objects.ts";

const LOG = "objects.log";
const REFS = "refs.json";

export class DataDir {
  private fd: number;
  private readonly known = new Set<string>();
  bytes = 0;

  constructor(readonly dir: string) {
    mkdirSync(dir, { recursive: true });
    this.fd = openSync(join(dir, LOG), "a");
  }

  /** Replays the object log and refs into store. A torn last record (power cut) is ignored. */
  load(store: SyncStore): void {
    const p = join(this.dir, LOG);
    if (existsSync(p)) {
      const log = readFileSync(p);
      let off = 0;
      while (off + 5 <= log.length) {
        const type = log[off] as number;
        const len = log.readUInt32LE(off + 1);
        if (off + 5 + len > log.length) break;
        this.known.add(store.put(type, new Uint8Array(log.subarray(off + 5, off + 5 + len))));
        off += 5 + len;
      }
      this.bytes = off;
    }
    for (const [name, id] of Object.entries(this.refs())) store.setRef(name, store.ref(name), id);
  }

  refs(): Record<string, string> {
    const p = join(this.dir, REFS);
    return existsSync(p) ? (JSON.parse(readFileSync(p, "utf8")) as Record<string, string>) : {};
  }

  /** Appends every object reachable from heads that is not yet in the log, then writes refs; durable on return. */
  save(store: SyncStore, refs: Record<string, string>): void {
    const parts: Buffer[] = [];
    for (const head of Object.values(refs)) {
      for (const id of reachable(store, head, this.known)) {
        const o = store.get(id);
        if (!o) continue;
        const h = Buffer.alloc(5);
        h[0] = o.type;
        h.writeUInt32LE(o.body.length, 1);
        parts.push(h, Buffer.from(o.body));
      }
    }
    if (parts.length > 0) {
      const buf = Buffer.concat(parts);
      writeSync(this.fd, buf);
      fsyncSync(this.fd);
      this.bytes += buf.length;
    }
    const tmp = join(this.dir, `${REFS}.tmp`);
    writeFileSync(tmp, JSON.stringify(refs, null, 1));
    const fd = openSync(tmp, "r");
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, join(this.dir, REFS));
  }

  close(): void {
    closeSync(this.fd);
  }
}
