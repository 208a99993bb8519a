// The object and ref log on raw NOR flash (sectors SECRET_SECTORS .. N-1).
//
// Sector header, two separately programmed slots, each stored twice (each copy
// padded to the granularity):
//   slot A, copy 0 and 1:  u32 magic "NYL2", u32 erase count, u32 CRC-32 of the 8 bytes
//   slot B, copy 0 and 1:  u32 seq, u32 CRC-32 of (seq, erase count)
// Slot A is written right after an erase ("formatted, free"), slot B when the sector
// joins the log ("in use", seq strictly increasing), so an erase count survives
// while the sector is free. No valid copy of slot A means "dirty: erase before use"
// (an interrupted erase); one valid copy is enough, so a bit flip in a header
// neither hides a sector's records nor lets it be erased (classify()).
//
// Record (at a granule-aligned offset, never spanning sectors):
//   0 u16 body length   2 u8 kind   3 u8 aux   4 32-byte id
//   36 u32 CRC-32 of the body      40 u32 CRC-32 of bytes [0, 40)
//   body at roundUp(44), padded to the granularity with erased bytes
// kind OBJ: aux = object type, id = object id, body = object body.
// kind REF: aux = name length, id = target (all zero: deleted), body = name.
// kind PRUNE: id = the commit the gateway acknowledged (history behind it may go).
// Later records win: order is (sector seq, offset).
//
// Crash rules (the LittleFS/NVS argument): bytes are only ever appended at the head
// (the in-use sector with the highest seq), a record's header is written before its
// body, and a header CRC guards the length. After a cut, only the last record of the
// head can be torn: a torn header ends the sector (it is sealed; the next append
// opens a new sector), a torn body fails its CRC (mount checks the head's bodies),
// so the record is ignored, and mount kills its header (killRecord) so it stays
// ignored once the head moves on. An interrupted erase leaves slot A invalid (dirty) or, if
// it "resurrects" an old header, a sector of stale duplicates that are older than
// their copies. A sector is erased only after all its live records were copied.
//
// Memory is bounded by the partition's size, never by the data: per-sector tables
// (12 bytes a sector), a Bloom filter of indexBytes() split across sectors, a lookup
// cache of CACHE_N entries and the ref table. See docs/flash.md for the costs.
import { E_CONFLICT, E_CORRUPT, E_FULL, E_INVAL, E_IO, E_LIMIT, E_NOTFOUND, E_STATE, E_UNSUPPORTED, OK } from "../../abi/errors";
import { flash_erase, flash_read, flash_write } from "../../abi/imports";
import { ID_LEN, REF_NAME_MAX } from "../backend";
import { DEVICE_OBJECT_MAX } from "../limits";
import { crc32 } from "./crc32";
import { granule, loadGeometry, roundUp, SECRET_SECTORS, sectorCount, sectorSize } from "./geometry";

export const KIND_OBJ: i32 = 1;
export const KIND_REF: i32 = 2;
export const KIND_PRUNE: i32 = 3;

export const REC_HEAD: i32 = 44;
/** Bytes of Bloom filter shared by all sectors, at least (per sector: indexBytes() / sectors). */
export const INDEX_BYTES: i32 = 8192;
/** Bloom bytes a sector gets at least: partitions past 512 sectors grow the index. */
export const INDEX_PER_SECTOR: i32 = 16;
/**
 * Sector scans a put spends looking for an existing copy before it appends: a miss
 * past the budget writes a duplicate, which compaction later drops, instead of
 * paying a scan of every false-positive sector on every new object.
 */
export const PUT_SCANS: i32 = 4;
/** Direct-mapped id -> location cache entries (8 bytes each). */
export const CACHE_N: i32 = 128;
/** Distinct ref names, deleted ones included (their tombstones must be kept). */
export const MAX_REFS: i32 = 16;

// Allocation levels: how many free sectors must stay free after the allocation.
export const LEVEL_USER: i32 = 2; // object writes
export const LEVEL_META: i32 = 1; // ref updates and prune markers
export const LEVEL_GC: i32 = 0; // compaction copies

const SEC_MAGIC: u32 = 0x324c594e; // "NYL2" (the single-copy "NYLG" header is not read)
const ST_DIRTY: u8 = 0;
const ST_FREE: u8 = 1;
const ST_USED: u8 = 2;
const ST_SEALED: u8 = 3;
/** Records under a header with no valid copy of a slot: kept and reported, never used or erased. */
const ST_LOST: u8 = 4;

/** Evacuate the least-worn in-use sector when max - min erase counts exceed this. */
export const WEAR_DELTA: u32 = 16;

// ---- fixed tables ----------------------------------------------------------------
// The large tables are taken from the heap once, at the first mount, so a core that
// never opens the partition (the gateway's own store, crypto-only hosts) does not
// pay for them; they are never freed. The small buffers are static.
const REF_SLOT: i32 = REF_NAME_MAX + 4 + ID_LEN + 4;
/** Per-sector table bytes: seq u32, erase count u32, order u16, state u8, degraded u8. */
const PER_SECTOR: i32 = 4 + 4 + 2 + 1 + 1;
let tables: usize = 0;
let tablesFor: i32 = 0; // the sector count the tables were sized for
let secSeq: usize = 0;
let secErase: usize = 0;
let secState: usize = 0;
let secDegraded: usize = 0; // 1: a header copy decayed (reported; compaction rewrites the sector)
let order: usize = 0; // in-use sectors, ascending seq
let index: usize = 0;
let cache: usize = 0;
let refs: usize = 0;
const hbuf = memory.data(64); // record or sector header
const hbuf2 = memory.data(64);
const hsave = memory.data(64);
const idTmp = memory.data(ID_LEN);
const CBUF: i32 = 256;
const cbuf = memory.data(CBUF);
const zeroId = memory.data(ID_LEN);

/** Bloom index bytes for a partition of n sectors. */
function indexBytes(n: i32): i32 {
  return max(INDEX_BYTES, n * INDEX_PER_SECTOR);
}

/** Heap bytes of the tables for n sectors. */
function tableBytes(n: i32): i32 {
  return n * PER_SECTOR + indexBytes(n) + CACHE_N * 8 + MAX_REFS * REF_SLOT;
}

