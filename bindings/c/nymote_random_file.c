/*
 * nymote_random from the host's /dev/urandom, for the POSIX and QEMU-semihosting
 * platforms: open/read are system calls on a host and semihosting calls to the
 * host's file system under QEMU, so both read the same device.
 */
#define _POSIX_C_SOURCE 200809L
#include <fcntl.h>
#include <unistd.h>

#include "nymote_platform.h"

int32_t nymote_random(uint8_t *buf, size_t len) {
  int fd = open("/dev/urandom", O_RDONLY);
  if (fd < 0) return NYMOTE_E_IO;
  while (len > 0) {
    ssize_t n = read(fd, buf, len);
    if (n <= 0) {
      close(fd);
      return NYMOTE_E_IO;
    }
    buf += n;
    len -= (size_t)n;
  }
  close(fd);
  return NYMOTE_OK;
}
