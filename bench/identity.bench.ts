// Secret Handshake: both sides in one process, Nymote-Wasm (two cores, gateway and
// release builds) against the npm `secret-handshake` package (chloride: libsodium);
// box-stream throughput against npm `pull-box-stream`; bytes on the wire per
// handshake, certificate exchange and framed message.

import * as boxes from "pull-box-stream";
import pull from "pull-stream";
import * as shs from "secret-handshake";
import nacl from "tweetnacl";
import type { Target } from "../host/build/compile.ts";
import { CoreSession } from "../host/identity/device.ts";
import { certFor, newDevice, newOwner, shuttle } from "../tests/identity/helpers.ts";

const MIN_MS = Number(process.env.BENCH_MS ?? 1500);

async function measure(fn: () => void | Promise<void>, minMs = MIN_MS): Promise<number> {
  for (let i = 0; i < 3; i++) await fn();
  let n = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < minMs) {
    await fn();
    n++;
  }
  return (n * 1000) / (performance.now() - t0);
}

function coreHandshake(target: Target, certificates: boolean) {
  const owner = newOwner();
  const server = newDevice(owner, { target, name: "gateway", write: [""], read: [""] });
  const client = newDevice(owner, { target, name: "kitchen", write: ["sensors/kitchen"] });
  let wire = { ab: 0, ba: 0 };
  const run = () => {
    const s = CoreSession.server(server.core, { transportOnly: !certificates });
    const c = CoreSession.client(client.core, server.publicKey, { transportOnly: !certificates });
    wire = shuttle(c, s);
    if (!s.events().includes(certificates ? 2 : 1)) throw new Error("handshake failed");
    s.free();
    c.free();
  };
  return { run, wire: () => wire.ab + wire.ba, s: server, c: client };
}

function npmHandshake(): () => Promise<void> {
  const appKey = Buffer.from(nacl.randomBytes(32));
  const kp = () => {
    const k = nacl.sign.keyPair();
    return { publicKey: Buffer.from(k.publicKey), secretKey: Buffer.from(k.secretKey) };
  };
  const alice = kp();
  const bob = kp();
  const createServer = shs.createServer(bob, (_id, cb) => cb(null, true), appKey);
  const createClient = shs.createClient(alice, appKey);
  return () =>
    new Promise<void>((resolve, reject) => {
      let done = 0;
      const finish = (err: Error | null) => {
        if (err) reject(err);
        else if (++done === 2) resolve();
      };
      const b = createServer((err) => finish(err));
      const a = createClient(bob.publicKey, (err) => finish(err));
      pull(a, b, a);
    });
}

function boxStreamNpm(payload: Buffer): () => Promise<void> {
  const key = Buffer.from(nacl.randomBytes(32));
  const nonce = Buffer.from(nacl.randomBytes(24));
  return () =>
    new Promise<void>((resolve, reject) => {
      let values = [payload];
      const source = (end: unknown, cb: (end: unknown, data?: Buffer) => void) => {
        if (end) return cb(end);
        const v = values.shift();
        if (!v) return cb(true);
        cb(null, v);
      };
      values = [payload];
      let got = 0;
      pull(
        source,
        boxes.createBoxStream(key, nonce),
        boxes.createUnboxStream(key, nonce),
        (read: (end: unknown, cb: (end: unknown, data?: Buffer) => void) => void) => {
          const next = () =>
            read(null, (end, data) => {
              if (end === true) return got === payload.length ? resolve() : reject(new Error("short"));
              if (end) return reject(end);
              got += data!.length;
              next();
            });
          next();
        },
      );
    });
}

function boxStreamCore(target: Target, payload: Uint8Array) {
  const h = coreHandshake(target, false);
  const s = CoreSession.server(h.s.core, { transportOnly: true });
  const c = CoreSession.client(h.c.core, h.s.publicKey, { transportOnly: true });
  shuttle(c, s);
  return () => {
    let sent = 0;
    let got = 0;
    while (got < payload.length) {
      if (sent < payload.length) sent += c.write(payload.subarray(sent));
      const wire = c.take();
      let off = 0;
      while (off < wire.length) {
        off += s.receive(wire.subarray(off));
        got += s.read().length;
      }
    }
  };
}

