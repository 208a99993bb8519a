import { errorName } from "../../bindings/abi.ts";

/** A core call returned a negative ABI error code. */
export class NymoteError extends Error {
  readonly code: number;
  readonly codeName: string;
  constructor(code: number, what: string) {
    super(`${what}: ${errorName(code)}`);
    this.name = "NymoteError";
    this.code = code;
    this.codeName = errorName(code);
  }
}

/** The core hit an internal invariant (a bug in the core, not bad input). */
export class NymotePanic extends Error {
  readonly file: string;
  readonly line: number;
  readonly column: number;
  constructor(message: string, file: string, line: number, column: number) {
    super(`core panic: ${message} at ${file}:${line}:${column}`);
    this.name = "NymotePanic";
    this.file = file;
    this.line = line;
    this.column = column;
  }
}

/** Throws NymoteError for a negative return code; passes other values through. */
export function check(rc: number, what: string): number {
  if (rc < 0) throw new NymoteError(rc, what);
  return rc;
}