function allocTables(n: i32): void {
  if (tables != 0 && tablesFor == n) return;
  if (tables != 0) heap.free(tables); // another geometry (a test re-mounting other flash)
  tables = heap.alloc(<usize>tableBytes(n));
  tablesFor = n;
  secSeq = tables;
  secErase = secSeq + <usize>(n * 4);
  index = secErase + <usize>(n * 4);
  cache = index + <usize>indexBytes(n);
  refs = cache + <usize>(CACHE_N * 8);
  order = refs + <usize>(MAX_REFS * REF_SLOT);
  secState = order + <usize>(n * 2);
  secDegraded = secState + <usize>n;
}

/** RAM the log keeps for the mounted partition, in bytes (reported by flash_store_stats). */
export function ramBytes(): i32 {
  return tableBytes(tablesFor) + 3 * 64 + CBUF + WIN + 2 * ID_LEN;
}

// ---- state -----------------------------------------------------------------------
export let mounted = false;
let nUsed: i32 = 0;
let maxSeq: u32 = 0;
let headSec: i32 = -1;
let headOff: i32 = 0;
let hdrLen: i32 = 0;
let recHS: i32 = 0;
let bloomBytes: i32 = 0;
let nRefs: i32 = 0;
/** Where the newest PRUNE record is (0: none) and what it names. */
export let pruneLoc: u32 = 0;
export const pruneId = memory.data(ID_LEN);
/** Sectors with seq >= protectSeq may hold objects no ref reaches yet: never filtered. */
export let protectSeq: u32 = 0;

// Counters for flash_store_stats and the bench.
export let statRecords: i32 = 0;
export let statCorrupt: i32 = 0;
export let statEvacuated: i32 = 0;
export let statCopiedBytes: i64 = 0;
export let statAppendedBytes: i64 = 0;
export let statPayloadBytes: i64 = 0;

/** Bumped whenever refs or the prune marker change: the liveness filter is stale. */
export let liveEpoch: i32 = 0;

/** Liveness of an object older than protectSeq; the backend installs the store-aware one. */
export let liveFilter: (id: usize) => bool = (id: usize): bool => true;
export function setLiveFilter(f: (id: usize) => bool): void {
  liveFilter = f;
}

@inline function seqOf(s: i32): u32 {
  return load<u32>(secSeq + (<usize>s << 2));
}
@inline function eraseOf(s: i32): u32 {
  return load<u32>(secErase + (<usize>s << 2));
}
@inline function stateOf(s: i32): u8 {
  return load<u8>(secState + <usize>s);
}
@inline function setState(s: i32, st: u8): void {
  store<u8>(secState + <usize>s, st);
}
@inline function orderAt(i: i32): i32 {
  return <i32>load<u16>(order + (<usize>i << 1));
}
@inline function secBase(s: i32): u32 {
  return <u32>s * <u32>sectorSize;
}
@inline export function locSector(loc: u32): i32 {
  return <i32>(loc / <u32>sectorSize);
}
@inline function slotA(k: i32): i32 {
  return k * roundUp(12);
}
@inline function slotB(k: i32): i32 {
  return 2 * roundUp(12) + k * roundUp(8);
}
@inline function degraded(s: i32): bool {
  return load<u8>(secDegraded + <usize>s) != 0;
}

function readAt(off: u32, p: usize, n: i32): i32 {
  const rc = flash_read(off, p, n);
  return rc == OK ? OK : rc < 0 ? rc : E_IO;
}

function writeAt(off: u32, p: usize, n: i32): i32 {
  winSec = -1; // readHeader's window may hold these bytes
  const rc = flash_write(off, p, n);
  return rc == OK ? OK : rc < 0 ? rc : E_IO;
}

function allFF(p: usize, n: i32): bool {
  for (let i = 0; i < n; i++) if (load<u8>(p + <usize>i) != 0xff) return false;
  return true;
}

// ---- Bloom index (one slice per sector) -------------------------------------------
// Ids are SHA-256 outputs, so three of their 32-bit words are independent hashes.
@inline function bloomBit(s: i32, id: usize, k: i32): usize {
  const bits = <u32>bloomBytes << 3;
  const h = load<u32>(id + (<usize>k << 2)) % bits;
  return index + <usize>(s * bloomBytes) * 8 + <usize>h; // bit address (byte = >> 3)
}

function bloomAdd(s: i32, id: usize): void {
  if (bloomBytes == 0) return;
  for (let k = 0; k < 3; k++) {
    const b = bloomBit(s, id, k) - index;
    const a = index + (b >> 3);
    store<u8>(a, load<u8>(a) | <u8>(1 << <u8>(b & 7)));
  }
}

function bloomHas(s: i32, id: usize): bool {
  if (bloomBytes == 0) return true;
  for (let k = 0; k < 3; k++) {
    const b = bloomBit(s, id, k) - index;
    if ((load<u8>(index + (b >> 3)) & <u8>(1 << <u8>(b & 7))) == 0) return false;
  }
  return true;
}

function bloomClear(s: i32): void {
  if (bloomBytes > 0) memory.fill(index + <usize>(s * bloomBytes), 0, <usize>bloomBytes);
}

// ---- lookup cache (locations are verified against the stored id on every hit) -----
@inline function cacheSlot(id: usize): usize {
  return cache + (<usize>(load<u32>(id, 12) & <u32>(CACHE_N - 1)) << 3);
}

function cachePut(id: usize, loc: u32): void {
  const e = cacheSlot(id);
  store<u32>(e, load<u32>(id, 16));
  store<u32>(e, loc, 4);
}

// ---- records ---------------------------------------------------------------------
// Reads the record header at loc into `into`; 1 valid, 0 end of sector, -1 torn or
// corrupt header, or a negative error below -1... (E_IO is returned as is).
const HDR_VALID: i32 = 1;
const HDR_END: i32 = 0;
const HDR_BAD: i32 = -1000;

// Record headers are read through a window of WIN bytes: scans (mount, lookups,
// compaction, check) walk a sector's records in order, and small records share one
// flash read. Any write or erase drops the window.
const WIN: i32 = 256;
const win = memory.data(WIN);
let winSec: i32 = -1;
let winOff: i32 = 0;
let winLen: i32 = 0;

