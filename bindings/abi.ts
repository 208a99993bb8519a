// The one ABI: every import the core needs from its host and every export the host
// may call, assembled from one fragment per part in bindings/abi/. The TypeScript
// runtime, the wasm2c glue and the WAMR glue are all checked against this.
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

export type WasmType = "i32" | "i64" | "f32" | "f64";

export interface AbiFunction {
  name: string;
  params: [string, WasmType][];
  results: WasmType[];
  doc: string;
  /** Imports only: the board capability that provides it; "core" for every board. */
  capability?: string;
  part: string;
}

export interface AbiExportOther {
  name: string;
  kind: "memory" | "global" | "table";
  doc: string;
  part: string;
}

export interface AbiError {
  code: number;
  name: string;
  doc: string;
}

export interface Abi {
  version: number;
  module: "nymote";
  imports: AbiFunction[];
  exports: (AbiFunction | AbiExportOther)[];
  errors: AbiError[];
}

/** Bump when an import or export changes meaning or signature. */
export const ABI_VERSION = 1;

interface Fragment {
  part: string;
  errors?: AbiError[];
  imports?: Omit<AbiFunction, "part">[];
  exports?: (Omit<AbiFunction, "part"> | Omit<AbiExportOther, "part">)[];
}

const fragmentDir = join(dirname(fileURLToPath(import.meta.url)), "abi");

function loadAbi(): Abi {
  const abi: Abi = { version: ABI_VERSION, module: "nymote", imports: [], exports: [], errors: [] };
  const names = new Set<string>();
  const files = readdirSync(fragmentDir)
    .filter((f) => f.endsWith(".json"))
    .sort();
  for (const file of files) {
    const frag = JSON.parse(readFileSync(join(fragmentDir, file), "utf8")) as Fragment;
    for (const imp of frag.imports ?? []) {
      if (names.has(`import:${imp.name}`)) throw new Error(`ABI: import ${imp.name} declared twice (${file})`);
      names.add(`import:${imp.name}`);
      abi.imports.push({ capability: "core", ...imp, part: frag.part });
    }
    for (const exp of frag.exports ?? []) {
      if (names.has(`export:${exp.name}`)) throw new Error(`ABI: export ${exp.name} declared twice (${file})`);
      names.add(`export:${exp.name}`);
      abi.exports.push({ ...exp, part: frag.part } as AbiFunction | AbiExportOther);
    }
    for (const err of frag.errors ?? []) {
      if (abi.errors.some((e) => e.code === err.code || e.name === err.name))
        throw new Error(`ABI: error ${err.name} (${err.code}) declared twice (${file})`);
      abi.errors.push(err);
    }
  }
  return abi;
}

export const abi: Abi = loadAbi();

export function isFunction(e: AbiFunction | AbiExportOther): e is AbiFunction {
  return !("kind" in e) || (e as AbiExportOther).kind === undefined;
}

export function errorName(code: number): string {
  return abi.errors.find((e) => e.code === code)?.name ?? `E_UNKNOWN(${code})`;
}
