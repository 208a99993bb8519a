// Plain framing over a byte stream until the identity part's box-stream carries
// sync messages: each frame is a u16 big-endian length and that many bytes (one
// sync message, <= 4096). The first frame of a TCP connection names the device
// (interim: box-stream authentication and the certificate will name it).
export const FRAME_MAX = 4096;

/** Splits a byte stream into frames; throws on a frame longer than FRAME_MAX. */
export class FrameReader {
  private buf: Buffer = Buffer.alloc(0);

  push(chunk: Uint8Array): Uint8Array[] {
    this.buf = this.buf.length === 0 ? Buffer.from(chunk) : Buffer.concat([this.buf, chunk]);
    const out: Uint8Array[] = [];
    while (this.buf.length >= 2) {
      const n = this.buf.readUInt16BE(0);
      if (n === 0 || n > FRAME_MAX) throw new RangeError(`frame of ${n} bytes`);
      if (this.buf.length < 2 + n) break;
      out.push(new Uint8Array(this.buf.subarray(2, 2 + n)));
      this.buf = this.buf.subarray(2 + n);
    }
    return out;
  }
}

export function frame(m: Uint8Array): Uint8Array {
  const out = new Uint8Array(2 + m.length);
  out[0] = m.length >> 8;
  out[1] = m.length & 255;
  out.set(m, 2);
  return out;
}