function readHeader(s: i32, inSec: i32, into: usize): i32 {
  const loc = secBase(s) + <u32>inSec;
  if (inSec + recHS > sectorSize) return HDR_END;
  if (s != winSec || inSec < winOff || inSec + REC_HEAD > winOff + winLen) {
    winSec = -1;
    const n = min(WIN, sectorSize - inSec);
    const rc = readAt(loc, win, n);
    if (rc != OK) return rc;
    winSec = s;
    winOff = inSec;
    winLen = n;
  }
  memory.copy(into, win + <usize>(inSec - winOff), REC_HEAD);
  if (allFF(into, REC_HEAD)) return HDR_END;
  if (crc32(0, into, 40) != load<u32>(into, 40)) return HDR_BAD;
  const len = <i32>load<u16>(into);
  const kind = <i32>load<u8>(into, 2);
  if (kind < KIND_OBJ || kind > KIND_PRUNE) return HDR_BAD;
  if (inSec + recHS + roundUp(len) > sectorSize) return HDR_BAD;
  return HDR_VALID;
}

@inline function recLen(h: usize): i32 {
  return recHS + roundUp(<i32>load<u16>(h));
}

/** CRC check of the body of the record whose header is at h (located at loc). */
function bodyOk(loc: u32, h: usize): i32 {
  const len = <i32>load<u16>(h);
  let c: u32 = 0;
  let done = 0;
  while (done < len) {
    const n = min(CBUF, len - done);
    const rc = readAt(loc + <u32>(recHS + done), cbuf, n);
    if (rc != OK) return rc;
    c = crc32(c, cbuf, n);
    done += n;
  }
  return c == load<u32>(h, 36) ? OK : E_CORRUPT;
}

// ---- mount -----------------------------------------------------------------------
/** Mounts (or re-mounts) the partition: classifies sectors and replays the log. */
export function mount(): i32 {
  mounted = false;
  winSec = -1;
  let rc = loadGeometry();
  if (rc != OK) return rc;
  allocTables(sectorCount);
  hdrLen = slotB(2);
  recHS = roundUp(REC_HEAD);
  // Every object a device store makes fits one record (limits.ts).
  if (sectorSize - hdrLen - recHS < DEVICE_OBJECT_MAX) return E_UNSUPPORTED;
  bloomBytes = indexBytes(sectorCount) / sectorCount;
  memory.fill(secSeq, 0, sectorCount * 4);
  memory.fill(secErase, 0, sectorCount * 4);
  memory.fill(secState, ST_DIRTY, sectorCount);
  memory.fill(secDegraded, 0, sectorCount);
  memory.fill(index, 0, indexBytes(sectorCount));
  memory.fill(cache, 0, CACHE_N * 8);
  memory.fill(refs, 0, MAX_REFS * REF_SLOT);
  memory.fill(pruneId, 0, ID_LEN);
  nUsed = 0;
  nRefs = 0;
  maxSeq = 0;
  headSec = -1;
  headOff = 0;
  pruneLoc = 0;
  statRecords = 0;
  statCorrupt = 0;
  let knownErase: u32 = 0;
  for (let s = SECRET_SECTORS; s < sectorCount; s++) {
    rc = classify(s);
    if (rc != OK) return rc;
    if (degraded(s)) statCorrupt++;
    const st = stateOf(s);
    if (st == ST_LOST) statCorrupt++;
    if (st == ST_DIRTY || st == ST_LOST) continue;
    if (eraseOf(s) > knownErase) knownErase = eraseOf(s);
    if (st != ST_USED) continue;
    const seq = seqOf(s);
    // insertion into the seq-ordered list (at most MAX_SECTORS entries)
    let i = nUsed;
    while (i > 0 && seqOf(orderAt(i - 1)) > seq) {
      store<u16>(order + (<usize>i << 1), <u16>orderAt(i - 1));
      i--;
    }
    store<u16>(order + (<usize>i << 1), <u16>s);
    nUsed++;
    if (seq > maxSeq) maxSeq = seq;
  }
  // Dirty sectors lost their erase count: assume the most worn known (errs towards
  // not choosing them first).
  for (let s = SECRET_SECTORS; s < sectorCount; s++) {
    if (stateOf(s) == ST_DIRTY || stateOf(s) == ST_LOST) store<u32>(secErase + (<usize>s << 2), knownErase);
  }
  for (let i = 0; i < nUsed; i++) {
    rc = replay(orderAt(i), i == nUsed - 1);
    if (rc != OK) return rc;
  }
  protectSeq = nUsed > 0 ? seqOf(orderAt(nUsed - 1)) : 0;
  liveEpoch++;
  mounted = true;
  return OK;
}

const crcIn = memory.data(8);

function slotAValid(p: usize): bool {
  return load<u32>(p) == SEC_MAGIC && crc32(0, p, 8) == load<u32>(p, 8);
}

function slotBValid(p: usize, erases: u32): bool {
  const seq = load<u32>(p);
  store<u32>(crcIn, seq);
  store<u32>(crcIn, erases, 4);
  return seq != 0 && seq != 0xffffffff && crc32(0, crcIn, 8) == load<u32>(p, 4);
}

// Brings copy q of a slot (n bytes at sector offset at) to equal the valid copy p
// when programming can (each byte of q erased or already equal: a copy a cut left
// half-written, or not yet written). Otherwise q decayed: the sector is degraded.
function mendCopy(s: i32, p: usize, q: usize, at: i32, n: i32): i32 {
  if (memory.compare(p, q, <usize>n) == 0) return OK;
  for (let i = 0; i < n; i++) {
    const b = load<u8>(q + <usize>i);
    if (b != 0xff && b != load<u8>(p + <usize>i)) {
      store<u8>(secDegraded + <usize>s, 1);
      return OK;
    }
  }
  return writeAt(secBase(s) + <u32>at, p, n);
}

// Whether sector s holds a valid record (a header without any valid slot copy over
// records is decay: the sector is lost, not dirty).
function holdsRecords(s: i32): i32 {
  const h = readHeader(s, hdrLen, hbuf);
  return h == HDR_VALID ? 1 : h < 0 && h != HDR_BAD ? h : 0;
}

