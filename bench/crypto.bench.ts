// Crypto: nymote/crypto (the Wasm core through the host API, gateway -O3 and
// release -Oz builds) against tweetnacl, @noble and libsodium (sodium-native),
// all measured in this run. Then the Wasm bytes the crypto adds to a release
// module, and the linear memory a sign and a verify touch on the release build.
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { xsalsa20poly1305 } from "@noble/ciphers/salsa.js";
import { ed25519, x25519 } from "@noble/curves/ed25519.js";
import { sha256 as nobleSha256, sha512 as nobleSha512 } from "@noble/hashes/sha2.js";
import binaryen from "binaryen";
import sodium from "sodium-native";
import nacl from "tweetnacl";
import { compile, repoRoot } from "../host/build/compile.ts";
import { createCrypto } from "../host/crypto/index.ts";

// Rates by wall clock and by this process's CPU time (process.cpuUsage, user +
// system). Each row runs its implementations in ROUNDS interleaved slices, so a
// change in the machine's load during the run hits all of them alike; the CPU
// column does not count time the process waited for a core.
const ROUNDS = 10;
const SLICE_MS = 40;
type Rate = { n: number; wallMs: number; cpuMs: number };

function slice(fn: () => void, ms: number, acc: Rate): void {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < ms) {
    fn();
    acc.n++;
    t = performance.now();
  }
  const cpu = process.cpuUsage(c0);
  acc.wallMs += t - t0;
  acc.cpuMs += (cpu.user + cpu.system) / 1000;
}

const wallRate = (r: Rate) => (r.n * 1000) / r.wallMs;
const cpuRate = (r: Rate) => (r.n * 1000) / r.cpuMs;

type Row = { op: string; cells: Record<string, (() => void) | null> };
const IMPLS = ["nymote gateway", "nymote release", "tweetnacl", "@noble", "sodium-native"] as const;

function rows(): Row[] {
  const gw = createCrypto("gateway");
  const rel = createCrypto("release");
  const seed = new Uint8Array(32).fill(42);
  const kp = nacl.sign.keyPair.fromSeed(seed);
  const msg = new Uint8Array(100).fill(1);
  const sig = nacl.sign.detached(msg, kp.secretKey);
  const sigB = Buffer.from(sig);
  const [msgB, skB, pkB] = [Buffer.from(msg), Buffer.from(kp.secretKey), Buffer.from(kp.publicKey)];
  const nobleSk = seed;
  const xs = new Uint8Array(32).fill(7);
  const xp = nacl.scalarMult.base(new Uint8Array(32).fill(9));
  const [xsB, xpB, xo] = [Buffer.from(xs), Buffer.from(xp), Buffer.alloc(32)];
  const key = new Uint8Array(32).fill(3);
  const nonce = new Uint8Array(24).fill(4);
  const [keyB, nonceB] = [Buffer.from(key), Buffer.from(nonce)];
  const kib = new Uint8Array(1024).fill(5);
  const k64 = new Uint8Array(64 * 1024).fill(6);
  const mib = new Uint8Array(1024 * 1024).fill(7);
  const [kibB, k64B, mibB] = [Buffer.from(kib), Buffer.from(k64), Buffer.from(mib)];
  const box1 = Buffer.alloc(1024 + 16);
  const box64 = Buffer.alloc(64 * 1024 + 16);
  const h32 = Buffer.alloc(32);
  const h64 = Buffer.alloc(64);
  const both = (f: (c: typeof gw) => () => void) => ({ "nymote gateway": f(gw), "nymote release": f(rel) });
  return [
    {
      op: "Ed25519 sign (100 B)",
      cells: {
        ...both((c) => () => c.sign.detached(msg, kp.secretKey)),
        tweetnacl: () => nacl.sign.detached(msg, kp.secretKey),
        "@noble": () => ed25519.sign(msg, nobleSk),
        "sodium-native": () => sodium.crypto_sign_detached(sigB, msgB, skB),
      },
    },
    {
      op: "Ed25519 verify (100 B)",
      cells: {
        ...both((c) => () => c.sign.detached.verify(msg, sig, kp.publicKey)),
        tweetnacl: () => nacl.sign.detached.verify(msg, sig, kp.publicKey),
        "@noble": () => ed25519.verify(sig, msg, kp.publicKey),
        "sodium-native": () => sodium.crypto_sign_verify_detached(sigB, msgB, pkB),
      },
    },
    {
      op: "X25519 scalarMult",
      cells: {
        ...both((c) => () => c.scalarMult(xs, xp)),
        tweetnacl: () => nacl.scalarMult(xs, xp),
        "@noble": () => x25519.getSharedSecret(xs, xp),
        "sodium-native": () => sodium.crypto_scalarmult(xo, xsB, xpB),
      },
    },
    {
      op: "X25519 scalarMult.base",
      cells: {
        ...both((c) => () => c.scalarMult.base(xs)),
        tweetnacl: () => nacl.scalarMult.base(xs),
        "@noble": () => x25519.getPublicKey(xs),
        "sodium-native": () => sodium.crypto_scalarmult_base(xo, xsB),
      },
    },
    ...(
      [
        ["1 KiB", kib, kibB, box1],
        ["64 KiB", k64, k64B, box64],
      ] as const
    ).map(([label, m, mB, out]) => ({
      op: `secretbox ${label}`,
      cells: {
        ...both((c) => () => c.secretbox(m, nonce, key)),
        tweetnacl: () => nacl.secretbox(m, nonce, key),
        "@noble": () => xsalsa20poly1305(key, nonce).encrypt(m),
        "sodium-native": () => sodium.crypto_secretbox_easy(out, mB, nonceB, keyB),
      },
    })),
    ...(
      [
        ["1 KiB", kib, kibB],
        ["1 MiB", mib, mibB],
      ] as const
    ).flatMap(([label, m, mB]) => [
      {
        op: `SHA-256 ${label}`,
        cells: {
          ...both((c) => () => c.sha256(m)),
          tweetnacl: null,
          "@noble": () => nobleSha256(m),
          "sodium-native": () => sodium.crypto_hash_sha256(h32, mB),
        },
      },
      {
        op: `SHA-512 ${label}`,
        cells: {
          ...both((c) => () => c.hash(m)),
          tweetnacl: () => nacl.hash(m),
          "@noble": () => nobleSha512(m),
          "sodium-native": () => sodium.crypto_hash_sha512(h64, mB),
        },
      },
    ]),
  ];
}

