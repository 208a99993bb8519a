// The self-test can fail: a copy of assembly/selftest.ts with wrong known answers
// (one a family: Ed25519, X25519, secretbox, the merged counter) must fail the
// native run, naming each check, with the count as the exit message.
import assert from "node:assert/strict";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { test } from "node:test";
import { loadBoard } from "../../host/build/boards.ts";
import { repoRoot } from "../../host/build/compile.ts";
import { buildImage } from "../../host/build/image.ts";
import { buildNative, runNative } from "../../host/build/native.ts";

const tmp = (name: string) => mkdtempSync(join(tmpdir(), `nymote-${name}-`));

/** [text in selftest.ts, its wrong replacement, the checks that must fail] */
const WRONG: [from: string, to: string, fails: string[]][] = [
  ['"e5564300c360ac72', '"e4564300c360ac72', ["ed25519: RFC 8032 TEST 1 signature", "ed25519: RFC 8032 TEST 1 verifies"]],
  ['"c3da55379de9c690', '"c3da55389de9c690', ["x25519: RFC 7748 5.2 vector 1"]],
  ['"4a5d9d5ba4ce2de1', '"4a5d9d5ba4ce2de0', ["x25519: RFC 7748 6.1 shared secret (Alice)", "x25519: RFC 7748 6.1 shared secret (Bob)"]],
  ['"f3ffc7703f9400e5', '"f3ffc7703f9400e6', ["secretbox: NaCl secretbox.c box", "secretbox: NaCl box opens to the message"]],
  [
    'boots(h, merged) == 10, "merge: the counter sums',
    'boots(h, merged) == 11, "merge: the counter sums',
    ["merge: the counter sums every writer's share (5 + 2 + 3)"],
  ],
];

test("a wrong known answer makes the native self-test fail, naming the check", async () => {
  const out = tmp("selftest-wrong");
  // The copy sits outside the checkout, so nymote build stages it in app/ beside assembly/.
  let src = readFileSync(join(repoRoot, "assembly/selftest.ts"), "utf8").replaceAll('from "./', 'from "../assembly/');
  for (const [from, to] of WRONG) {
    assert.ok(src.includes(from), `vector ${from} is in assembly/selftest.ts`);
    src = src.replaceAll(from, to);
  }
  const entry = join(out, "src/selftest.ts");
  mkdirSync(dirname(entry), { recursive: true });
  writeFileSync(entry, src);
  const board = loadBoard("host");
  await buildImage({ app: entry, board, outDir: join(out, "build"), kind: "selftest" });
  const run = runNative(board, buildNative(board, join(out, "build"), { selftest: true }).elf, join(out, "build"));
  const fails = WRONG.flatMap((w) => w[2]);
  assert.equal(run.status, 1, run.output);
  assert.match(run.output, new RegExp(`selftest FAILED \\(${fails.length} failed of \\d+ checks\\)`));
  for (const name of fails) assert.ok(run.output.includes(`selftest FAIL: ${name}`), `${name} failed:\n${run.output}`);
});
