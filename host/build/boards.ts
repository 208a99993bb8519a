// Boards: one JSON file a board in boards/, validated against boards/board.schema.json
// and then against the rules a schema cannot say (partition inside flash, budget
// consistent, capabilities that the ABI defines).
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { abi } from "../../bindings/abi.ts";
import { repoRoot } from "./compile.ts";

export type Runtime = "wamr-interp" | "wamr-aot" | "wasm2c";

export interface Board {
  name: string;
  description: string;
  arch: "xtensa-lx6" | "xtensa-lx7" | "rv32imc" | "host";
  cpuMHz: number;
  sramKiB: number;
  flash: { sizeKiB: number; data: { label: string; offset: number; sizeKiB: number; sectorBytes: number } };
  budget: {
    codeBytes: number;
    initialPages: number;
    maxPages: number;
    shadowStackBytes: number;
    nativeStackBytes: number;
    runtimePoolBytes?: number;
  };
  runtime: Runtime;
  capabilities: string[];
  toolchain?: {
    cc: string;
    platform: "posix" | "semihost";
    cflags: string[];
    ldflags?: string[];
    includes?: string[];
    size?: string;
    run?: string[];
  };
}

export const boardsDir = join(repoRoot, "boards");
export const PAGE = 65536;

type Schema = {
  type?: string;
  enum?: unknown[];
  required?: string[];
  properties?: Record<string, Schema>;
  additionalProperties?: boolean;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  items?: Schema;
  uniqueItems?: boolean;
  minItems?: number;
};

function typeOf(v: unknown): string {
  if (Array.isArray(v)) return "array";
  if (v === null) return "null";
  if (typeof v === "number") return Number.isInteger(v) ? "integer" : "number";
  return typeof v;
}

/** Validates `v` against the JSON Schema subset the board schema uses; returns "path: problem" lines. */
export function validateSchema(schema: Schema, v: unknown, path = "$"): string[] {
  const errs: string[] = [];
  if (schema.enum && !schema.enum.includes(v)) errs.push(`${path}: must be one of ${schema.enum.map((e) => JSON.stringify(e)).join(", ")}`);
  if (schema.type) {
    const t = typeOf(v);
    if (!(t === schema.type || (schema.type === "number" && t === "integer"))) return [...errs, `${path}: must be ${schema.type}, is ${t}`];
  }
  if (typeof v === "string" && schema.pattern && !new RegExp(schema.pattern).test(v)) errs.push(`${path}: must match ${schema.pattern}`);
  if (typeof v === "number") {
    if (schema.minimum !== undefined && v < schema.minimum) errs.push(`${path}: must be >= ${schema.minimum}`);
    if (schema.maximum !== undefined && v > schema.maximum) errs.push(`${path}: must be <= ${schema.maximum}`);
  }
  if (Array.isArray(v)) {
    if (schema.minItems !== undefined && v.length < schema.minItems) errs.push(`${path}: needs at least ${schema.minItems} items`);
    if (schema.uniqueItems && new Set(v.map((x) => JSON.stringify(x))).size !== v.length) errs.push(`${path}: items must be unique`);
    const items = schema.items;
    if (items)
      v.forEach((x, i) => {
        errs.push(...validateSchema(items, x, `${path}[${i}]`));
      });
  }
  if (typeOf(v) === "object") {
    const o = v as Record<string, unknown>;
    for (const k of schema.required ?? []) if (!(k in o)) errs.push(`${path}: missing ${k}`);
    for (const [k, x] of Object.entries(o)) {
      const sub = schema.properties?.[k];
      if (sub) errs.push(...validateSchema(sub, x, `${path}.${k}`));
      else if (schema.additionalProperties === false) errs.push(`${path}: unknown property ${k}`);
    }
  }
  return errs;
}

/** Capabilities the ABI defines (bindings/abi/*.json `capability` of each import). */
export function abiCapabilities(): Set<string> {
  return new Set(abi.imports.map((f) => f.capability ?? "core"));
}

/** Rules beyond the schema. */
export function checkBoard(b: Board, fileName?: string): string[] {
  const errs: string[] = [];
  if (fileName && fileName !== `${b.name}.json`) errs.push(`name ${b.name} does not match file ${fileName}`);
  const d = b.flash.data;
  if (d.offset % d.sectorBytes !== 0) errs.push(`flash.data.offset ${d.offset} is not a multiple of the sector size ${d.sectorBytes}`);
  if ((d.sizeKiB * 1024) % d.sectorBytes !== 0) errs.push("flash.data.sizeKiB is not a whole number of sectors");
  if (d.offset + d.sizeKiB * 1024 > b.flash.sizeKiB * 1024) errs.push("flash.data partition ends past the end of flash");
  const m = b.budget;
  if (m.maxPages < m.initialPages) errs.push("budget.maxPages is below budget.initialPages");
  if (m.shadowStackBytes >= m.initialPages * PAGE) errs.push("budget.shadowStackBytes leaves no room in the initial linear memory");
  const ram = b.sramKiB * 1024;
  if (m.maxPages * PAGE + m.nativeStackBytes > ram)
    errs.push(`linear memory (${m.maxPages} pages) and native stack exceed the board's ${b.sramKiB} KiB SRAM`);
  if (m.runtimePoolBytes !== undefined && m.runtimePoolBytes > ram) errs.push("budget.runtimePoolBytes exceeds SRAM");
  if (b.runtime.startsWith("wamr") && (m.runtimePoolBytes ?? 0) < m.maxPages * PAGE)
    errs.push("budget.runtimePoolBytes must hold the linear memory for a WAMR board");
  // The interpreter loads the module into its pool: code and linear memory share it.
  if (b.runtime === "wamr-interp" && (m.runtimePoolBytes ?? 0) < m.codeBytes + m.maxPages * PAGE)
    errs.push("budget.runtimePoolBytes must hold budget.codeBytes beside the linear memory under the WAMR interpreter");
  if (b.runtime === "wasm2c" && !b.toolchain) errs.push("a wasm2c board needs a toolchain");
  if (!b.capabilities.includes("core")) errs.push("capabilities must include core");
  const known = abiCapabilities();
  for (const c of b.capabilities) if (!known.has(c)) errs.push(`capability ${c} is not defined by any import in bindings/abi`);
  return errs;
}

export class BoardError extends Error {}

let schemaCache: Schema | null = null;
function schema(): Schema {
  schemaCache ??= JSON.parse(readFileSync(join(boardsDir, "board.schema.json"), "utf8")) as Schema;
  return schemaCache;
}

/** Parses and validates one board description; throws BoardError listing every problem. */
export function parseBoard(text: string, fileName?: string): Board {
  const v = JSON.parse(text) as unknown;
  const errs = validateSchema(schema(), v);
  if (errs.length === 0) errs.push(...checkBoard(v as Board, fileName));
  if (errs.length > 0) throw new BoardError(`board ${fileName ?? ""} is invalid:\n  ${errs.join("\n  ")}`);
  return v as Board;
}

export function boardNames(): string[] {
  return readdirSync(boardsDir)
    .filter((f) => f.endsWith(".json") && f !== "board.schema.json")
    .map((f) => f.slice(0, -5))
    .sort();
}

export function loadBoard(name: string): Board {
  if (!boardNames().includes(name)) throw new BoardError(`unknown board ${name}; boards: ${boardNames().join(", ")}`);
  const file = `${name}.json`;
  return parseBoard(readFileSync(join(boardsDir, file), "utf8"), file);
}

export function loadBoards(): Board[] {
  return boardNames().map(loadBoard);
}
