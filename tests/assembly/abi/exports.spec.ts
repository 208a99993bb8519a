import { mem_alloc, mem_free } from "../../../assembly/abi/exports";

describe("mem_alloc", () => {
  it("returns distinct writable buffers and 0 for empty requests", () => {
    const a = mem_alloc(100);
    const b = mem_alloc(100);
    expect(a).not.toBe(0);
    expect(b).not.toBe(0);
    expect(a).not.toBe(b);
    memory.fill(a, 0xaa, 100);
    memory.fill(b, 0x55, 100);
    expect(load<u8>(a + 99)).toBe(0xaa);
    expect(mem_alloc(0)).toBe(0);
    expect(mem_alloc(-5)).toBe(0);
    mem_free(a);
    mem_free(b);
  });
});
