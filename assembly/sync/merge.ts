// The gateway's merge of a device commit into the owner's main: the store's
// three-way merge (assembly/store/merge.ts: typed values merge, anything else
// changed on both sides becomes a recorded conflict) restricted to the device's
// write prefixes. Outside them a device only holds copies of main it was given
// (views; the gateway's authorization refuses anything else), so main's newer
// value stands there, and an owner's later config edit is never a conflict.
//
// The merge base is given, not searched: the gateway merges every commit it
// accepts at once, so a device commit's first parent is the last device head
// merged into main, their lowest common ancestor. (A paint-down LCA walk from
// main would visit every commit of every other device: linear in main's
// history per merge.)
import { OK } from "../abi/errors";
import { Backend, ID_LEN, OBJ_TREE } from "../store/backend";
import { Merger } from "../store/merge";
import { graft } from "./graft";

/**
 * The merged tree into out: main `x` where the prefixes do not reach, the
 * three-way merge of base, x and the device's `y` inside them (0 ids: empty
 * trees). Returns the number of conflicts recorded inside the prefixes, or an
 * error.
 */
export function mergeUnder(b: Backend, base: usize, x: usize, y: usize, prefixes: usize, prefLen: i32, out: usize): i32 {
  const t = heap.alloc(3 * ID_LEN);
  const xs = t;
  const ys = t + ID_LEN;
  const m = t + 2 * ID_LEN;
  // Both sides equal base outside the prefixes, so nothing there can change or conflict.
  let rc = graft(b, base, x, prefixes, prefLen, xs);
  if (rc >= 0) rc = graft(b, base, y, prefixes, prefLen, ys);
  let conflicts = 0;
  if (rc >= 0) {
    const merger = new Merger(b);
    merger.conflicts = 0;
    rc = merger.mergeTrees(base, xs, ys, m, 0);
    conflicts = merger.conflicts;
    merger.free();
    if (rc == 0) rc = b.put(OBJ_TREE, 0, 0, m);
  }
  if (rc >= 0) rc = graft(b, x, m, prefixes, prefLen, out);
  heap.free(t);
  return rc < 0 ? rc : conflicts;
}
