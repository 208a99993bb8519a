// The device's side of "gateway → device carries the owner's changes": a view
// the sync session stored in `sync/remote` (main's tree cut down to the
// device's read prefixes, assembly/sync/graft.ts on the gateway) is merged into
// the device's main with the store's three-way merge (assembly/store/merge.ts:
// typed values merge, anything else changed on both sides is a recorded
// conflict), as a commit with parents (main, view) written through the store,
// so a device store signs it (docs/provenance.md) and the gateway accepts it
// (a device may merge only views it was given).
//
// The merge base is given, not searched: `sync/merged` holds the last view
// merged into main, which is the LCA of main and the next view (views are
// linear). A paint-down LCA walk from main would cross every reading the
// device committed since. Paths a view does not carry (outside the read
// prefixes) are not in the base nor in the view, so main's stand.
import { E_STATE, OK, E_NOTFOUND } from "../abi/errors";
import { ID_LEN, OBJ_TREE } from "../store/backend";
import { asciiCopy } from "../store/buf";
import { storeOf } from "../store/handles";
import { Merger } from "../store/merge";

const MERGED = "sync/merged";
const MSG = "merge owner's view\n";

const mergedRef = asciiCopy(MERGED);
const msg = asciiCopy(MSG);

/**
 * Merges view (a commit id the session received) into store h's branch (main)
 * by author at timeSec. Returns the number of conflicts recorded (>= 0), or an
 * error: E_STATE while writes are staged (merge later: a merge commit does not
 * carry the stage).
 */
export function mergeView(h: i32, view: usize, author: usize, authorLen: i32, timeSec: i64): i32 {
  const s = storeOf(h);
  if (s == null) return E_STATE;
  if (s.stage.count != 0) return E_STATE;
  const t = heap.alloc(6 * ID_LEN);
  const last = t;
  const baseTree = t + ID_LEN;
  const mainTree = t + 2 * ID_LEN;
  const viewTree = t + 3 * ID_LEN;
  const out = t + 4 * ID_LEN;
  const id = t + 5 * ID_LEN;
  let hasLast = s.backend.getRef(mergedRef, MERGED.length, last);
  let rc = hasLast == OK || hasLast == E_NOTFOUND ? OK : hasLast;
  // Already merged (the same view again after a reconnect): nothing to do.
  if (rc == OK && hasLast == OK && memory.compare(last, view, ID_LEN) == 0) rc = 1;
  let conflicts = 0;
  if (rc == OK) {
    let base: usize = 0;
    if (hasLast == OK) {
      rc = s.rootTree(last, baseTree);
      base = baseTree;
    }
    let x: usize = 0;
    if (rc == OK) {
      const hr = s.headCommit(id);
      if (hr == OK) {
        rc = s.rootTree(id, mainTree);
        x = mainTree;
      } else if (hr != E_NOTFOUND) rc = hr;
    }
    if (rc == OK) rc = s.rootTree(view, viewTree);
    if (rc == OK) {
      __collect(); // as store_merge: a merge allocates per tree level
      const m = new Merger(s.backend);
      m.conflicts = 0;
      rc = m.mergeTrees(base, x, viewTree, out, 0);
      conflicts = m.conflicts;
      m.free();
      if (rc == 0) rc = s.backend.put(OBJ_TREE, 0, 0, out);
    }
    // Main already holds the view's content: record the view as merged, no commit.
    if (rc >= 0 && x != 0 && memory.compare(out, mainTree, ID_LEN) == 0) rc = OK;
    else if (rc >= 0) rc = s.commit(author, authorLen, timeSec, msg, MSG.length, 0, 0, out, view, id);
    if (rc >= 0) rc = s.backend.setRef(mergedRef, MERGED.length, hasLast == OK ? last : 0, view);
  }
  heap.free(t);
  if (rc == 1) return 0;
  return rc < 0 ? rc : conflicts;
}
