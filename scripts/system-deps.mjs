// Debian packages the test suites need. Installs what is missing when it can
// (root with apt-get), otherwise fails naming exactly what is missing: a suite is
// never skipped silently.
import { execFileSync, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

/** command or file that proves the package is there → Debian package */
export const SYSTEM_DEPS = [
  { check: "wasm2c", pkg: "wabt", why: "wasm2c native builds of the core" },
  { check: "wasm-opt", pkg: "binaryen", why: "fast native wasm-opt (the npm one is slower but works)" },
  { check: "riscv64-unknown-elf-gcc", pkg: "gcc-riscv64-unknown-elf", why: "RISC-V cross build of the core" },
  {
    check: "/usr/lib/picolibc/riscv64-unknown-elf/picolibc.specs",
    pkg: "picolibc-riscv64-unknown-elf",
    why: "C library for the RISC-V build",
  },
  { check: "qemu-system-riscv32", pkg: "qemu-system-misc", why: "runs the RISC-V self-test" },
  { check: "mosquitto", pkg: "mosquitto", why: "sync over a real MQTT broker" },
  { check: "git", pkg: "git", why: "Git interop tests" },
  { check: "ssh-keygen", pkg: "openssh-client", why: "SSH signature interop tests" },
  { check: "cmake", pkg: "cmake", why: "parses the ESP-IDF template's CMake files (cmake -P)" },
];

function present(check) {
  if (check.startsWith("/")) return existsSync(check);
  return spawnSync("sh", ["-c", `command -v ${check} || test -x /usr/sbin/${check}`], { stdio: "ignore" }).status === 0;
}

export function ensureSystemDeps() {
  let missing = SYSTEM_DEPS.filter((d) => !present(d.check));
  if (missing.length === 0) return;
  const canApt = process.getuid?.() === 0 && present("apt-get");
  if (canApt) {
    const pkgs = [...new Set(missing.map((d) => d.pkg))];
    console.log(`installing Debian packages: ${pkgs.join(" ")}`);
    execFileSync("apt-get", ["update", "-qq"], { stdio: "inherit" });
    execFileSync("apt-get", ["install", "-y", "-qq", "--no-install-recommends", ...pkgs], {
      stdio: "inherit",
      env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
    });
    missing = SYSTEM_DEPS.filter((d) => !present(d.check));
  }
  if (missing.length > 0) {
    const lines = missing.map((d) => `  ${d.check} (Debian package ${d.pkg}): ${d.why}`).join("\n");
    throw new Error(`missing system packages; install them with apt-get install -y ${missing.map((d) => d.pkg).join(" ")}\n${lines}`);
  }
}

if (import.meta.url === `file://${process.argv[1]}`) ensureSystemDeps();
