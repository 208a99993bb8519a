// Reading a gateway's data directory, also beside a running gateway: `nymote
// log`, `nymote get <path>`, `nymote devices` open it read-only (never merge,
// save or cut a torn tail).
import { existsSync } from "node:fs";
import { join } from "node:path";
import { decode } from "cbor-x";
import { getPath, history, treeOf } from "../sync/objects.ts";
import { Gateway } from "./gateway.ts";

/** What a reader cannot answer (no such directory, no value): the CLI prints its message alone. */
export class ReadError extends Error {}

function open(dataDir: string): Gateway {
  if (!existsSync(join(dataDir, "refs.json"))) throw new ReadError(`${dataDir} is not a gateway data directory (no refs.json)`);
  return new Gateway({ dataDir, readOnly: true });
}

export function logLines(dataDir: string, ref = "main", limit = 20): string[] {
  const gw = open(dataDir);
  try {
    return history(gw.store, gw.store.ref(ref), limit).map(
      (c) =>
        `${c.id.slice(0, 12)}  ${new Date(c.time * 1000).toISOString()}  ${c.author.replace(/ <.*>$/, "").padEnd(16)} ${c.message.trim()}`,
    );
  } finally {
    gw.close();
  }
}

export function getValue(dataDir: string, path: string, ref = "main"): unknown {
  const gw = open(dataDir);
  try {
    const v = getPath(gw.store, treeOf(gw.store, gw.store.ref(ref)), path);
    if (v === null) throw new ReadError(`no value at ${path} in ${ref}`);
    return decode(v);
  } finally {
    gw.close();
  }
}

export function deviceLines(dataDir: string): string[] {
  const gw = open(dataDir);
  try {
    return [...gw.devices.values()].map((d) => {
      const head = gw.store.ref(`devices/${d.name}`);
      const n = history(gw.store, head).length;
      return `${d.name.padEnd(12)} commits ${String(n).padStart(5)}  head ${head ? head.slice(0, 12) : "-".padEnd(12)}  key ${d.publicKey?.slice(0, 16) ?? "-"}  write ${d.write.join(",")}  read ${d.read.join(",")}`;
    });
  } finally {
    gw.close();
  }
}
