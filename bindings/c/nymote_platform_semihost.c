/*
 * The platform layer on QEMU's virt board through ARM/RISC-V semihosting (picolibc
 * --oslib=semihost): the host's /dev/urandom (nymote_random_file.c), the semihosting clocks, the
 * semihosting console for the log and a host file for the data partition
 * (nymote-flash.bin in QEMU's working directory). There is no byte link.
 */
#include <semihost.h>
#include <stdio.h>

#include "nymote_flash_file.h"
#include "nymote_platform.h"

#ifndef NYMOTE_FLASH_SIZE
#define NYMOTE_FLASH_SIZE (256u * 1024u)
#endif
#ifndef NYMOTE_FLASH_PATH
#define NYMOTE_FLASH_PATH "nymote-flash.bin"
#endif

int32_t nymote_platform_init(void) { return nymote_flash_file_open(NYMOTE_FLASH_PATH, NYMOTE_FLASH_SIZE); }

void nymote_platform_deinit(void) { nymote_flash_file_close(); }

/* SYS_TIME has one-second resolution: good enough for timestamps, and 0 ("unknown")
 * is never returned by a host with a set clock. */
int64_t nymote_clock_ms(void) { return (int64_t)sys_semihost_time() * 1000; }

/* SYS_ELAPSED counts ticks of SYS_TICKFREQ Hz since the program started. */
int64_t nymote_monotonic_ms(void) {
  static uint64_t freq;
  if (freq == 0) {
    uintptr_t f = sys_semihost_tickfreq();
    freq = f == 0 || f == (uintptr_t)-1 ? 1000 : (uint64_t)f;
  }
  return (int64_t)(sys_semihost_elapsed() * 1000 / freq);
}

void nymote_log(int32_t level, const char *msg, size_t len) {
  static const char *names[] = {"error", "warn", "info", "debug"};
  printf("[%s] %.*s\n", level >= 0 && level <= 3 ? names[level] : "debug", (int)len, msg);
}

int32_t nymote_io_read(uint8_t *buf, size_t cap) {
  (void)buf;
  (void)cap;
  return NYMOTE_E_UNSUPPORTED;
}

int32_t nymote_io_write(const uint8_t *buf, size_t len) {
  (void)buf;
  (void)len;
  return NYMOTE_E_UNSUPPORTED;
}
