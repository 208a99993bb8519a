// The abort handler (asc --use abort=assembly/abi/panic/onAbort). Converts the
// message to UTF-8 in a fixed buffer, so a panic never allocates, then hands it to
// the host's `panic` import, which stops the module.
import { panic } from "./imports";

const PANIC_BUF_LEN: i32 = 256;
const panicBuf = memory.data(PANIC_BUF_LEN);

// Encodes up to `room` bytes of `s` as UTF-8 at `dst`; returns bytes written.
// Non-ASCII is replaced by '?': panic text is for engineers, not users.
function asciiInto(s: string | null, dst: usize, room: i32): i32 {
  if (s === null) return 0;
  const n = min(s.length, room);
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    store<u8>(dst + <usize>i, c < 0x80 ? <u8>c : 0x3f);
  }
  return n;
}

export function onAbort(message: string | null, fileName: string | null, line: u32, column: u32): void {
  const msgLen = asciiInto(message, panicBuf, 160);
  const fileLen = asciiInto(fileName, panicBuf + 160, PANIC_BUF_LEN - 160);
  panic(panicBuf, msgLen, panicBuf + 160, fileLen, <i32>line, <i32>column);
  unreachable();
}
