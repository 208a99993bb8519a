// Minimal types for the untyped npm packages the identity interop tests and bench use.
declare module "secret-handshake" {
  interface KeyPair {
    publicKey: Buffer;
    secretKey: Buffer;
  }
  export interface PlainStream {
    remote: Buffer;
    source: (end: unknown, cb: (end: unknown, data?: Buffer) => void) => void;
    sink: (read: (end: unknown, cb: (end: unknown, data?: Buffer) => void) => void) => void;
  }
  type Duplex = { source: unknown; sink: unknown };
  type Cb = (err: Error | null, stream: PlainStream) => void;
  export function createServer(
    keys: KeyPair,
    authorize: (id: Buffer, cb: (err: Error | null, ok: boolean) => void) => void,
    appKey: Buffer,
    timeout?: number,
  ): (cb: Cb) => Duplex;
  export function createClient(keys: KeyPair, appKey: Buffer, timeout?: number): (server: Buffer, cb: Cb) => Duplex;
}
declare module "stream-to-pull-stream" {
  export function duplex(stream: import("node:net").Socket): { source: unknown; sink: unknown };
}
declare module "pull-stream" {
  const pull: (...streams: unknown[]) => unknown;
  export default pull;
}
declare module "pull-box-stream" {
  export function createBoxStream(key: Buffer, nonce: Buffer): unknown;
  export function createUnboxStream(key: Buffer, nonce: Buffer): unknown;
}
