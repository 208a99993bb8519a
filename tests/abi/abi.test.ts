// The ABI contract: every compiled module imports and exports only what
// bindings/abi lists, with the listed signatures; nothing from `env`; and the
// runtime and the AssemblyScript error table agree with it.
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { test } from "node:test";
import { abi, isFunction } from "../../bindings/abi.ts";
import { corePath, type Target } from "../../host/build/compile.ts";
import { wasmInfo } from "../../host/build/wasm-info.ts";
import { Core } from "../../host/runtime/index.ts";

const targets: Target[] = ["debug", "release", "gateway"];

for (const target of targets) {
  test(`core.${target}.wasm matches the ABI`, () => {
    const info = wasmInfo(new Uint8Array(readFileSync(corePath(target))));
    for (const imp of info.imports) {
      assert.equal(imp.module, "nymote", `import ${imp.module}.${imp.name} is outside the nymote module`);
      const decl = abi.imports.find((f) => f.name === imp.name);
      assert.ok(decl, `import nymote.${imp.name} is not in bindings/abi`);
      assert.deepEqual(imp.sig, { params: decl.params.map(([, t]) => t), results: decl.results }, `signature of import ${imp.name}`);
    }
    for (const exp of info.exports) {
      const decl = abi.exports.find((e) => e.name === exp.name);
      assert.ok(decl, `export ${exp.name} is not in bindings/abi`);
      if (isFunction(decl)) {
        assert.equal(exp.kind, "function", `export ${exp.name} kind`);
        assert.deepEqual(exp.sig, { params: decl.params.map(([, t]) => t), results: decl.results }, `signature of export ${exp.name}`);
      } else {
        assert.equal(exp.kind, decl.kind, `export ${exp.name} kind`);
      }
    }
    const coreExports = abi.exports.filter((e) => e.part === "core").map((e) => e.name);
    for (const name of coreExports)
      assert.ok(
        info.exports.some((e) => e.name === name),
        `core export ${name} missing`,
      );
  });
}

test("the Node runtime implements every core-capability import", () => {
  const core = abi.imports
    .filter((f) => f.capability === "core")
    .map((f) => f.name)
    .sort();
  assert.deepEqual([...Core.implementedImports].sort(), core);
});

test("assembly/abi/errors.ts matches the ABI error table", () => {
  const src = readFileSync(new URL("../../assembly/abi/errors.ts", import.meta.url), "utf8");
  const declared = [...src.matchAll(/export const (\w+): i32 = (-?\d+);/g)].map((m) => ({ name: m[1], code: Number(m[2]) }));
  assert.deepEqual(
    declared,
    abi.errors.map((e) => ({ name: e.name, code: e.code })),
  );
});

test("the module reports the ABI version the host expects", () => {
  const core = new Core("debug");
  assert.equal(core.call("abi_version"), abi.version);
});
