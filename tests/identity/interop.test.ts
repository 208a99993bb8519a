// Interoperability over loopback TCP with the npm `secret-handshake` package (and its
// pull-box-stream): our client against its server, its client against our server,
// and our core against our core, each exchanging certificates and then data both
// ways. The npm side plays the certificate protocol by hand: its first frame is its
// certificate, and it checks ours with the host verifier.
import assert from "node:assert/strict";
import { connect, createServer, type Server, type Socket } from "node:net";
import { test } from "node:test";
import pull from "pull-stream";
import * as shs from "secret-handshake";
import toPull from "stream-to-pull-stream";
import nacl from "tweetnacl";
import { CoreSession, pumpSocket } from "../../host/identity/device.ts";
import { readCertificate } from "../../host/identity/index.ts";
import { certFor, concat, newDevice, newOwner, type Owner, TARGETS } from "./helpers.ts";

type Source = (end: unknown, cb: (end: unknown, data?: Buffer) => void) => void;

/** A pull-stream source fed by push(); end() sends the box-stream goodbye. */
function queueSource() {
  const q: Buffer[] = [];
  let waiting: ((end: unknown, data?: Buffer) => void) | null = null;
  let ended = false;
  const source: Source = (end, cb) => {
    if (end) return cb(end);
    if (q.length > 0) return cb(null, q.shift());
    if (ended) return cb(true);
    waiting = cb;
  };
  return {
    source,
    push(b: Uint8Array) {
      const w = waiting;
      waiting = null;
      if (w) w(null, Buffer.from(b));
      else q.push(Buffer.from(b));
    },
    end() {
      ended = true;
      const w = waiting;
      waiting = null;
      if (w) w(true);
    },
  };
}

function drain(source: Source, onData: (b: Buffer) => void, onEnd: (end: unknown) => void): void {
  const next = (): void =>
    source(null, (end, data) => {
      if (end) return onEnd(end);
      onData(data!);
      next();
    });
  next();
}

interface NpmPeerResult {
  /** Plaintext the npm side received after our certificate. */
  received: Buffer;
  remote: Buffer;
}

/**
 * The npm side of a session: sends its certificate, checks ours, echoes every chunk
 * it receives with one byte added, and resolves when our goodbye arrives.
 */
function npmPeer(plain: shs.PlainStream, owner: Owner, myCert: Uint8Array, expectDevice: Uint8Array): Promise<NpmPeerResult> {
  return new Promise((resolve, reject) => {
    const out = queueSource();
    plain.sink(out.source);
    out.push(myCert);
    let first = true;
    const got: Buffer[] = [];
    drain(
      plain.source,
      (chunk) => {
        if (first) {
          first = false;
          try {
            const cert = readCertificate(chunk, owner.publicKey);
            assert.deepEqual(cert.device, new Uint8Array(expectDevice));
            assert.deepEqual(new Uint8Array(plain.remote), new Uint8Array(expectDevice));
          } catch (e) {
            reject(e);
          }
          return;
        }
        got.push(chunk);
        out.push(concat(chunk, new Uint8Array([0xee])));
      },
      (end) => {
        out.end();
        if (end === true) resolve({ received: Buffer.concat(got), remote: plain.remote });
        else reject(end instanceof Error ? end : new Error(String(end)));
      },
    );
  });
}

function listen(onSocket: (s: Socket) => void): Promise<{ server: Server; port: number }> {
  return new Promise((resolve) => {
    const server = createServer(onSocket);
    server.listen(0, "127.0.0.1", () => {
      const addr = server.address();
      resolve({ server, port: typeof addr === "object" && addr ? addr.port : 0 });
    });
  });
}

function keyPair() {
  const kp = nacl.sign.keyPair();
  return { publicKey: Buffer.from(kp.publicKey), secretKey: Buffer.from(kp.secretKey) };
}

/** Sends `data` from our side and waits for the npm side's echo (chunks + 0xee each). */
async function ourSide(session: CoreSession, socket: Socket, data: Uint8Array, peerName: string) {
  let echoed: Uint8Array = new Uint8Array(0);
  let onEcho: () => void = () => {};
  const link = pumpSocket(session, socket, {
    onData: (d) => {
      echoed = concat(echoed, d);
      onEcho();
    },
  });
  await link.open;
  assert.equal(session.remoteName(), peerName);
  link.send(data);
  await new Promise<void>((res) => {
    onEcho = () => {
      if (echoed.filter((b) => b === 0xee).length >= 1 && stripMarks(echoed).length >= data.length) res();
    };
    onEcho();
  });
  link.end();
  return echoed;
}

// The echo adds 0xee after each chunk; data is built without 0xee bytes.
function stripMarks(b: Uint8Array): Uint8Array {
  return b.filter((x) => x !== 0xee);
}

function payload(n: number): Uint8Array {
  return nacl.randomBytes(n).map((x) => (x === 0xee ? 0 : x));
}

