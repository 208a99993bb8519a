// A device that stays offline keeps committing inside its fixed 128 KiB. The
// incremental GC alone lets garbage pile up towards the limit between commits;
// the core collects before each commit itself (a real runtime makes no host
// call to do it), so the heap after every commit stays where the first left it.
import assert from "node:assert/strict";
import { test } from "node:test";
import { SimDevice } from "../../host/sim/device.ts";

test("300 offline signed commits on flash leave the device heap where the first commit left it", () => {
  let now = 1_700_000_000;
  const d = new SimDevice({ name: "offline", clock: () => now++, seed: 11 });
  let first = 0;
  for (let i = 0; i < 300; i++) {
    for (let j = 0; j < 4; j++) d.record(`s${j}`, [now, i * 4 + j]);
    assert.ok(d.commit() !== null, `commit ${i}`);
    const used = d.core.heapStats().used;
    if (i === 0) first = used;
    assert.ok(used <= first + 4096, `heap after commit ${i}: ${used} B, after the first ${first} B`);
  }
  assert.equal(d.commits, 300);
  assert.equal(d.core.memoryBytes, 128 * 1024, "the device build never grows");
});
