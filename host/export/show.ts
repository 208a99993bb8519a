// `nymote show`: a stored value (a CBOR blob) as CBOR diagnostic notation
// (RFC 8949 §8), for people and for git's textconv. Every item prints as what it
// is on the wire — integers stay integers, floats floats, tags keep their number
// — so a diff shows exactly what changed. Input that is not CBOR prints as hex.

const MAX_DEPTH = 64;

class Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}

  byte(): number {
    if (this.pos >= this.b.length) throw new RangeError("truncated");
    return this.b[this.pos++];
  }

  take(n: number): Uint8Array {
    if (n > this.b.length - this.pos) throw new RangeError("truncated");
    const out = this.b.subarray(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** The argument of an initial byte (RFC 8949 §3); null for indefinite length. */
  arg(info: number): bigint | null {
    if (info < 24) return BigInt(info);
    const sizes: Record<number, number> = { 24: 1, 25: 2, 26: 4, 27: 8 };
    const n = sizes[info];
    if (n !== undefined) {
      let v = 0n;
      for (const x of this.take(n)) v = (v << 8n) | BigInt(x);
      return v;
    }
    if (info === 31) return null;
    throw new RangeError(`reserved additional information ${info}`);
  }
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString("hex");
}

function floatText(x: number): string {
  if (Number.isNaN(x)) return "NaN";
  if (!Number.isFinite(x)) return x > 0 ? "Infinity" : "-Infinity";
  const s = String(x);
  return /[.e]/.test(s) ? s : `${s}.0`;
}

function halfToNumber(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const mant = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 31) return mant ? Number.NaN : sign * Number.POSITIVE_INFINITY;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

function item(r: Reader, depth: number, indent: string): string {
  if (depth > MAX_DEPTH) throw new RangeError("nested too deeply");
  const ib = r.byte();
  const major = ib >> 5;
  const info = ib & 0x1f;
  if (major === 7) {
    if (info === 20) return "false";
    if (info === 21) return "true";
    if (info === 22) return "null";
    if (info === 23) return "undefined";
    if (info === 24) return `simple(${r.byte()})`;
    if (info === 25) return floatText(halfToNumber((r.byte() << 8) | r.byte()));
    if (info === 26) return floatText(new DataView(r.take(4).slice().buffer).getFloat32(0));
    if (info === 27) return floatText(new DataView(r.take(8).slice().buffer).getFloat64(0));
    if (info < 20) return `simple(${info})`;
    throw new RangeError("unexpected break");
  }
  const arg = r.arg(info);
  const inner = `${indent}  `;
  switch (major) {
    case 0:
      return String(arg);
    case 1:
      return String(-1n - (arg as bigint));
    case 2:
    case 3: {
      const chunks: Uint8Array[] = [];
      if (arg === null) {
        for (let b = r.b[r.pos]; b !== 0xff; b = r.b[r.pos]) {
          const c = r.byte();
          if (c >> 5 !== major) throw new RangeError("bad chunk");
          chunks.push(r.take(Number(r.arg(c & 0x1f) ?? 0n)));
        }
        r.pos++;
      } else chunks.push(r.take(Number(arg)));
      const text = (c: Uint8Array) => (major === 2 ? `h'${hex(c)}'` : JSON.stringify(new TextDecoder("utf-8", { fatal: true }).decode(c)));
      return arg === null ? `(_ ${chunks.map(text).join(", ")})` : text(chunks[0]);
    }
    case 4:
    case 5: {
      const parts: string[] = [];
      const more = (i: number) => (arg === null ? r.b[r.pos] !== 0xff : i < Number(arg));
      for (let i = 0; more(i); i++) {
        if (r.pos >= r.b.length) throw new RangeError("truncated");
        const k = item(r, depth + 1, inner);
        parts.push(major === 4 ? k : `${k}: ${item(r, depth + 1, inner)}`);
      }
      if (arg === null) r.pos++;
      const [open, close] = major === 4 ? ["[", "]"] : ["{", "}"];
      const pre = arg === null ? "_ " : "";
      if (parts.length === 0) return `${open}${pre}${close}`;
      return `${open}${pre}\n${parts.map((p) => inner + p).join(",\n")}\n${indent}${close}`;
    }
    default:
      return `${arg}(${item(r, depth + 1, indent)})`;
  }
}

/** The CBOR item(s) in `bytes` as diagnostic notation; hex if it is not well-formed CBOR. */
export function cborDiagnostic(bytes: Uint8Array): string {
  const r = new Reader(bytes);
  const items: string[] = [];
  try {
    while (r.pos < bytes.length) items.push(item(r, 0, ""));
  } catch (e) {
    return `(not CBOR: ${(e as Error).message}) h'${hex(bytes)}'`;
  }
  return items.join("\n");
}
