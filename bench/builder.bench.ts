// The device self-test natively (issue 8): host gcc and rv32imc under
// qemu-system-riscv32 with the ESP32-C3's 400 KiB of RAM. Checks run, the native
// run's wall time (QEMU included), the module, the ELF's sections and the peak
// linear memory (the highest byte the module wrote of its 128 KiB).
import { selftest } from "../host/build/selftest.ts";

export async function run(): Promise<void> {
  console.log("| board | result | checks | run (ms) | .wasm bytes | ELF text | ELF data | ELF bss | peak linear memory |");
  console.log("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |");
  for (const board of ["host", "qemu-rv32"]) {
    const r = await selftest({ board });
    const elf = r.elf ?? { text: "?", data: "?", bss: "?" };
    console.log(
      `| ${board} | ${r.passed ? "passed" : "FAILED"} | ${r.checks ?? "?"} | ${r.runMs} | ${r.wasm.wasmBytes} | ${elf.text} | ${elf.data} | ${elf.bss} | ${r.highWater ?? "?"} of ${r.memoryBytes} |`,
    );
  }
}
