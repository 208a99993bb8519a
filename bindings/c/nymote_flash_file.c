/*
 * NOR flash simulated in a file, for the POSIX and QEMU-semihosting platforms
 * (open/lseek/read/write exist on both; under QEMU they are semihosting calls to
 * the host's file system, so the flash survives a "power cut" = killed process).
 * Keeps NOR's rules as strictly as host/runtime/flash.ts (MemoryFlash) does: a
 * fresh file is all 0xFF, erase is whole sectors, and a write may only clear bits;
 * one that would set a 0 bit (real NOR silently keeps the 0) is refused with E_IO
 * before anything is written, so such bugs show up in native tests too.
 */
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nymote_flash_file.h"

#define SECTOR 4096u
#define CHUNK 256u

static int flash_fd = -1;
static uint32_t flash_size;
static uint8_t chunk[CHUNK];

static int32_t pread_all(uint32_t off, uint8_t *buf, size_t len) {
  if (lseek(flash_fd, (off_t)off, SEEK_SET) != (off_t)off) return NYMOTE_E_IO;
  while (len > 0) {
    ssize_t n = read(flash_fd, buf, len);
    if (n <= 0) return NYMOTE_E_IO;
    buf += n;
    len -= (size_t)n;
  }
  return NYMOTE_OK;
}

static int32_t pwrite_all(uint32_t off, const uint8_t *buf, size_t len) {
  if (lseek(flash_fd, (off_t)off, SEEK_SET) != (off_t)off) return NYMOTE_E_IO;
  while (len > 0) {
    ssize_t n = write(flash_fd, buf, len);
    if (n <= 0) return NYMOTE_E_IO;
    buf += n;
    len -= (size_t)n;
  }
  return NYMOTE_OK;
}

int32_t nymote_flash_file_open(const char *path, uint32_t size) {
  if (size == 0 || size % SECTOR != 0) return NYMOTE_E_INVAL;
  flash_fd = open(path, O_RDWR | O_CREAT, 0644);
  if (flash_fd < 0) return NYMOTE_E_IO;
  flash_size = size;
  off_t have = lseek(flash_fd, 0, SEEK_END);
  if (have < 0) return NYMOTE_E_IO;
  /* Grow a new or short file with erased bytes. */
  memset(chunk, 0xFF, CHUNK);
  for (uint32_t off = (uint32_t)have; off < size; off += CHUNK) {
    uint32_t n = size - off < CHUNK ? size - off : CHUNK;
    int32_t rc = pwrite_all(off, chunk, n);
    if (rc) return rc;
  }
  return NYMOTE_OK;
}

void nymote_flash_file_close(void) {
  if (flash_fd >= 0) close(flash_fd);
  flash_fd = -1;
}

static int inside(uint32_t off, size_t len) { return off <= flash_size && len <= flash_size - off; }

int32_t nymote_flash_geometry(nymote_flash_geom *out) {
  if (flash_fd < 0) return NYMOTE_E_IO;
  out->size = flash_size;
  out->sector_size = SECTOR;
  out->write_granularity = 1;
  return NYMOTE_OK;
}

int32_t nymote_flash_read(uint32_t offset, uint8_t *buf, size_t len) {
  if (flash_fd < 0) return NYMOTE_E_IO;
  if (!inside(offset, len)) return NYMOTE_E_BOUNDS;
  return len == 0 ? NYMOTE_OK : pread_all(offset, buf, len);
}

int32_t nymote_flash_write(uint32_t offset, const uint8_t *buf, size_t len) {
  if (flash_fd < 0) return NYMOTE_E_IO;
  if (!inside(offset, len)) return NYMOTE_E_BOUNDS;
  for (size_t done = 0; done < len; done += CHUNK) {
    size_t n = len - done < CHUNK ? len - done : CHUNK;
    int32_t rc = pread_all(offset + (uint32_t)done, chunk, n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++)
      if (~chunk[i] & buf[done + i]) return NYMOTE_E_IO;
  }
  while (len > 0) {
    size_t n = len < CHUNK ? len : CHUNK;
    int32_t rc = pread_all(offset, chunk, n);
    if (rc) return rc;
    for (size_t i = 0; i < n; i++) chunk[i] &= buf[i];
    rc = pwrite_all(offset, chunk, n);
    if (rc) return rc;
    offset += (uint32_t)n;
    buf += n;
    len -= n;
  }
  return NYMOTE_OK;
}

int32_t nymote_flash_erase(uint32_t offset, uint32_t len) {
  if (flash_fd < 0) return NYMOTE_E_IO;
  if (offset % SECTOR != 0 || len % SECTOR != 0) return NYMOTE_E_INVAL;
  if (!inside(offset, len)) return NYMOTE_E_BOUNDS;
  memset(chunk, 0xFF, CHUNK);
  for (uint32_t done = 0; done < len; done += CHUNK) {
    int32_t rc = pwrite_all(offset + done, chunk, CHUNK);
    if (rc) return rc;
  }
  return NYMOTE_OK;
}