// Classifies sector s from its header (state, erase count, seq), mending a copy
// that a cut left unwritten and flagging one that decayed.
function classify(s: i32): i32 {
  let rc = readAt(secBase(s), cbuf, hdrLen);
  if (rc != OK) return rc;
  const a0 = slotAValid(cbuf + <usize>slotA(0));
  const a1 = slotAValid(cbuf + <usize>slotA(1));
  if (!a0 && !a1) {
    const r = holdsRecords(s);
    if (r < 0) return r;
    setState(s, r == 1 ? ST_LOST : ST_DIRTY);
    return OK;
  }
  const ra = roundUp(12);
  const rb = roundUp(8);
  const pa = cbuf + <usize>slotA(a0 ? 0 : 1);
  rc = mendCopy(s, pa, cbuf + <usize>slotA(a0 ? 1 : 0), slotA(a0 ? 1 : 0), ra);
  if (rc != OK) return rc;
  const erases = load<u32>(pa, 4);
  store<u32>(secErase + (<usize>s << 2), erases);
  const b0 = slotBValid(cbuf + <usize>slotB(0), erases);
  const b1 = slotBValid(cbuf + <usize>slotB(1), erases);
  if (!b0 && !b1) {
    if (allFF(cbuf + <usize>slotB(0), 2 * rb)) {
      setState(s, ST_FREE);
      return OK;
    }
    // A slot B torn by a cut (no record follows it yet), or one that decayed.
    const r = holdsRecords(s);
    if (r < 0) return r;
    setState(s, r == 1 ? ST_LOST : ST_DIRTY);
    return OK;
  }
  const pb = cbuf + <usize>slotB(b0 ? 0 : 1);
  rc = mendCopy(s, pb, cbuf + <usize>slotB(b0 ? 1 : 0), slotB(b0 ? 1 : 0), rb);
  if (rc != OK) return rc;
  store<u32>(secSeq + (<usize>s << 2), load<u32>(pb));
  setState(s, ST_USED);
  return OK;
}

// Replays one sector's records into the index, ref table and prune marker.
function replay(s: i32, isHead: bool): i32 {
  let off = hdrLen;
  while (true) {
    const loc = secBase(s) + <u32>off;
    const h = readHeader(s, off, hbuf);
    if (h == HDR_END) break;
    if (h == HDR_BAD) {
      // A torn header, or a torn record killed by an earlier mount (below), ends
      // its sector with only erased bytes after it; anything else is decay.
      if (!isHead) {
        const t = tornTail(s, off, hbuf);
        if (t < 0) return t;
        if (t == 0) statCorrupt++;
      }
      setState(s, ST_SEALED);
      break;
    }
    if (h < 0) return h;
    const kind = <i32>load<u8>(hbuf, 2);
    let ok = true;
    // Only the head can hold a torn body (the write in flight at the cut). Elsewhere
    // bodies are checked when read, copied or by flash_store_check.
    if (isHead || kind != KIND_OBJ) {
      const b = bodyOk(loc, hbuf);
      if (b == E_CORRUPT) ok = false;
      else if (b != OK) return b;
    }
    if (ok) {
      statRecords++;
      if (kind == KIND_OBJ) bloomAdd(s, hbuf + 4);
      else if (kind == KIND_REF) {
        const rc = refReplay(loc, hbuf);
        if (rc != OK) return rc;
      } else {
        pruneLoc = loc;
        memory.copy(pruneId, hbuf + 4, ID_LEN);
      }
    } else if (isHead) {
      const t = tornTail(s, off, hbuf);
      if (t < 0) return t;
      if (t == 1) {
        // The write in flight at the cut: a valid header over a torn body. Once the
        // head moves on, mounts no longer check this sector's bodies, and lookups,
        // compaction's "is there another copy" and sync's "do I have it" go by
        // headers: the torn record would pass for the object. So its header is
        // killed on flash (killRecord), and the sector is sealed so it stays the
        // last record (flash_store_check tells torn tails from decay that way).
        const k = killRecord(loc);
        if (k != OK) return k;
        off += recLen(hbuf);
        setState(s, ST_SEALED);
        break;
      }
      statCorrupt++; // decay with records after it: not a tear, they stay readable
    } else statCorrupt++;
    off += recLen(hbuf);
  }
  if (isHead && stateOf(s) != ST_SEALED && off < sectorSize) {
    // Appends program the head's erased tail: a bit that decayed there would make
    // a write set a 0 bit back to 1 (real flash corrupts it silently). Seal instead.
    const r = restErased(secBase(s) + <u32>off);
    if (r < 0) return r;
    if (r == 0) {
      statCorrupt++;
      setState(s, ST_SEALED);
    }
  }
  if (isHead) {
    headSec = stateOf(s) == ST_SEALED ? -1 : s;
    headOff = off;
  }
  return OK;
}

// Kills the record at loc: zeroes its two CRCs (the granules holding bytes 36..43,
// never the length, kind or most of the id), so its header fails its CRC from now
// on. Programming zeros only clears bits; a cut inside leaves either the valid
// header (the head still ends with the torn record: the next mount kills it again)
// or a failing one.
function killRecord(loc: u32): i32 {
  const from = 36 & ~(granule - 1);
  memory.fill(cbuf, 0, CBUF);
  return writeAt(loc + <u32>from, cbuf, recHS - from);
}

/**
 * Whether the bad record at sector offset off of s (raw header in h) is a torn
 * tail: only erased bytes after its header (a torn header) or after the record
 * its length names (a torn body, killed or not). 1 yes, 0 no (decay), or an error.
 */
function tornTail(s: i32, off: i32, h: usize): i32 {
  const loc = secBase(s) + <u32>off;
  if (off + recHS >= sectorSize) return 1;
  const r = restErased(loc + <u32>recHS);
  if (r != 0) return r;
  const end = off + recHS + roundUp(<i32>load<u16>(h));
  if (end > sectorSize) return 0;
  return end == sectorSize ? 1 : restErased(secBase(s) + <u32>end);
}

// ---- refs ------------------------------------------------------------------------
@inline function refSlot(i: i32): usize {
  return refs + <usize>(i * REF_SLOT);
}
// slot: name[64], u32 len, id[32], u32 loc

function refFind(name: usize, n: i32): i32 {
  for (let i = 0; i < nRefs; i++) {
    const r = refSlot(i);
    if (load<i32>(r + <usize>REF_NAME_MAX) == n && memory.compare(r, name, <usize>n) == 0) return i;
  }
  return -1;
}