const fmt = (x: number) => (x >= 100 ? Math.round(x).toLocaleString("en-US") : x.toFixed(1));
const ratio = (x: number) => `${x.toFixed(2)}x`;

async function speed(): Promise<void> {
  const cols = ["gateway / tweetnacl wall", "CPU", "sodium-native / gateway wall", "CPU", "sodium-native / release wall", "CPU"];
  console.log(`| operation | ${IMPLS.join(" | ")} | ${cols.join(" | ")} |`);
  console.log(`| --- |${" ---: |".repeat(IMPLS.length + cols.length)}`);
  for (const row of rows()) {
    const impls = IMPLS.filter((i) => row.cells[i]);
    const r: Record<string, Rate> = {};
    for (const impl of impls) {
      slice(row.cells[impl] as () => void, SLICE_MS / 4, { n: 0, wallMs: 0, cpuMs: 0 }); // warm-up
      r[impl] = { n: 0, wallMs: 0, cpuMs: 0 };
    }
    for (let k = 0; k < ROUNDS; k++) for (const impl of impls) slice(row.cells[impl] as () => void, SLICE_MS, r[impl]);
    // a / b as rates: how many times faster a is than b.
    const vs = (a: string, b: string) =>
      r[a] && r[b] ? [ratio(wallRate(r[a]) / wallRate(r[b])), ratio(cpuRate(r[a]) / cpuRate(r[b]))] : ["n/a", "n/a"];
    const cells = IMPLS.map((i) => (r[i] ? fmt(wallRate(r[i])) : "n/a"));
    const ratios = [
      ...vs("nymote gateway", "tweetnacl"),
      ...vs("sodium-native", "nymote gateway"),
      ...vs("sodium-native", "nymote release"),
    ];
    console.log(`| ${row.op} | ${cells.join(" | ")} | ${ratios.join(" | ")} |`);
  }
  console.log(
    "\nops/s by wall clock, higher is better; nymote includes copying arguments into and out of Wasm memory." +
      `\nRatios from the same interleaved slices (${ROUNDS} x ${SLICE_MS} ms per implementation), by wall clock and by` +
      ' process CPU time (process.cpuUsage); "sodium-native / gateway" is how many times slower nymote is than libsodium.',
  );
}

// Wasm bytes at -Oz: a release module with only the runtime exports, and the
// same with the crypto exports added.
async function size(): Promise<void> {
  const dir = join(repoRoot, "build", "bench");
  mkdirSync(dir, { recursive: true });
  const base = join(dir, "size-base.ts");
  const withCrypto = join(dir, "size-crypto.ts");
  writeFileSync(base, 'export * from "../../assembly/abi/exports";\n');
  writeFileSync(withCrypto, 'export * from "../../assembly/abi/exports";\nexport * from "../../assembly/crypto/exports";\n');
  const a = await compile({ entry: base, target: "release", outFile: join(dir, "size-base.wasm") });
  const b = await compile({ entry: withCrypto, target: "release", outFile: join(dir, "size-crypto.wasm") });
  console.log("\n| release module (-Oz) | bytes |");
  console.log("| --- | ---: |");
  console.log(`| runtime exports only | ${a.bytes.toLocaleString("en-US")} |`);
  console.log(`| runtime + crypto exports | ${b.bytes.toLocaleString("en-US")} |`);
  console.log(`| **crypto adds** | **${(b.bytes - a.bytes).toLocaleString("en-US")}** |`);
}

