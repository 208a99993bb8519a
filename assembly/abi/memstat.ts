// Heap accounting for budgets (docs/sync.md "Memory"): walks the runtime's TLSF
// blocks from the root (AssemblyScript std/assembly/rt/tlsf.ts, 32-bit layout)
// and reports what is in use. mem_paint marks every free byte that holds no
// allocator link with a pattern; a later mem_heap_stats counts free bytes that
// lost it, so used + touched is the high-water mark of the heap since the
// paint (an upper bound on the peak: freed-and-reused space counts once).
import { ROOT } from "rt/tlsf";
import { E_BOUNDS, OK } from "./errors";
import { inMemory } from "./bounds";

// tlsf.ts: FL_BITS = 23, SL_SIZE = 16, 4-byte pointers: the root is 1572 bytes.
const ROOT_SIZE: usize = 1572;
const OVERHEAD: usize = 4;
const FREE: usize = 1;
const TAGS: usize = 3;
const PAINT: u8 = 0xa7;
// A free block's payload starts with prev and next and ends with the back pointer.
const LINKS_HEAD: usize = 8;
const LINKS_TAIL: usize = 4;

function firstBlock(): usize {
  const start = changetype<usize>(ROOT) + ROOT_SIZE;
  return ((start + OVERHEAD + 15) & ~15) - OVERHEAD;
}

/** Fills the link-free part of every free block with the paint. */
export function mem_paint(): void {
  heap.free(heap.alloc(16)); // the root exists after the first allocation
  for (let b = firstBlock(); ; ) {
    const info = load<usize>(b);
    const size = info & ~TAGS;
    if (size == 0) return;
    if ((info & FREE) != 0 && size > LINKS_HEAD + LINKS_TAIL) memory.fill(b + OVERHEAD + LINKS_HEAD, PAINT, size - LINKS_HEAD - LINKS_TAIL);
    b += OVERHEAD + size;
  }
}

/**
 * Into out (5 × u32): heap bytes managed, bytes in used blocks (with headers),
 * bytes in free blocks, the largest free block, free bytes that lost the paint.
 */
export function mem_heap_stats(out: usize): i32 {
  if (!inMemory(out, 20)) return E_BOUNDS;
  heap.free(heap.alloc(16));
  let used: usize = 0;
  let free: usize = 0;
  let largest: usize = 0;
  let touched: usize = 0;
  const first = firstBlock();
  let b = first;
  for (;;) {
    const info = load<usize>(b);
    const size = info & ~TAGS;
    if (size == 0) break;
    if ((info & FREE) != 0) {
      free += OVERHEAD + size;
      if (size > largest) largest = size;
      for (let p = b + OVERHEAD + LINKS_HEAD, end = b + OVERHEAD + size - LINKS_TAIL; p < end; p++) if (load<u8>(p) != PAINT) touched++;
    } else used += OVERHEAD + size;
    b += OVERHEAD + size;
  }
  store<u32>(out, <u32>(b + OVERHEAD - changetype<usize>(ROOT)));
  store<u32>(out, <u32>used, 4);
  store<u32>(out, <u32>free, 8);
  store<u32>(out, <u32>largest, 12);
  store<u32>(out, <u32>touched, 16);
  return OK;
}
