// Typed access to the core's flash store exports (bindings/abi/flash.json), for
// tests, the bench and the simulator. Objects are Git objects: id = SHA-256 of
// "<type> <len>\0" ++ body.
import type { Core } from "../runtime/index.ts";

export const OBJ_BLOB = 1;
export const OBJ_TREE = 2;
export const OBJ_COMMIT = 3;

export interface FlashStats {
  sectors: number;
  free: number;
  used: number;
  records: number;
  corrupt: number;
  refs: number;
  ramBytes: number;
  maxErase: number;
  minErase: number;
  sumErase: number;
  evacuated: number;
  appendedBytes: number;
  payloadBytes: number;
  copiedBytes: number;
}

const enc = new TextEncoder();

export class FlashStore {
  constructor(readonly core: Core) {}

  /** Mounts the partition; the handle or a negative code. */
  open(): number {
    return this.core.call("flash_store_open");
  }

  /** Stores an object; its id, or the negative code. */
  put(type: number, body: Uint8Array): Uint8Array | number {
    return this.core.with([body, 32], ([b, id]) => {
      const rc = this.core.call("flash_obj_put", type, b, body.length, id);
      return rc < 0 ? rc : this.core.read(id, 32);
    });
  }

  has(id: Uint8Array): number {
    return this.core.with([id], ([p]) => this.core.call("flash_obj_has", p));
  }

  typeOf(id: Uint8Array): number {
    return this.core.with([id], ([p]) => this.core.call("flash_obj_type", p));
  }

  /** The whole body, or the negative code. */
  get(id: Uint8Array): Uint8Array | number {
    return this.core.with([id], ([p]) => {
      const size = this.core.call("flash_obj_size", p);
      if (size < 0) return size;
      return this.core.with([Math.max(size, 1)], ([out]) => {
        const n = this.core.call("flash_obj_read", p, 0, out, size);
        return n < 0 ? n : this.core.read(out, n);
      });
    });
  }

  getRef(name: string): Uint8Array | number {
    const n = enc.encode(name);
    return this.core.with([n, 32], ([p, out]) => {
      const rc = this.core.call("flash_ref_get", p, n.length, out);
      return rc < 0 ? rc : this.core.read(out, 32);
    });
  }

  setRef(name: string, expected: Uint8Array | null, id: Uint8Array | null): number {
    const n = enc.encode(name);
    return this.core.with([n, expected ?? 32, id ?? 32], ([p, e, i]) =>
      this.core.call("flash_ref_set", p, n.length, expected ? e : 0, id ? i : 0),
    );
  }

  refs(): string[] {
    const out: string[] = [];
    this.core.with([64], ([p]) => {
      for (let i = 0; ; i++) {
        const n = this.core.call("flash_ref_at", i, p);
        if (n < 0) break;
        out.push(new TextDecoder().decode(this.core.read(p, n)));
      }
    });
    return out;
  }

  prune(commit: Uint8Array): number {
    return this.core.with([commit], ([p]) => this.core.call("flash_store_prune", p));
  }

  compact(): number {
    return this.core.call("flash_store_compact");
  }

  check(): number {
    return this.core.call("flash_store_check");
  }

  stats(): FlashStats {
    return this.core.with([68], ([p]) => {
      const n = this.core.call("flash_store_stats", p, 68);
      if (n < 0) throw new Error(`flash_store_stats failed: ${n}`);
      const v = new DataView(this.core.read(p, 68).buffer);
      const u = (i: number) => v.getUint32(i, true);
      const q = (i: number) => Number(v.getBigUint64(i, true));
      return {
        sectors: u(0),
        free: u(4),
        used: u(8),
        records: u(12),
        corrupt: u(16),
        refs: u(20),
        ramBytes: u(24),
        maxErase: u(28),
        minErase: u(32),
        sumErase: u(36),
        evacuated: u(40),
        appendedBytes: q(44),
        payloadBytes: q(52),
        copiedBytes: q(60),
      };
    });
  }
}