function refSet(name: usize, n: i32, id: usize, loc: u32): i32 {
  let i = refFind(name, n);
  if (i < 0) {
    if (nRefs >= MAX_REFS) return E_LIMIT;
    i = nRefs++;
    const r = refSlot(i);
    memory.copy(r, name, <usize>n);
    store<i32>(r + <usize>REF_NAME_MAX, n);
  }
  const r = refSlot(i);
  memory.copy(r + <usize>(REF_NAME_MAX + 4), id, ID_LEN);
  store<u32>(r + <usize>(REF_NAME_MAX + 4 + ID_LEN), loc);
  return OK;
}

function refReplay(loc: u32, h: usize): i32 {
  const n = <i32>load<u8>(h, 3);
  const len = <i32>load<u16>(h);
  if (n != len || n == 0 || n > REF_NAME_MAX) {
    statCorrupt++;
    return OK;
  }
  const rc = readAt(loc + <u32>recHS, cbuf, n);
  if (rc != OK) return rc;
  const r = refSet(cbuf, n, h + 4, loc);
  // More distinct names on flash than the table holds: refuse to mount half a state.
  return r == E_LIMIT ? E_LIMIT : OK;
}

function isZero(id: usize): bool {
  for (let i = 0; i < ID_LEN; i += 8) if (load<u64>(id + <usize>i) != 0) return false;
  return true;
}

/** Copies ref `name`'s target into idOut; E_NOTFOUND when unset or deleted. */
export function getRef(name: usize, n: i32, idOut: usize): i32 {
  if (!mounted) return E_STATE;
  if (n <= 0 || n > REF_NAME_MAX) return E_INVAL;
  const i = refFind(name, n);
  if (i < 0) return E_NOTFOUND;
  const id = refSlot(i) + <usize>(REF_NAME_MAX + 4);
  if (isZero(id)) return E_NOTFOUND;
  memory.copy(idOut, id, ID_LEN);
  return OK;
}

/** Compare-and-set of a ref (expected/id 0: unset/delete); OK once durable. */
export function setRef(name: usize, n: i32, expected: usize, id: usize): i32 {
  if (!mounted) return E_STATE;
  if (n <= 0 || n > REF_NAME_MAX) return E_INVAL;
  for (let i = 0; i < n; i++) {
    const c = load<u8>(name + <usize>i);
    if (c <= 0x20 || c >= 0x7f) return E_INVAL;
  }
  const i = refFind(name, n);
  const cur = i >= 0 ? refSlot(i) + <usize>(REF_NAME_MAX + 4) : zeroId;
  const want = expected == 0 ? zeroId : expected;
  if (memory.compare(cur, want, ID_LEN) != 0) return E_CONFLICT;
  if (i < 0 && nRefs >= MAX_REFS) return E_LIMIT;
  const target = id == 0 ? zeroId : id;
  const loc = append(KIND_REF, n, target, name, n, LEVEL_META);
  if (loc < 0) return <i32>loc;
  // Everything written before this ref is now reachable or garbage.
  protectSeq = seqOf(headSec);
  liveEpoch++;
  return refSet(name, n, target, <u32>loc);
}

/** The index-th ref name in byte order (deleted refs skipped); its length or E_NOTFOUND. */
export function refAt(index_: i32, out: usize): i32 {
  if (!mounted) return E_STATE;
  if (index_ < 0) return E_NOTFOUND;
  // Selection by rank: at most MAX_REFS^2 comparisons.
  for (let i = 0; i < nRefs; i++) {
    const r = refSlot(i);
    if (isZero(r + <usize>(REF_NAME_MAX + 4))) continue;
    const n = load<i32>(r + <usize>REF_NAME_MAX);
    let rank = 0;
    for (let j = 0; j < nRefs; j++) {
      const q = refSlot(j);
      if (j == i || isZero(q + <usize>(REF_NAME_MAX + 4))) continue;
      if (nameLess(q, load<i32>(q + <usize>REF_NAME_MAX), r, n)) rank++;
    }
    if (rank == index_) {
      memory.copy(out, r, <usize>n);
      return n;
    }
  }
  return E_NOTFOUND;
}

function nameLess(a: usize, an: i32, b: usize, bn: i32): bool {
  const c = memory.compare(a, b, <usize>min(an, bn));
  return c < 0 || (c == 0 && an < bn);
}

/** Number of refs in the table (deleted included) and access for compaction/check. */
export function refCount(): i32 {
  return nRefs;
}
export function refTarget(i: i32): usize {
  return refSlot(i) + <usize>(REF_NAME_MAX + 4);
}

// ---- lookup ----------------------------------------------------------------------
/**
 * Location of a valid-header object record with this id, newest first; 0 if none
 * (or, with maxScans, if not found within that many sector scans).
 */
export function lookup(id: usize, into: usize, maxScans: i32 = i32.MAX_VALUE): u32 {
  const e = cacheSlot(id);
  const cl = load<u32>(e, 4);
  if (cl != 0 && load<u32>(e) == load<u32>(id, 16)) {
    const s = locSector(cl);
    if (s < sectorCount && (stateOf(s) == ST_USED || stateOf(s) == ST_SEALED) && readHeader(s, <i32>(cl - secBase(s)), into) == HDR_VALID) {
      if (<i32>load<u8>(into, 2) == KIND_OBJ && memory.compare(into + 4, id, ID_LEN) == 0) return cl;
    }
  }
  for (let i = nUsed - 1; i >= 0; i--) {
    const s = orderAt(i);
    if (!bloomHas(s, id)) continue;
    if (maxScans-- <= 0) break;
    const loc = scanFor(s, id, into);
    if (loc != 0) {
      cachePut(id, loc);
      return loc;
    }
  }
  return 0;
}

// Scans sector s's record headers for object id (the head sector's torn record, if
// any, fails its header CRC and ends the scan).
function scanFor(s: i32, id: usize, into: usize): u32 {
  let off = hdrLen;
  while (true) {
    const loc = secBase(s) + <u32>off;
    if (readHeader(s, off, into) != HDR_VALID) return 0;
    if (<i32>load<u8>(into, 2) == KIND_OBJ && memory.compare(into + 4, id, ID_LEN) == 0) return loc;
    off += recLen(into);
  }
  return 0;
}

