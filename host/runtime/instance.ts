// Loads a Nymote core module and implements its `nymote` imports in Node. This is
// the one module of host code that touches raw Wasm pointers: everything else goes
// through Core's typed helpers.
import { randomFillSync } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { abi } from "../../bindings/abi.ts";
import { corePath, type Target } from "../build/compile.ts";
import { NymotePanic } from "./errors.ts";
import type { FlashDevice } from "./flash.ts";
import { LOG_LEVELS, type Logger, silentLogger } from "./logger.ts";

export interface CoreOptions {
  /** The data partition; without one, flash imports return E_IO. */
  flash?: FlashDevice;
  logger?: Logger;
  /** Wall clock in ms since the epoch; 0 means "unknown". Default: Date.now. */
  clock?: () => number;
  /** Milliseconds since boot. Default: performance.now since load. */
  monotonic?: () => number;
  /** Fills the buffer with random bytes. Default: node:crypto. */
  random?: (out: Uint8Array) => void;
  /** Board capability imports beyond the core set (sensors, GPIO), by ABI name. */
  capabilities?: Record<string, (...args: number[]) => number | bigint | undefined>;
}

type WasmFn = (...args: (number | bigint)[]) => number | bigint | undefined;

const moduleCache = new Map<string, WebAssembly.Module>();

function compiled(source: Target | string | Uint8Array): WebAssembly.Module {
  if (source instanceof Uint8Array) return new WebAssembly.Module(new Uint8Array(source));
  // NYMOTE_CORE_NAMES=1: the profiling variants (same code, function names kept; `npm run build:core -- --names`).
  const names = process.env.NYMOTE_CORE_NAMES === "1";
  const path = source === "debug" || source === "release" || source === "gateway" ? corePath(source, names) : source;
  let mod = moduleCache.get(path);
  if (!mod) {
    if (names && !existsSync(path)) throw new Error(`${path} is missing: build it with npm run build:core -- --names`);
    mod = new WebAssembly.Module(new Uint8Array(readFileSync(path)));
    moduleCache.set(path, mod);
  }
  return mod;
}

const E_IO = -4;
const E_BOUNDS = -2;

export class Core {
  readonly instance: WebAssembly.Instance;
  readonly memory: WebAssembly.Memory;
  private readonly fns: Record<string, WasmFn>;
  private dead: NymotePanic | null = null;
  private readonly decoder = new TextDecoder();

  /** Instantiates synchronously: `source` is a target of the core build, a path or bytes. */
  constructor(source: Target | string | Uint8Array = "debug", options: CoreOptions = {}) {
    const mod = compiled(source);
    const logger = options.logger ?? silentLogger;
    const clock = options.clock ?? Date.now;
    const start = performance.now();
    const monotonic = options.monotonic ?? (() => performance.now() - start);
    const random = options.random ?? ((out: Uint8Array) => randomFillSync(out));
    const flash = options.flash;
    const mem = () => new Uint8Array(this.memory.buffer);
    const inBounds = (ptr: number, len: number) => ptr >= 0 && len >= 0 && ptr + len <= this.memory.buffer.byteLength;

    const core: Record<string, (...args: never[]) => number | bigint | undefined> = {
      random_bytes: (ptr: number, len: number) => {
        if (!inBounds(ptr, len)) return E_BOUNDS;
        random(mem().subarray(ptr, ptr + len));
        return 0;
      },
      clock_ms: () => BigInt(Math.floor(clock())),
      monotonic_ms: () => BigInt(Math.floor(monotonic())),
      log: (level: number, ptr: number, len: number) => {
        if (!inBounds(ptr, len)) return undefined;
        logger(LOG_LEVELS[level] ?? "debug", this.decoder.decode(mem().subarray(ptr, ptr + len)));
        return undefined;
      },
      panic: (msgPtr: number, msgLen: number, filePtr: number, fileLen: number, line: number, column: number) => {
        const text = (p: number, n: number) => (inBounds(p, n) ? this.decoder.decode(mem().subarray(p, p + n)) : "?");
        this.dead = new NymotePanic(text(msgPtr, msgLen), text(filePtr, fileLen), line, column);
        throw this.dead;
      },
      flash_geometry: (outPtr: number) => {
        if (!flash) return E_IO;
        if (!inBounds(outPtr, 12)) return E_BOUNDS;
        const view = new DataView(this.memory.buffer, outPtr, 12);
        view.setUint32(0, flash.geometry.size, true);
        view.setUint32(4, flash.geometry.sectorSize, true);
        view.setUint32(8, flash.geometry.writeGranularity, true);
        return 0;
      },
      flash_read: (offset: number, ptr: number, len: number) => {
        if (!flash) return E_IO;
        if (!inBounds(ptr, len)) return E_BOUNDS;
        return flash.read(offset >>> 0, mem().subarray(ptr, ptr + len));
      },
      flash_write: (offset: number, ptr: number, len: number) => {
        if (!flash) return E_IO;
        if (!inBounds(ptr, len)) return E_BOUNDS;
        // Copy: the device must not alias Wasm memory that the core may reuse.
        return flash.write(offset >>> 0, mem().slice(ptr, ptr + len));
      },
      flash_erase: (offset: number, len: number) => {
        if (!flash) return E_IO;
        return flash.erase(offset >>> 0, len);
      },
    };
    const imports: Record<string, unknown> = {};
    for (const imp of abi.imports) {
      const fn = core[imp.name] ?? options.capabilities?.[imp.name];
      if (fn) imports[imp.name] = fn;
    }
    this.instance = new WebAssembly.Instance(mod, { nymote: imports as WebAssembly.ModuleImports });
    this.memory = this.instance.exports.memory as WebAssembly.Memory;
    this.fns = this.instance.exports as unknown as Record<string, WasmFn>;
  }