for (const target of TARGETS) {
  test(`${target}: our client against the npm secret-handshake server over TCP`, async () => {
    const owner = newOwner();
    const npmKeys = keyPair();
    const npmCert = certFor(owner, npmKeys.publicKey, { name: "npm-gateway", write: [""], read: [""] });
    const device = newDevice(owner, { target, name: "kitchen", write: ["sensors/kitchen"] });
    const createServerStream = shs.createServer(npmKeys, (_id, cb) => cb(null, true), Buffer.from(owner.networkKey));
    let npmOk!: (r: NpmPeerResult) => void;
    let npmFail!: (e: unknown) => void;
    const npmDone = new Promise<NpmPeerResult>((res, rej) => {
      npmOk = res;
      npmFail = rej;
    });
    const { server, port } = await listen((socket) => {
      const stream = toPull.duplex(socket);
      pull(
        stream,
        createServerStream((err, plain) => {
          if (err) return npmFail(err);
          npmPeer(plain, owner, npmCert, device.publicKey).then(npmOk, npmFail);
        }),
        stream,
      );
    });
    const data = payload(10000);
    const session = CoreSession.client(device.core, npmKeys.publicKey);
    const echoed = await ourSide(session, connect(port, "127.0.0.1"), data, "npm-gateway");
    const npm = await npmDone;
    assert.deepEqual(new Uint8Array(npm.received), data);
    assert.deepEqual(stripMarks(echoed), data);
    session.free();
    server.close();
  });

  test(`${target}: the npm secret-handshake client against our server over TCP`, async () => {
    const owner = newOwner();
    const npmKeys = keyPair();
    const npmCert = certFor(owner, npmKeys.publicKey, { name: "npm-phone", write: ["phone"], read: [""] });
    const device = newDevice(owner, { target, name: "gateway", write: [""], read: [""] });
    const data = payload(9000);
    let session!: CoreSession;
    let ours!: Promise<Uint8Array>;
    const { server, port } = await listen((socket) => {
      session = CoreSession.server(device.core);
      ours = ourSide(session, socket, data, "npm-phone");
    });
    const createClientStream = shs.createClient(npmKeys, Buffer.from(owner.networkKey));
    const npm = await new Promise<NpmPeerResult>((resolve, reject) => {
      const socket = connect(port, "127.0.0.1");
      const stream = toPull.duplex(socket);
      pull(
        stream,
        createClientStream(Buffer.from(device.publicKey), (err, plain) => {
          if (err) return reject(err);
          npmPeer(plain, owner, npmCert, device.publicKey).then(resolve, reject);
        }),
        stream,
      );
    });
    const echoed = await ours;
    assert.deepEqual(new Uint8Array(npm.received), data);
    assert.deepEqual(stripMarks(echoed), data);
    assert.deepEqual(new Uint8Array(npm.remote), device.publicKey);
    assert.equal(session.may(true, "phone/photos"), 0);
    assert.equal(session.may(true, "sensors"), -11);
    session.free();
    server.close();
  });
}

test("our core against our core over TCP", async () => {
  const owner = newOwner();
  const a = newDevice(owner, { name: "gateway", write: [""], read: [""] });
  const b = newDevice(owner, { target: "release", name: "door", write: ["door"] });
  const data = payload(20000);
  const got = new Promise<Uint8Array>((resolve, reject) => {
    void listen((socket) => {
      const s = CoreSession.server(a.core);
      let all: Uint8Array = new Uint8Array(0);
      const link = pumpSocket(s, socket, {
        onData: (d) => {
          all = concat(all, d);
          link.send(d.slice().reverse());
        },
        onClose: () => resolve(all),
        onError: (code) => reject(new Error(`server session ${code}`)),
      });
    }).then(async ({ server, port }) => {
      const c = CoreSession.client(b.core, a.publicKey);
      let back = 0;
      let done: () => void = () => {};
      const link = pumpSocket(c, connect(port, "127.0.0.1"), {
        onData: (d) => {
          back += d.length;
          if (back >= data.length) done();
        },
      });
      await link.open;
      assert.equal(c.remoteName(), "gateway");
      link.send(data);
      await new Promise<void>((res) => {
        done = res;
      });
      link.end();
      server.close();
    });
  });
  assert.deepEqual(await got, data);
});

test("TCP: the npm client with the wrong network key, and our client to the wrong server key, both fail", async () => {
  const owner = newOwner();
  const device = newDevice(owner, { name: "gateway" });
  const failures: number[] = [];
  const { server, port } = await listen((socket) => {
    pumpSocket(CoreSession.server(device.core), socket, { onError: (code) => failures.push(code) });
  });
  const npmErr = await new Promise<Error | null>((resolve) => {
    const socket = connect(port, "127.0.0.1");
    const stream = toPull.duplex(socket);
    pull(
      stream,
      shs.createClient(keyPair(), Buffer.from(nacl.randomBytes(32)), 2000)(Buffer.from(device.publicKey), (err) => resolve(err)),
      stream,
    );
  });
  assert.ok(npmErr instanceof Error);
  assert.deepEqual(failures, [-6]);
  server.close();

  // our client expects another server key: the npm server refuses the client auth and hangs up
  const npmKeys = keyPair();
  const client = newDevice(owner);
  const npmServerErr = new Promise<Error | null>((resolve) => {
    void listen((socket) => {
      const stream = toPull.duplex(socket);
      pull(
        stream,
        shs.createServer(npmKeys, (_id, cb) => cb(null, true), Buffer.from(owner.networkKey), 2000)((err) => resolve(err)),
        stream,
      );
    }).then(({ server: s2, port: p2 }) => {
      const session = CoreSession.client(client.core, nacl.sign.keyPair().publicKey);
      const link = pumpSocket(session, connect(p2, "127.0.0.1"), {});
      link.open.catch(() => s2.close());
    });
  });
  assert.ok((await npmServerErr) instanceof Error);
});
