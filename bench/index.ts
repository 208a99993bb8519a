// npm run bench [name...]: runs every bench/*.bench.ts (or the named ones) in one
// process, so all numbers and ratios come from the same machine and moment.
import { readdirSync } from "node:fs";
import { cpus } from "node:os";

const wanted = process.argv.slice(2);
const files = readdirSync(new URL(".", import.meta.url))
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => wanted.length === 0 || wanted.some((w) => f.startsWith(w)))
  .sort();
console.log(
  `# nymote bench — node ${process.version}, ${cpus()[0]?.model ?? "unknown cpu"} x${cpus().length}, ${new Date().toISOString()}`,
);
for (const f of files) {
  console.log(`\n## ${f.replace(".bench.ts", "")}\n`);
  const mod = (await import(`./${f}`)) as { run: () => Promise<void> };
  await mod.run();
}