  /** Names of the core-set imports this runtime implements (checked against the ABI). */
  static readonly implementedImports = [
    "random_bytes",
    "clock_ms",
    "monotonic_ms",
    "log",
    "panic",
    "flash_geometry",
    "flash_read",
    "flash_write",
    "flash_erase",
  ] as const;

  has(name: string): boolean {
    return typeof this.fns[name] === "function";
  }

  /** Calls an exported function; a panic inside turns into NymotePanic and kills the instance. */
  call(name: string, ...args: (number | bigint)[]): number {
    return Number(this.invoke(name, args) ?? 0);
  }

  /** Like call, for exports that return i64. */
  call64(name: string, ...args: (number | bigint)[]): bigint {
    return BigInt(this.invoke(name, args) ?? 0);
  }

  private invoke(name: string, args: (number | bigint)[]): number | bigint | undefined {
    if (this.dead) throw this.dead;
    const fn = this.fns[name];
    if (typeof fn !== "function") throw new TypeError(`core module has no export ${name}`);
    try {
      return fn(...args);
    } catch (e) {
      // A trap (unreachable, out-of-bounds) means the instance's state is unknown.
      if (!this.dead && e instanceof WebAssembly.RuntimeError) this.dead = new NymotePanic(this.explain(e), name, 0, 0);
      throw this.dead ?? e;
    }
  }

  // The AssemblyScript allocator executes `unreachable` when memory.grow fails, so a
  // trap while memory is at its maximum is almost always an exhausted heap.
  private explain(e: WebAssembly.RuntimeError): string {
    if (!/unreachable/.test(e.message)) return e.message;
    try {
      this.memory.grow(1);
      return e.message;
    } catch {
      return `${e.message} (linear memory is at its ${this.memory.buffer.byteLength / 1024} KiB maximum: most likely out of memory)`;
    }
  }

  get isDead(): boolean {
    return this.dead !== null;
  }

  /** Bytes of linear memory currently committed (pages × 64 KiB). */
  get memoryBytes(): number {
    return this.memory.buffer.byteLength;
  }

  /** The heap by its allocator's blocks (mem_heap_stats); `touched`: free bytes written since paintHeap. */
  heapStats(): { managed: number; used: number; free: number; largestFree: number; touched: number } {
    return this.with([20], ([out]) => {
      if (this.call("mem_heap_stats", out!) !== 0) throw new RangeError("mem_heap_stats failed");
      const v = new DataView(this.memory.buffer, out!, 20);
      const [managed, used, free, largestFree, touched] = [0, 4, 8, 12, 16].map((o) => v.getUint32(o, true)) as [
        number,
        number,
        number,
        number,
        number,
      ];
      // The stats buffer itself is a used block while it is measured.
      return { managed, used: used - 32, free, largestFree, touched };
    });
  }

  /** Marks the free heap so heapStats().touched measures a high-water mark from here. */
  paintHeap(): void {
    this.call("mem_paint");
  }

  alloc(len: number): number {
    const ptr = this.call("mem_alloc", Math.max(len, 1));
    if (ptr === 0) throw new RangeError(`core could not allocate ${len} bytes`);
    return ptr;
  }

  free(ptr: number): void {
    this.call("mem_free", ptr);
  }

  /** Copies bytes out of linear memory. */
  read(ptr: number, len: number): Uint8Array {
    return new Uint8Array(this.memory.buffer, ptr, len).slice();
  }

  write(ptr: number, data: Uint8Array): void {
    new Uint8Array(this.memory.buffer, ptr, data.length).set(data);
  }

  readU32(ptr: number): number {
    return new DataView(this.memory.buffer).getUint32(ptr, true);
  }

  /**
   * Copies each input into a fresh core buffer, allocates the requested output
   * buffers, runs fn with their pointers, then frees everything.
   */
  with<T>(inputs: (Uint8Array | number)[], fn: (ptrs: number[]) => T): T {
    const ptrs: number[] = [];
    try {
      for (const x of inputs) {
        const len = typeof x === "number" ? x : x.length;
        const p = this.alloc(len);
        ptrs.push(p);
        if (typeof x !== "number") this.write(p, x);
      }
      return fn(ptrs);
    } finally {
      if (!this.dead) for (const p of ptrs) this.free(p);
    }
  }
}