// ---- append ----------------------------------------------------------------------
/**
 * Appends a record (body from memory) and returns its location, or a negative error.
 * `level` is the number of free sectors that must remain (LEVEL_*).
 */
export function append(kind: i32, aux: i32, id: usize, body: usize, len: i32, level: i32): i64 {
  if (len > DEVICE_OBJECT_MAX) return E_LIMIT;
  const need = recHS + roundUp(len);
  let rc = ensureRoom(need, level);
  if (rc != OK) return rc;
  const loc = secBase(headSec) + <u32>headOff;
  memory.fill(hbuf, 0xff, 64);
  store<u16>(hbuf, <u16>len);
  store<u8>(hbuf, <u8>kind, 2);
  store<u8>(hbuf, <u8>aux, 3);
  memory.copy(hbuf + 4, id, ID_LEN);
  store<u32>(hbuf, crc32(0, body, len), 36);
  store<u32>(hbuf, crc32(0, hbuf, 40), 40);
  rc = writeRecord(loc, body, len, 0);
  if (rc != OK) return rc;
  if (kind == KIND_OBJ) {
    bloomAdd(headSec, id);
    cachePut(id, loc);
    statPayloadBytes += len;
  }
  return loc;
}

// Writes hbuf as the header at loc, then the body from memory (src != 0) or copied
// from flash location `from` (src == 0). Advances the head past the record even on
// failure, so a half-written record is never written over.
function writeRecord(loc: u32, src: usize, len: i32, from: u32): i32 {
  const total = recHS + roundUp(len);
  headOff += total;
  statAppendedBytes += total;
  let rc = writeAt(loc, hbuf, recHS);
  // Whole granules straight from memory; the rest (or a copy from flash) through
  // cbuf, whose size is a multiple of every supported granularity, padded with 0xFF.
  const whole = len & ~(granule - 1);
  let done = 0;
  if (rc == OK && src != 0 && whole > 0) {
    rc = writeAt(loc + <u32>recHS, src, whole);
    done = whole;
  }
  while (rc == OK && done < len) {
    const n = min(CBUF, len - done);
    memory.fill(cbuf, 0xff, CBUF);
    if (src != 0) memory.copy(cbuf, src + <usize>done, <usize>n);
    else rc = readAt(from + <u32>(recHS + done), cbuf, n);
    if (rc == OK) rc = writeAt(loc + <u32>(recHS + done), cbuf, roundUp(n));
    done += n;
  }
  if (rc != OK) headSec = -1; // whatever landed, never write over it
  return rc;
}

// Makes room for `need` bytes at the head, opening a new sector if needed.
// A level-L append needs L free sectors even when the head has room: the head may
// be a sector a lower level opened from the reserve.
function ensureRoom(need: i32, level: i32): i32 {
  if (freeCount() < level) {
    const rc = compact(level - 1);
    if (rc != OK) return rc;
  }
  // A new sector may be filled again at once by a wear-levelling move: try again.
  for (let tries = 0; tries < 3; tries++) {
    if (headSec >= 0 && headOff + need <= sectorSize) return OK;
    const rc = newSector(level);
    if (rc != OK) return rc;
  }
  return headSec >= 0 && headOff + need <= sectorSize ? OK : E_FULL;
}

function freeCount(): i32 {
  return sectorCount - SECRET_SECTORS - nUsed;
}

function newSector(level: i32): i32 {
  if (freeCount() <= level) {
    if (level == LEVEL_GC) return E_FULL;
    const rc = compact(level);
    if (rc != OK) return rc;
  }
  // The least-worn free sector (dynamic wear levelling).
  let best = -1;
  for (let s = SECRET_SECTORS; s < sectorCount; s++) {
    const st = stateOf(s);
    if (st != ST_DIRTY && st != ST_FREE) continue;
    if (best < 0 || eraseOf(s) < eraseOf(best)) best = s;
  }
  if (best < 0) return E_FULL;
  let rc = prepare(best);
  if (rc != OK) return rc;
  const seq = maxSeq + 1;
  const rb = roundUp(8);
  memory.fill(hbuf, 0xff, 64);
  store<u32>(hbuf, seq);
  store<u32>(hbuf, eraseOf(best), 4);
  store<u32>(hbuf, crc32(0, hbuf, 8), 4);
  memory.copy(hbuf + <usize>rb, hbuf, 8);
  rc = writeAt(secBase(best) + <u32>slotB(0), hbuf, 2 * rb);
  if (rc != OK) {
    setState(best, ST_DIRTY);
    return rc;
  }
  maxSeq = seq;
  store<u32>(secSeq + (<usize>best << 2), seq);
  setState(best, ST_USED);
  store<u16>(order + (<usize>nUsed << 1), <u16>best);
  nUsed++;
  bloomClear(best);
  headSec = best;
  headOff = hdrLen;
  if (level != LEVEL_GC) return levelWear();
  return OK;
}

// Brings sector s to "formatted, free, all erased": erases it unless it already is.
function prepare(s: i32): i32 {
  let clean = stateOf(s) == ST_FREE && !degraded(s);
  for (let off = hdrLen; clean && off < sectorSize; off += CBUF) {
    const rc = readAt(secBase(s) + <u32>off, cbuf, min(CBUF, sectorSize - off));
    if (rc != OK) return rc;
    if (!allFF(cbuf, min(CBUF, sectorSize - off))) clean = false;
  }
  if (clean) {
    // slot B must be erased too
    const rc = readAt(secBase(s) + <u32>slotB(0), cbuf, 2 * roundUp(8));
    if (rc != OK) return rc;
    if (allFF(cbuf, 2 * roundUp(8))) return OK;
  }
  return eraseAndFormat(s);
}

function eraseAndFormat(s: i32): i32 {
  setState(s, ST_DIRTY);
  winSec = -1;
  let rc = flash_erase(secBase(s), sectorSize);
  if (rc != OK) return rc < 0 ? rc : E_IO;
  const erases = eraseOf(s) + 1;
  store<u32>(secErase + (<usize>s << 2), erases);
  store<u8>(secDegraded + <usize>s, 0);
  const ra = roundUp(12);
  memory.fill(hbuf, 0xff, 64);
  store<u32>(hbuf, SEC_MAGIC);
  store<u32>(hbuf, erases, 4);
  store<u32>(hbuf, crc32(0, hbuf, 8), 8);
  memory.copy(hbuf + <usize>ra, hbuf, 12);
  rc = writeAt(secBase(s), hbuf, 2 * ra);
  if (rc != OK) return rc;
  setState(s, ST_FREE);
  return OK;
}

