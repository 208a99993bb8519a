/*
 * picolibc has no <sys/mman.h>, which wasm2c's wasm-rt-impl.c includes. Built with
 * WASM_RT_MEMCHECK_SIGNAL_HANDLER=0 the runtime allocates linear memory with
 * calloc and never calls these; they are declared, and fail, so it compiles.
 */
#ifndef NYMOTE_PICOLIBC_SYS_MMAN_H
#define NYMOTE_PICOLIBC_SYS_MMAN_H
#include <stddef.h>
#include <sys/types.h>

#define PROT_NONE 0
#define PROT_READ 1
#define PROT_WRITE 2
#define MAP_PRIVATE 2
#define MAP_ANONYMOUS 0x20
#define MAP_ANON MAP_ANONYMOUS
#define MAP_FAILED ((void *)-1)

static inline void *mmap(void *addr, size_t len, int prot, int flags, int fd, off_t off) {
  (void)addr, (void)len, (void)prot, (void)flags, (void)fd, (void)off;
  return MAP_FAILED;
}
static inline int munmap(void *addr, size_t len) {
  (void)addr, (void)len;
  return -1;
}
static inline int mprotect(void *addr, size_t len, int prot) {
  (void)addr, (void)len, (void)prot;
  return -1;
}
#endif
