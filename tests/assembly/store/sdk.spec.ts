// The SDK as a firmware author uses it (the example in docs/sdk.md), with the
// device builds' store bounds (16 staged writes, a 32 KiB memory store).
import { E_INVAL, E_NOTFOUND, OK, Store } from "../../../assembly/sdk";

describe("sdk", () => {
  it("writes typed values, appends to a series, commits and reads back", () => {
    const store = Store.openMemory()!;
    expect(store.setWriter("kitchen-sensor")).toBe(OK);
    expect(store.setAuthor("Kitchen Sensor <kitchen@home.arpa>")).toBe(OK);
    expect(store.setFloat("kitchen/temp", 21.5)).toBe(OK);
    expect(store.setInt("kitchen/battery", 87)).toBe(OK);
    expect(store.setText("kitchen/name", "Küche")).toBe(OK);
    expect(store.appendFloat("kitchen/series", 21.5)).toBe(OK);
    expect(store.appendFloat("kitchen/series", 21.75)).toBe(OK);
    expect(store.count("door/opened", 1)).toBe(OK);
    expect(store.count("door/opened", 2)).toBe(OK);
    expect(store.addToSet("home/people", "alice")).toBe(OK);
    expect(store.commit("first readings")).toBe(OK);
    expect(store.getFloat("kitchen/temp")).toBe(21.5);
    expect(store.getInt("kitchen/battery")).toBe(87);
    expect(store.counter("door/opened")).toBe(3);
    expect(store.inSet("home/people", "alice")).toBe(1);
    expect(store.inSet("home/people", "bob")).toBe(0);
    expect(store.removeFromSet("home/people", "alice")).toBe(OK);
    expect(store.inSet("home/people", "alice")).toBe(0);
    expect(store.getInt("nothing/here", -1)).toBe(-1);
    const buf = heap.alloc(8);
    expect(store.get("nothing/here", buf, 8)).toBe(E_NOTFOUND);
    heap.free(buf);
    expect(store.setInt("bad//path", 1)).toBe(E_INVAL);
    expect(store.setInt("kitchen/temp", 22)).toBe(OK);
    expect(store.commit("second")).toBe(OK);
    expect(store.getFloat("kitchen/temp")).toBe(22.0);
    store.close();
  });

  it("keeps committing inside the device memory until the memory store is full", () => {
    const store = Store.openMemory()!;
    let rc = OK;
    let commits = 0;
    while (rc == OK && commits < 1000) {
      rc = store.appendInt("s", commits);
      if (rc == OK) rc = store.commit("tick");
      if (rc == OK) commits++;
    }
    // The memory backend's budget ends the loop with an error code, never a trap.
    expect(rc).toBeLessThan(0);
    expect(commits).toBeGreaterThan(10);
    store.close();
  });
});