// ---- compaction and wear levelling --------------------------------------------------
/** Capacity of a sector for records. */
function capacity(): i32 {
  return sectorSize - hdrLen;
}

// Live bytes in sector s, or a negative error.
function liveBytes(s: i32): i32 {
  let off = hdrLen;
  let live = 0;
  while (true) {
    const loc = secBase(s) + <u32>off;
    const h = readHeader(s, off, hbuf2);
    if (h == HDR_END || h == HDR_BAD) break;
    if (h < 0) return h;
    if (keep(s, loc, hbuf2)) live += recLen(hbuf2);
    off += recLen(hbuf2);
  }
  return live;
}

// Whether the record at loc (header in h) in sector s must survive its sector's erase.
function keep(s: i32, loc: u32, h: usize): bool {
  const kind = <i32>load<u8>(h, 2);
  if (kind == KIND_PRUNE) return loc == pruneLoc;
  if (kind == KIND_REF) {
    const n = <i32>load<u8>(h, 3);
    if (n == 0 || n > REF_NAME_MAX) return false;
    for (let i = 0; i < nRefs; i++) {
      if (load<u32>(refSlot(i) + <usize>(REF_NAME_MAX + 4 + ID_LEN)) == loc) return true;
    }
    return false;
  }
  if (pruneLoc == 0 || seqOf(s) >= protectSeq) return true;
  memory.copy(idTmp, h + 4, ID_LEN);
  return liveFilter(idTmp);
}

/**
 * Frees sectors until more than `level` are free: evacuates the in-use sector with
 * the most reclaimable bytes (oldest first on ties). E_FULL when none would free at
 * least an eighth of a sector.
 */
// liveEpoch at the last compaction that found nothing to reclaim: until refs or the
// prune point change, a full partition answers E_FULL without rescanning.
let fullAt: i32 = -1;

export function compact(level: i32): i32 {
  if (fullAt == liveEpoch && freeCount() <= level) return E_FULL;
  let guard = sectorCount;
  while (freeCount() <= level && guard-- > 0) {
    let victim = -1;
    let bestDead = capacity() >> 3;
    for (let i = 0; i < nUsed; i++) {
      const s = orderAt(i);
      if (s == headSec) continue;
      const live = liveBytes(s);
      if (live < 0) return live;
      const dead = capacity() - live;
      if (dead > bestDead) {
        bestDead = dead;
        victim = s;
        if (dead >= capacity() >> 1) break; // oldest with half a sector to gain: good enough
      }
    }
    if (victim < 0) {
      fullAt = liveEpoch;
      return E_FULL;
    }
    const rc = evacuate(victim);
    if (rc != OK) return rc;
  }
  return freeCount() > level ? OK : E_FULL;
}

/**
 * Evacuates every sector (oldest first) with at least an eighth of it reclaimable,
 * and every sector whose header decayed (rewritten with both copies valid).
 */
export function compactAll(): i32 {
  if (!mounted) return E_STATE;
  if (headSec >= 0 && degraded(headSec)) headSec = -1; // sealed: evacuated below
  for (let s = SECRET_SECTORS; s < sectorCount; s++) {
    if (stateOf(s) != ST_FREE || !degraded(s)) continue;
    const rc = eraseAndFormat(s);
    if (rc != OK) return rc;
  }
  let n = nUsed;
  let i = 0;
  while (n-- > 0 && i < nUsed) {
    const s = orderAt(i);
    if (s == headSec) {
      i++;
      continue;
    }
    const live = liveBytes(s);
    if (live < 0) return live;
    if (!degraded(s) && capacity() - live <= capacity() >> 3) {
      i++;
      continue;
    }
    const rc = evacuate(s); // removes s from the order: i now names the next sector
    if (rc != OK) return rc;
  }
  return OK;
}

// Static wear levelling: when the least-worn in-use sector lags the most-worn sector
// by more than WEAR_DELTA erases, its (static) data moves to the head so the sector
// returns to the free pool. Needs two free sectors; at most one move per allocation.
function levelWear(): i32 {
  if (freeCount() < 2) return OK;
  let maxE: u32 = 0;
  let minS = -1;
  for (let s = SECRET_SECTORS; s < sectorCount; s++) {
    if (eraseOf(s) > maxE) maxE = eraseOf(s);
    if ((stateOf(s) != ST_USED && stateOf(s) != ST_SEALED) || s == headSec) continue;
    if (minS < 0 || eraseOf(s) < eraseOf(minS)) minS = s;
  }
  if (minS < 0 || maxE - eraseOf(minS) <= WEAR_DELTA) return OK;
  return evacuate(minS);
}

/** Copies sector s's records that must survive to the head, then erases s. */
export function evacuate(s: i32): i32 {
  let off = hdrLen;
  while (true) {
    const loc = secBase(s) + <u32>off;
    const h = readHeader(s, off, hbuf2);
    if (h == HDR_END || h == HDR_BAD) break;
    if (h < 0) return h;
    const len = recLen(hbuf2);
    if (keep(s, loc, hbuf2)) {
      const kind = <i32>load<u8>(hbuf2, 2);
      if (kind != KIND_OBJ || !lookupElsewhere(s, hbuf2 + 4)) {
        const b = bodyOk(loc, hbuf2);
        if (b == E_CORRUPT) statCorrupt++;
        else if (b != OK) return b;
        else {
          const rc = copyRecord(loc, hbuf2);
          if (rc != OK) return rc;
        }
      }
    }
    off += len;
  }
  removeUsed(s);
  statEvacuated++;
  return eraseAndFormat(s);
}

// Whether object id has an intact record in a sector other than s (a copy that
// decayed does not count: dropping this one would lose the object).
function lookupElsewhere(s: i32, id: usize): bool {
  for (let i = nUsed - 1; i >= 0; i--) {
    const t = orderAt(i);
    if (t == s || !bloomHas(t, id)) continue;
    const loc = scanFor(t, id, hbuf);
    if (loc != 0 && bodyOk(loc, hbuf) == OK) return true;
  }
  return false;
}

