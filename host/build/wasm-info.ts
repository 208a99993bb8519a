// Reads a Wasm binary's imports and exports with their function signatures
// (type, import, function and export sections; WebAssembly.Module.imports() gives
// names only). Used by the ABI test and the builder's capability check.
import type { WasmType } from "../../bindings/abi.ts";

export interface WasmSig {
  params: WasmType[];
  results: WasmType[];
}
export interface WasmImport {
  module: string;
  name: string;
  kind: "function" | "table" | "memory" | "global";
  sig?: WasmSig;
}
export interface WasmExport {
  name: string;
  kind: "function" | "table" | "memory" | "global";
  sig?: WasmSig;
}
export interface WasmInfo {
  imports: WasmImport[];
  exports: WasmExport[];
  /** Initial and maximum linear memory in 64 KiB pages (maximum null when unbounded). */
  memory?: { initial: number; maximum: number | null };
  /** Defined globals with their constant initialiser (null when not an i32/i64.const). */
  globals: { type: WasmType; mutable: boolean; init: number | null }[];
  /** End of the highest active data segment placed at a constant offset (static data). */
  dataEnd: number;
  /** Bytes of the code section (function bodies). */
  codeBytes: number;
}

const VALTYPES: Record<number, WasmType> = { 127: "i32", 126: "i64", 125: "f32", 124: "f64" };
const KINDS = ["function", "table", "memory", "global"] as const;

export function wasmInfo(bytes: Uint8Array): WasmInfo {
  let pos = 8;
  const u32 = (): number => {
    let result = 0;
    let shift = 0;
    for (;;) {
      const b = bytes[pos++];
      result |= (b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result >>> 0;
      shift += 7;
    }
  };
  const name = (): string => {
    const n = u32();
    const s = new TextDecoder().decode(bytes.subarray(pos, pos + n));
    pos += n;
    return s;
  };
  const limits = () => {
    const flags = u32();
    const initial = u32();
    return { initial, maximum: flags & 1 ? u32() : null };
  };
  const types: WasmSig[] = [];
  const funcTypes: number[] = [];
  const info: WasmInfo = { imports: [], exports: [], globals: [], dataEnd: 0, codeBytes: 0 };
  const sleb = (): number => {
    let result = 0;
    let shift = 0;
    let b: number;
    do {
      b = bytes[pos++];
      if (shift < 32) result |= (b & 0x7f) << shift;
      shift += 7;
    } while (b & 0x80);
    return shift < 32 && b & 0x40 ? result | (-1 << shift) : result;
  };
  // A constant expression: i32.const / i64.const (value, low 32 bits) or anything else (null).
  const constExpr = (): number | null => {
    const op = bytes[pos++];
    let value: number | null = null;
    if (op === 0x41 || op === 0x42) value = sleb();
    while (bytes[pos++] !== 0x0b) {
      /* skip to end */
    }
    return value;
  };
  if (bytes[0] !== 0 || bytes[1] !== 0x61 || bytes[2] !== 0x73 || bytes[3] !== 0x6d) throw new Error("not a Wasm module");
  while (pos < bytes.length) {
    const id = bytes[pos++];
    const size = u32();
    const end = pos + size;
    if (id === 1) {
      for (let n = u32(); n > 0; n--) {
        pos++; // 0x60 func
        const params = Array.from({ length: u32() }, () => VALTYPES[bytes[pos++]]);
        const results = Array.from({ length: u32() }, () => VALTYPES[bytes[pos++]]);
        types.push({ params, results });
      }
    } else if (id === 2) {
      for (let n = u32(); n > 0; n--) {
        const module = name();
        const field = name();
        const kind = KINDS[bytes[pos++]];
        const imp: WasmImport = { module, name: field, kind };
        if (kind === "function") {
          const t = u32();
          imp.sig = types[t];
          funcTypes.push(t);
        } else if (kind === "table") {
          pos++;
          limits();
        } else if (kind === "memory") {
          info.memory = limits();
        } else {
          pos += 2;
        }
        info.imports.push(imp);
      }
    } else if (id === 3) {
      for (let n = u32(); n > 0; n--) funcTypes.push(u32());
    } else if (id === 5) {
      if (u32() > 0) info.memory = limits();
    } else if (id === 6) {
      for (let n = u32(); n > 0; n--) {
        const type = VALTYPES[bytes[pos++]];
        const mutable = bytes[pos++] === 1;
        info.globals.push({ type, mutable, init: constExpr() });
      }
    } else if (id === 10) {
      info.codeBytes = size;
    } else if (id === 11) {
      for (let n = u32(); n > 0; n--) {
        const flags = u32();
        if (flags === 1) {
          pos += u32(); // passive: no placement
          continue;
        }
        if (flags === 2) u32(); // memory index
        const offset = constExpr();
        const len = u32();
        pos += len;
        if (offset !== null) info.dataEnd = Math.max(info.dataEnd, (offset >>> 0) + len);
      }
    } else if (id === 7) {
      for (let n = u32(); n > 0; n--) {
        const field = name();
        const kind = KINDS[bytes[pos++]];
        const index = u32();
        info.exports.push({ name: field, kind, sig: kind === "function" ? types[funcTypes[index]] : undefined });
      }
    }
    pos = end;
  }
  return info;
}
