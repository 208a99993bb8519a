/*
 * The platform layer on a POSIX host (Linux, macOS): /dev/urandom (nymote_random_file.c), the system
 * clocks, stderr for the log, a file for the data partition (NYMOTE_FLASH, default
 * nymote-flash.bin, NYMOTE_FLASH_SIZE bytes), file descriptors for the byte link
 * (nymote_posix_set_link, or NYMOTE_LINK_FD) and simulated peripherals
 * (nymote_sim_periph.c).
 */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>
#include <unistd.h>

#include "nymote_flash_file.h"
#include "nymote_platform.h"

#ifndef NYMOTE_FLASH_SIZE
#define NYMOTE_FLASH_SIZE (256u * 1024u)
#endif

static int link_in = -1;
static int link_out = -1;

void nymote_posix_set_link(int in_fd, int out_fd) {
  link_in = in_fd;
  link_out = out_fd;
  if (in_fd >= 0) fcntl(in_fd, F_SETFL, fcntl(in_fd, F_GETFL) | O_NONBLOCK);
}

int32_t nymote_platform_init(void) {
  /* NYMOTE_LINK_FD=n: the byte link is file descriptor n (a socket or pipe the
   * parent process passed in), both ways. */
  const char *fd = getenv("NYMOTE_LINK_FD");
  if (fd && *fd) nymote_posix_set_link(atoi(fd), atoi(fd));
  const char *path = getenv("NYMOTE_FLASH");
  return nymote_flash_file_open(path ? path : "nymote-flash.bin", NYMOTE_FLASH_SIZE);
}

void nymote_platform_deinit(void) { nymote_flash_file_close(); }

int64_t nymote_clock_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_REALTIME, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

int64_t nymote_monotonic_ms(void) {
  struct timespec ts;
  if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) return 0;
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

void nymote_log(int32_t level, const char *msg, size_t len) {
  static const char *names[] = {"error", "warn", "info", "debug"};
  fprintf(stderr, "[%s] %.*s\n", level >= 0 && level <= 3 ? names[level] : "debug", (int)len, msg);
}

int32_t nymote_io_read(uint8_t *buf, size_t cap) {
  if (link_in < 0) return NYMOTE_E_UNSUPPORTED;
  ssize_t n = read(link_in, buf, cap);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : NYMOTE_E_IO;
  return (int32_t)n;
}

int32_t nymote_io_write(const uint8_t *buf, size_t len) {
  if (link_out < 0) return NYMOTE_E_UNSUPPORTED;
  ssize_t n = write(link_out, buf, len);
  if (n < 0) return errno == EAGAIN || errno == EWOULDBLOCK ? 0 : NYMOTE_E_IO;
  return (int32_t)n;
}
