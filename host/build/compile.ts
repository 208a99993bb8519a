// Compiles an AssemblyScript entry into a Wasm module for one asconfig target
// (asc, then binaryen's wasm-opt), with a content stamp so unchanged inputs are not
// rebuilt. Used by `npm run build`, the tests and `nymote build`.
import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { delimiter, dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), "../..");

export type Target = "debug" | "release" | "gateway";

export interface CompileOptions {
  /** Entry file, relative to the repository root or absolute. */
  entry: string;
  target: Target;
  outFile: string;
  /** Extra asc flags (e.g. --maximumMemory for a board budget). */
  ascFlags?: string[];
  /** Extra directories whose .ts files are inputs (an app outside assembly/). */
  extraSources?: string[];
  /** Rebuild even when the stamp matches. */
  force?: boolean;
  /** Keep function names (a name section) for CPU profiles: asc --debug, wasm-opt -g.
   *  For profiling builds written to their own file; the images that ship never set it. */
  names?: boolean;
}

export interface CompileResult {
  outFile: string;
  bytes: number;
  rebuilt: boolean;
}

// AS output carries no features section; these are the features asc 0.28 emits.
const WASM_OPT_FEATURES = ["--enable-bulk-memory", "--enable-sign-ext", "--enable-nontrapping-float-to-int", "--enable-mutable-globals"];

function listTs(dir: string, out: string[] = []): string[] {
  if (!existsSync(dir)) return out;
  for (const name of readdirSync(dir).sort()) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) listTs(p, out);
    else if (name.endsWith(".ts")) out.push(p);
  }
  return out;
}

function stampOf(opts: CompileOptions): string {
  const h = createHash("sha256");
  h.update(JSON.stringify({ t: opts.target, f: opts.ascFlags ?? [], e: opts.entry, n: opts.names === true }));
  const files = [
    ...listTs(join(repoRoot, "assembly")),
    ...(opts.extraSources ?? []).flatMap((d) => listTs(d)),
    join(repoRoot, "asconfig.json"),
    resolve(repoRoot, opts.entry),
  ];
  for (const f of files) {
    h.update(relative(repoRoot, f));
    h.update(readFileSync(f));
  }
  return h.digest("hex");
}

// Debian's native wasm-opt is ~30x faster than binaryen's JS build. Search PATH
// ourselves: under npm scripts node_modules/.bin comes first and holds the JS one.
let nativeWasmOpt: string | null | undefined;
function findNativeWasmOpt(): string | null {
  if (nativeWasmOpt !== undefined) return nativeWasmOpt;
  nativeWasmOpt = null;
  for (const dir of (process.env.PATH ?? "").split(delimiter)) {
    if (!dir || dir.includes("node_modules")) continue;
    const candidate = join(dir, "wasm-opt");
    if (existsSync(candidate)) {
      nativeWasmOpt = candidate;
      break;
    }
  }
  return nativeWasmOpt;
}

function wasmOpt(file: string, level: string[]): void {
  const native = findNativeWasmOpt();
  const args = [file, ...level, ...WASM_OPT_FEATURES, "-o", file];
  if (native) {
    execFileSync(native, args, { stdio: ["ignore", "ignore", "inherit"] });
  } else {
    const require = createRequire(import.meta.url);
    const bin = join(dirname(require.resolve("binaryen/package.json")), "bin", "wasm-opt");
    execFileSync(process.execPath, [bin, ...args], { stdio: ["ignore", "ignore", "inherit"] });
  }
}

export async function compile(opts: CompileOptions): Promise<CompileResult> {
  const outFile = resolve(repoRoot, opts.outFile);
  const stampFile = `${outFile}.stamp`;
  const stamp = stampOf(opts);
  if (!opts.force && existsSync(outFile) && existsSync(stampFile) && readFileSync(stampFile, "utf8") === stamp) {
    return { outFile, bytes: statSync(outFile).size, rebuilt: false };
  }
  mkdirSync(dirname(outFile), { recursive: true });
  const asc = (await import("assemblyscript/asc")).default;
  const args = [
    resolve(repoRoot, opts.entry),
    "--config",
    join(repoRoot, "asconfig.json"),
    "--target",
    opts.target,
    "--outFile",
    outFile,
    ...(opts.ascFlags ?? []),
    ...(opts.names ? ["--debug"] : []),
  ];
  let stderr = "";
  const { error } = await asc.main(args, {
    stdout: { write: () => true } as never,
    stderr: {
      write: (s: string | Uint8Array) => {
        stderr += typeof s === "string" ? s : Buffer.from(s).toString();
        return true;
      },
    } as never,
  });
  if (error) throw new Error(`asc failed for ${opts.entry} (${opts.target}):\n${stderr || error.message}`);
  const keepNames = opts.names ? ["-g"] : [];
  if (opts.target === "release") wasmOpt(outFile, ["-Oz", "--converge", ...keepNames]);
  else if (opts.target === "gateway") wasmOpt(outFile, ["-O3", ...keepNames]);
  writeFileSync(stampFile, stamp);
  return { outFile, bytes: statSync(outFile).size, rebuilt: true };
}

/** The core module's path for a target; built by scripts/build-core.ts. With
 *  names, the profiling variant (same code, plus function names). */
export function corePath(target: Target, names = false): string {
  return join(repoRoot, "build", `core.${target}${names ? ".names" : ""}.wasm`);
}

export async function buildCore(targets: Target[] = ["debug", "release", "gateway"], force = false, names = false) {
  const results: (CompileResult & { target: Target })[] = [];
  for (const target of targets) {
    results.push({ target, ...(await compile({ entry: "assembly/core.ts", target, outFile: corePath(target, names), force, names })) });
  }
  return results;
}
