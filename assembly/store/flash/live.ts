// Which objects survive compaction once a gateway has acknowledged a commit (a
// prune marker exists): those reachable from every ref's head through commits down
// to, and including, the acknowledged commit, whose parents are dropped like a
// shallow clone's. Objects the walk cannot reach from there are reclaimed; objects
// written since the last ref update are never filtered (log.ts protectSeq).
//
// Bounded memory, no set of all live ids: the walk marks a Bloom filter of
// LIVE_BYTES. A false positive only keeps a dead object a little longer; a missed
// mark would lose data, so every bound that could stop the walk early (the commit
// stack, the visit budget, tree depth, a missing tree) makes the whole filter
// "everything is live" instead. Exact caches of recently walked commits and trees
// spare re-walking the history's shared subtrees.
import { E_LIMIT, OK } from "../../abi/errors";
import { ID_LEN, OBJ_COMMIT } from "../backend";
import { CommitInfo } from "../commit";
import { DEPTH_MAX } from "../limits";
import { KIND_TREE, TreeReader } from "../tree";
import { flashBackend } from "./backend";
import { liveEpoch, pruneId, pruneLoc, refCount, refTarget, setLiveFilter } from "./log";

const LIVE_BYTES: i32 = 2048;
const STACK_MAX: i32 = 16;
/** Commits one walk may visit (merges can revisit shared history). */
const VISIT_MAX: i32 = 4096;
const SEEN_N: i32 = 32;

// Taken from the heap at the first flash_store_open (see log.ts allocTables).
let bits: usize = 0;
let stack: usize = 0;
let seenCommits: usize = 0;
let seenTrees: usize = 0;
let info: CommitInfo | null = null;
const readers = new StaticArray<TreeReader | null>(DEPTH_MAX + 1);

/** Heap bytes of the liveness walk's own tables (the Bloom filter, stack and caches). */
const LIVE_TABLES: i32 = LIVE_BYTES + STACK_MAX * ID_LEN + 2 * SEEN_N * ID_LEN;
/** All of the walk's RAM: its tables, one tree reader per level (id + 320-byte window), the commit reader. */
export const LIVE_RAM: i32 = LIVE_TABLES + (DEPTH_MAX + 1) * (ID_LEN + 320) + ID_LEN * 9 + 256;

let builtEpoch: i32 = -1;
let allLive = true;
// Check mode (flash_store_check): every reachable object must be stored and pass its
// CRC; problems are counted instead of stopping the walk.
let verifying = false;
let problems: i32 = 0;

// In check mode: counts id as a problem unless it is stored and its body reads back.
function verify(id: usize): bool {
  if (!verifying) return true;
  if (flashBackend.readAt(id, 0, 0, 0) == 0) return true;
  problems++;
  return false;
}

@inline function bitAt(id: usize, k: i32): u32 {
  return load<u32>(id + (<usize>k << 2)) % <u32>(LIVE_BYTES << 3);
}

function mark(id: usize): void {
  for (let k = 0; k < 3; k++) {
    const b = bitAt(id, k);
    const a = bits + <usize>(b >> 3);
    store<u8>(a, load<u8>(a) | <u8>(1 << <u8>(b & 7)));
  }
}

function marked(id: usize): bool {
  for (let k = 0; k < 3; k++) {
    const b = bitAt(id, k);
    if ((load<u8>(bits + <usize>(b >> 3)) & <u8>(1 << <u8>(b & 7))) == 0) return false;
  }
  return true;
}

// Exact direct-mapped "seen" cache; returns true if id was there, else records it.
function seen(cache: usize, id: usize): bool {
  const slot = cache + <usize>((load<u32>(id, 8) & <u32>(SEEN_N - 1)) * <u32>ID_LEN);
  if (memory.compare(slot, id, ID_LEN) == 0) return true;
  memory.copy(slot, id, ID_LEN);
  return false;
}

function walkTree(id: usize, depth: i32): i32 {
  mark(id);
  if (seen(seenTrees, id)) return OK;
  if (depth > DEPTH_MAX) return E_LIMIT;
  if (!verify(id)) return OK;
  const r = unchecked(readers[depth])!;
  let rc = r.open(flashBackend, id);
  if (rc < 0) return rc;
  while ((rc = r.next()) == 1) {
    mark(r.entryId);
    if (r.kind != KIND_TREE) verify(r.entryId);
    else {
      const sub = walkTree(r.entryId, depth + 1);
      if (sub < 0) return sub;
    }
  }
  return rc;
}

function walk(): i32 {
  memory.fill(bits, 0, LIVE_BYTES);
  memory.fill(seenCommits, 0, SEEN_N * ID_LEN);
  memory.fill(seenTrees, 0, SEEN_N * ID_LEN);
  let top = 0;
  for (let i = 0; i < refCount(); i++) {
    const t = refTarget(i);
    let zero = true;
    for (let k = 0; k < ID_LEN; k++) if (load<u8>(t + <usize>k) != 0) zero = false;
    if (zero) continue;
    if (verifying && flashBackend.has(t) != 1) {
      problems++;
      continue;
    }
    if (top >= STACK_MAX) return E_LIMIT;
    memory.copy(stack + <usize>(top++ * ID_LEN), t, ID_LEN);
  }
  let budget = VISIT_MAX;
  while (top > 0) {
    if (budget-- <= 0) return E_LIMIT;
    const c = stack + <usize>(--top * ID_LEN);
    if (flashBackend.has(c) != 1) {
      // A parent behind a prune is the shallow boundary (heads were checked above).
      if (verifying && pruneLoc == 0) problems++;
      continue;
    }
    mark(c);
    if (!verify(c)) continue;
    if (seen(seenCommits, c)) continue;
    if (flashBackend.typeOf(c) != OBJ_COMMIT) continue; // a ref at a raw object keeps just it
    const ci = info!;
    let rc = ci.read(flashBackend, c);
    if (rc < 0) {
      if (!verifying) return rc;
      problems++; // a commit that does not parse
      continue;
    }
    rc = walkTree(ci.tree, 0);
    if (rc < 0) return rc;
    if (pruneLoc != 0 && memory.compare(c, pruneId, ID_LEN) == 0) continue;
    for (let p = 0; p < ci.parentCount; p++) {
      if (top >= STACK_MAX) return E_LIMIT;
      memory.copy(stack + <usize>(top++ * ID_LEN), ci.parent(p), ID_LEN);
    }
  }
  return OK;
}

function isLive(id: usize): bool {
  if (builtEpoch != liveEpoch) {
    builtEpoch = liveEpoch;
    allLive = walk() != OK;
  }
  return allLive || marked(id);
}

/**
 * flash_store_check's store half: walks every ref's history (down to the prune
 * point) and counts reachable objects that are missing or fail their CRC.
 */
export function checkReachable(): i32 {
  verifying = true;
  problems = 0;
  const rc = walk();
  verifying = false;
  builtEpoch = -1; // the walk reused the filter's bits
  return rc < 0 ? rc : problems;
}

/** Installs the store-aware liveness filter into the log (called by flash_store_open). */
export function installLiveness(): void {
  if (bits == 0) {
    bits = heap.alloc(<usize>LIVE_TABLES);
    stack = bits + <usize>LIVE_BYTES;
    seenCommits = stack + <usize>(STACK_MAX * ID_LEN);
    seenTrees = seenCommits + <usize>(SEEN_N * ID_LEN);
    info = new CommitInfo();
    for (let i = 0; i <= DEPTH_MAX; i++) unchecked((readers[i] = new TreeReader()));
  }
  builtEpoch = -1;
  setLiveFilter(isLive);
}
