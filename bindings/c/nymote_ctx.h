/*
 * What an import implementation needs from the runtime that called it: access to
 * the module's linear memory (bounds-checked) and a way to stop the module. The
 * wasm2c glue and the WAMR glue each fill one in; nymote_imports.c uses only this.
 */
#ifndef NYMOTE_CTX_H
#define NYMOTE_CTX_H

#include <stddef.h>
#include <stdint.h>

typedef struct nymote_ctx {
  void *self;
  /* Native address of linear memory [offset, offset+len), or NULL when any byte of
   * it lies outside the memory. Must not raise a trap or exception itself. */
  uint8_t *(*mem_at)(void *self, uint32_t offset, uint32_t len);
  /* Stop the module: the current call fails and the runner sees why. Returns to
   * the caller (WAMR) or does not (wasm2c longjmps); callers return right after. */
  void (*trap)(void *self, const char *why);
} nymote_ctx;

/* Wasm passes pointers and lengths as i32; a negative length is never valid. */
static inline uint8_t *nymote_mem_at(nymote_ctx *ctx, int32_t offset, int32_t len) {
  if (len < 0) return NULL;
  return ctx->mem_at(ctx->self, (uint32_t)offset, (uint32_t)len);
}

#endif