// Appends a copy of the record at `from` (header in h) and re-points RAM state at it.
function copyRecord(from: u32, h: usize): i32 {
  const len = <i32>load<u16>(h);
  const kind = <i32>load<u8>(h, 2);
  // ensureRoom may open a sector (using hbuf and cbuf): keep the header aside.
  memory.copy(hsave, h, REC_HEAD);
  const rc0 = ensureRoom(recHS + roundUp(len), LEVEL_GC);
  if (rc0 != OK) return rc0;
  memory.fill(hbuf, 0xff, 64);
  memory.copy(hbuf, hsave, REC_HEAD);
  const loc = secBase(headSec) + <u32>headOff;
  const sec = headSec;
  const rc = writeRecord(loc, 0, len, from);
  if (rc != OK) return rc;
  statCopiedBytes += recHS + roundUp(len);
  if (kind == KIND_OBJ) {
    bloomAdd(sec, hbuf + 4);
    cachePut(hbuf + 4, loc);
  } else if (kind == KIND_PRUNE) pruneLoc = loc;
  else {
    for (let i = 0; i < nRefs; i++) {
      const p = refSlot(i) + <usize>(REF_NAME_MAX + 4 + ID_LEN);
      if (load<u32>(p) == from) store<u32>(p, loc);
    }
  }
  return OK;
}

function removeUsed(s: i32): void {
  let j = 0;
  for (let i = 0; i < nUsed; i++) {
    const t = orderAt(i);
    if (t != s) store<u16>(order + (<usize>(j++) << 1), <u16>t);
  }
  nUsed = j;
  store<u32>(secSeq + (<usize>s << 2), 0);
  bloomClear(s);
  if (headSec == s) headSec = -1;
}

// ---- object access ---------------------------------------------------------------
/** Type, size and body access of object id through the header left in `into`. */
export function objectHeader(id: usize, into: usize): u32 {
  if (!mounted) return 0;
  return lookup(id, into);
}

/** Reads body bytes [offset, offset+len) of the record at loc (header in h), CRC-checked. */
export function readBody(loc: u32, h: usize, offset: i32, out: usize, len: i32): i32 {
  const size = <i32>load<u16>(h);
  if (offset < 0 || len < 0 || offset > size) return E_INVAL;
  const n = min(len, size - offset);
  // The CRC covers the whole body: check it before handing out any part of it.
  const b = bodyOk(loc, h);
  if (b != OK) return b;
  const rc = readAt(loc + <u32>(recHS + offset), out, n);
  return rc == OK ? n : rc;
}

/** Appends a prune marker: history behind commit id may be reclaimed. */
export function writePrune(id: usize): i32 {
  if (!mounted) return E_STATE;
  const loc = append(KIND_PRUNE, 0, id, zeroId, 0, LEVEL_META);
  if (loc < 0) return <i32>loc;
  pruneLoc = <u32>loc;
  memory.copy(pruneId, id, ID_LEN);
  liveEpoch++;
  return OK;
}

// ---- check and stats -------------------------------------------------------------
// Whether sector bytes from `from` to the sector's end are all erased.
function restErased(from: u32): i32 {
  const end = (from / <u32>sectorSize + 1) * <u32>sectorSize;
  for (let at = from; at < end; at += <u32>CBUF) {
    const n = <i32>min<u32>(<u32>CBUF, end - at);
    const rc = readAt(at, cbuf, n);
    if (rc != OK) return rc;
    if (!allFF(cbuf, n)) return 0;
  }
  return 1;
}

/**
 * Verifies every sector header and every record of every in-use sector (header and
 * body CRCs). A bad record with only erased bytes after it is the torn tail of an
 * interrupted write and is tolerated; anything else is decay. Returns the number of
 * problems (0: consistent) or a negative I/O error.
 */
export function checkRecords(): i32 {
  if (!mounted) return E_STATE;
  let bad = 0;
  // Decayed sector headers: a copy (the sector works on the other one) or every
  // copy of a slot over records (the sector's records are kept but not read).
  for (let s = SECRET_SECTORS; s < sectorCount; s++) if (degraded(s) || stateOf(s) == ST_LOST) bad++;
  for (let i = 0; i < nUsed; i++) {
    const s = orderAt(i);
    let off = hdrLen;
    while (true) {
      const loc = secBase(s) + <u32>off;
      const h = readHeader(s, off, hbuf2);
      if (h == HDR_END) break;
      if (h == HDR_BAD) {
        const t = tornTail(s, off, hbuf2);
        if (t < 0) return t;
        if (t == 0) bad++;
        break;
      }
      if (h < 0) return h;
      const b = bodyOk(loc, hbuf2);
      off += recLen(hbuf2);
      if (b == E_CORRUPT) {
        const rest = off >= sectorSize ? 1 : restErased(secBase(s) + <u32>off);
        if (rest < 0) return rest;
        if (rest == 0) bad++;
      } else if (b != OK) return b;
    }
  }
  return bad;
}

/** Writes u32 stats at out (see flash_store_stats); returns the count written. */
export function stats(out: usize): i32 {
  let maxE: u32 = 0;
  let minE: u32 = 0xffffffff;
  let sumE: u64 = 0;
  for (let s = SECRET_SECTORS; s < sectorCount; s++) {
    const e = eraseOf(s);
    if (e > maxE) maxE = e;
    if (e < minE) minE = e;
    sumE += e;
  }
  store<u32>(out, <u32>sectorCount);
  store<u32>(out, <u32>freeCount(), 4);
  store<u32>(out, <u32>nUsed, 8);
  store<u32>(out, <u32>statRecords, 12);
  store<u32>(out, <u32>statCorrupt, 16);
  store<u32>(out, <u32>nRefs, 20);
  store<u32>(out, <u32>ramBytes(), 24);
  store<u32>(out, maxE, 28);
  store<u32>(out, minE, 32);
  store<u32>(out, <u32>sumE, 36);
  store<u32>(out, <u32>statEvacuated, 40);
  store<u64>(out, <u64>statAppendedBytes, 44);
  store<u64>(out, <u64>statPayloadBytes, 52);
  store<u64>(out, <u64>statCopiedBytes, 60);
  return 68;
}