// Linear memory used by a sign and a verify on the release build, measured
// exactly: binaryen lowers memory.copy/fill to loops and instruments every load
// and store of a copy of build/core.release.wasm (passes
// llvm-memory-copy-fill-lowering, instrument-memory); the hooks record each byte
// address. The shadow stack is [top - 16 KiB, top), top being the stack
// pointer's initial value (the module's first global): its depth is top minus
// the lowest address written there. Everything else written or read is counted
// apart from the call's own arguments.
function memoryUse(): void {
  const mod = binaryen.readBinary(new Uint8Array(readFileSync(join(repoRoot, "build", "core.release.wasm"))));
  const F = binaryen.Features;
  mod.setFeatures(F.MVP | F.BulkMemory | F.BulkMemoryOpt | F.SignExt | F.MutableGlobals | F.NontrappingFPToInt);
  const top = (binaryen.getExpressionInfo(binaryen.getGlobalInfo(mod.getGlobalByIndex(0)).init) as unknown as { value: number }).value;
  mod.runPasses(["llvm-memory-copy-fill-lowering", "instrument-memory"]);
  const wasm = new WebAssembly.Module(new Uint8Array(mod.emitBinary()));
  mod.dispose();
  const STACK = 16 * 1024;
  let written = new Set<number>();
  let read = new Set<number>();
  const mark = (set: Set<number>) => (_id: number, bytes: number, offset: number, ptr: number) => {
    for (let i = 0; i < bytes; i++) set.add((ptr >>> 0) + offset + i);
    return ptr;
  };
  const pass = (_id: number, v: number | bigint) => v;
  const env = {
    load_ptr: (id: number, b: number, o: number, p: number) => mark(read)(id, b, o, p),
    store_ptr: (id: number, b: number, o: number, p: number) => mark(written)(id, b, o, p),
    load_val_i32: pass,
    load_val_i64: pass,
    load_val_f32: pass,
    load_val_f64: pass,
    store_val_i32: pass,
    store_val_i64: pass,
    store_val_f32: pass,
    store_val_f64: pass,
    memory_grow_pre: pass,
    memory_grow_post: pass,
  };
  const nymote: Record<string, (...a: number[]) => number> = {};
  for (const imp of WebAssembly.Module.imports(wasm))
    if (imp.module === "nymote")
      nymote[imp.name] = () => {
        if (imp.name === "panic") throw new Error("core panic");
        return 0;
      };
  const inst = new WebAssembly.Instance(wasm, { env, nymote });
  const ex = inst.exports as Record<string, (...a: number[]) => number> & { memory: WebAssembly.Memory };
  const c = createCrypto("gateway");
  const seed = new Uint8Array(32).fill(11);
  const kp = c.sign.keyPair.fromSeed(seed);
  const m = new Uint8Array(64).fill(9);
  const sig = c.sign.detached(m, kp.secretKey);
  const args = ex.mem_alloc(64 + 32 + 64 + 64);
  const mem = new Uint8Array(ex.memory.buffer);
  mem.set(kp.secretKey, args);
  mem.set(kp.publicKey, args + 64);
  mem.set(m, args + 160);
  const argRange = (a: number) => a >= args && a < args + 224;
  const report = (label: string, fn: () => void) => {
    written = new Set();
    read = new Set();
    fn();
    let low = top;
    let w = 0;
    for (const a of written) {
      if (a >= top - STACK && a < top) low = Math.min(low, a);
      else if (!argRange(a)) w++;
    }
    let r = 0;
    for (const a of read) if (!(a >= top - STACK && a < top) && !argRange(a) && !written.has(a)) r++;
    console.log(`| ${label} | ${top - low} | ${w.toLocaleString("en-US")} | ${r.toLocaleString("en-US")} |`);
  };
  console.log("\n| release build, one call | shadow stack bytes | linear memory written (bytes) | other bytes read (constants) |");
  console.log("| --- | ---: | ---: | ---: |");
  report("first sign (builds the 1,920-byte comb table)", () => ex.crypto_sign(args + 96, args + 160, 64, args));
  report("Ed25519 sign, 64 B message", () => ex.crypto_sign(args + 96, args + 160, 64, args));
  report("first verify (caches the odd multiples of B)", () => ex.crypto_sign_verify(args + 96, args + 160, 64, args + 64));
  report("Ed25519 verify, 64 B message", () => ex.crypto_sign_verify(args + 96, args + 160, 64, args + 64));
  if (
    ex.crypto_sign_verify(args + 96, args + 160, 64, args + 64) !== 0 ||
    Buffer.compare(Buffer.from(mem.subarray(args + 96, args + 160)), Buffer.from(sig)) !== 0
  )
    throw new Error("instrumented module computed a wrong signature");
  console.log(`\nLinear memory: ${ex.memory.buffer.byteLength / 1024} KiB in all (release); the shadow stack is the 16 KiB below ${top}.`);
}

export async function run(): Promise<void> {
  await speed();
  await size();
  memoryUse();
}
