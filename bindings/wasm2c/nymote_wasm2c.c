/* Linear-memory access and traps for the wasm2c glue (see nymote_ctx.h). */
#include "nymote_wasm2c.h"

static uint8_t *mem_at(void *self, uint32_t offset, uint32_t len) {
  wasm_rt_memory_t *m = ((struct Z_nymote_instance_t *)self)->memory;
  if (!m->data || offset > m->size || len > m->size - offset) return NULL;
  return m->data + offset;
}

/* wasm_rt_trap longjmps to the runner's wasm_rt_impl_try(). */
static void trap(void *self, const char *why) {
  (void)self;
  (void)why;
  wasm_rt_trap(WASM_RT_TRAP_UNREACHABLE);
}

void nymote_wasm2c_attach(struct Z_nymote_instance_t *host, wasm_rt_memory_t *memory) {
  host->ctx.self = host;
  host->ctx.mem_at = mem_at;
  host->ctx.trap = trap;
  host->memory = memory;
}