const fmt = (x: number) => (x >= 100 ? x.toFixed(0) : x.toFixed(1));

export async function run(): Promise<void> {
  const rows: string[] = [];
  const npm = await measure(npmHandshake());
  const results: [string, number, number][] = [];
  for (const target of ["gateway", "release"] as Target[]) {
    const plain = coreHandshake(target, false);
    results.push([`Nymote-Wasm (${target}) handshake`, await measure(plain.run), plain.wire()]);
    const full = coreHandshake(target, true);
    results.push([`Nymote-Wasm (${target}) handshake + certificates`, await measure(full.run), full.wire()]);
  }
  rows.push("| both sides in one process | handshakes/s | ms each | vs npm | bytes on the wire |");
  rows.push("| --- | ---: | ---: | ---: | ---: |");
  rows.push(`| npm secret-handshake 1.1.21 (chloride) | ${fmt(npm)} | ${(1000 / npm).toFixed(2)} | 1.00 | 320 |`);
  for (const [name, ops, wire] of results)
    rows.push(`| ${name} | ${fmt(ops)} | ${(1000 / ops).toFixed(2)} | ${(ops / npm).toFixed(2)} | ${wire} |`);
  console.log(rows.join("\n"));

  const size = 64 * 1024;
  const data = nacl.randomBytes(size);
  const npmBox = await measure(boxStreamNpm(Buffer.from(data)));
  const box: string[] = [];
  box.push("\n| box-stream, 64 KiB one way (encrypt + decrypt) | MB/s | vs npm |");
  box.push("| --- | ---: | ---: |");
  box.push(`| npm pull-box-stream (chloride) | ${fmt((npmBox * size) / 1e6)} | 1.00 |`);
  for (const target of ["gateway", "release"] as Target[]) {
    const ops = await measure(boxStreamCore(target, data));
    box.push(`| Nymote-Wasm (${target}) | ${fmt((ops * size) / 1e6)} | ${(ops / npmBox).toFixed(2)} |`);
  }
  console.log(box.join("\n"));

  // Measured on a live session pair: what take() hands to the transport.
  const h = coreHandshake("gateway", false);
  const s = CoreSession.server(h.s.core, { transportOnly: true });
  const c = CoreSession.client(h.c.core, h.s.publicKey, { transportOnly: true });
  const hs = shuttle(c, s);
  const cert = certFor(newOwner(), nacl.randomBytes(32), { name: "kitchen", write: ["sensors/kitchen"], read: ["config/kitchen"] });
  const sent = (n: number) => {
    const data = nacl.randomBytes(n);
    let bytes = 0;
    for (let off = 0; off < n; ) {
      off += c.write(data.subarray(off));
      const out = c.take();
      bytes += out.length;
      for (let used = 0; used < out.length; s.read()) used += s.receive(out.subarray(used));
    }
    return bytes;
  };
  const wire: string[] = [];
  wire.push("\n| on the wire (measured) | payload | bytes | overhead |");
  wire.push("| --- | ---: | ---: | ---: |");
  wire.push(`| handshake, client → server / server → client | 0 | ${hs.ab} / ${hs.ba} | - |`);
  wire.push(`| certificate frame (kitchen, one prefix each way) | ${cert.length} | ${sent(cert.length)} | 34 |`);
  for (const n of [1, 100, 1000, 4096, 10000]) {
    const bytes = sent(n);
    wire.push(`| data, ${n} B | ${n} | ${bytes} | ${((100 * (bytes - n)) / n).toFixed(1)}% |`);
  }
  c.close();
  wire.push(`| goodbye | 0 | ${c.take().length} | - |`);
  console.log(wire.join("\n"));
}
