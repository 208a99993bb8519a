// npm run bundle: the host library as plain ESM JavaScript in dist/ for publishing
// (the repository itself runs from TypeScript sources through tsx). Types are
// stripped with TypeScript's own transpiler; dependencies and node builtins stay
// external. Modules keep their paths (preserveModules), so the files they read at
// run time — the ABI fragments, package.json, build/core.*.wasm — are copied to
// the same relative places under dist/.
import { copyFileSync, existsSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { builtinModules } from "node:module";
import ts from "typescript";

const pkg = (await import("./package.json", { with: { type: "json" } })).default;
const external = [...builtinModules, ...builtinModules.map((m) => `node:${m}`), ...Object.keys(pkg.dependencies ?? {})];

// One entry per public export of package.json, plus the CLI.
const input = [...Object.values(pkg.exports), "./host/cli/main.ts"].filter((file) => existsSync(file));
const toJs = (file) => file.replace(/\.ts$/, ".js");

const stripTypes = {
  name: "strip-types",
  transform(code, id) {
    if (!id.endsWith(".ts")) return null;
    const out = ts.transpileModule(code, {
      compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, sourceMap: true, verbatimModuleSyntax: false },
      fileName: id,
    });
    return { code: out.outputText, map: out.sourceMapText };
  },
};

const copyRuntimeFiles = {
  name: "copy-runtime-files",
  writeBundle() {
    mkdirSync("dist/build", { recursive: true });
    mkdirSync("dist/bindings/abi", { recursive: true });
    for (const f of readdirSync("build").filter((f) => /^core\.\w+\.wasm$/.test(f))) copyFileSync(`build/${f}`, `dist/build/${f}`);
    for (const f of readdirSync("bindings/abi").filter((f) => f.endsWith(".json")))
      copyFileSync(`bindings/abi/${f}`, `dist/bindings/abi/${f}`);
    // The published package: same exports, pointing at the JavaScript.
    const published = {
      ...pkg,
      exports: Object.fromEntries(Object.entries(pkg.exports).map(([k, v]) => [k, toJs(v)])),
      bin: { nymote: "./bin/nymote.js" },
      scripts: undefined,
      devDependencies: undefined,
    };
    writeFileSync("dist/package.json", `${JSON.stringify(published, null, 2)}\n`);
    mkdirSync("dist/bin", { recursive: true });
    writeFileSync(
      "dist/bin/nymote.js",
      '#!/usr/bin/env node\nconst { main } = await import("../host/cli/main.js");\nprocess.exitCode = await main(process.argv);\n',
      { mode: 0o755 },
    );
  },
};

export default {
  input,
  external: (id) => external.some((e) => id === e || id.startsWith(`${e}/`)),
  plugins: [stripTypes, copyRuntimeFiles],
  output: { dir: "dist", format: "es", sourcemap: true, preserveModules: true, preserveModulesRoot: ".", entryFileNames: "[name].js" },
};
