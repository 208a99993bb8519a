import { abi, isFunction } from "../../bindings/abi.ts";

export function printAbi(opts: { json?: boolean }): void {
  if (opts.json) {
    process.stdout.write(`${JSON.stringify(abi, null, 2)}\n`);
    return;
  }
  const sig = (f: { params: [string, string][]; results: string[] }) =>
    `(${f.params.map(([n, t]) => `${n}: ${t}`).join(", ")}) -> ${f.results.join(", ") || "void"}`;
  process.stdout.write(`ABI v${abi.version}, import module "${abi.module}"\n\nimports:\n`);
  for (const f of abi.imports) process.stdout.write(`  ${f.name}${sig(f)}  [${f.capability}]\n`);
  process.stdout.write("\nexports:\n");
  for (const e of abi.exports) process.stdout.write(`  ${e.name}${isFunction(e) ? sig(e) : ` (${e.kind})`}\n`);
  process.stdout.write("\nerrors:\n");
  for (const e of abi.errors) process.stdout.write(`  ${String(e.code).padStart(4)} ${e.name.padEnd(14)} ${e.doc}\n`);
}
