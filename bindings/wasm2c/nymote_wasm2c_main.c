/*
 * The native runner for a wasm2c-translated image (boards whose runtime is
 * wasm2c: host, qemu-rv32). Built with -DNYMOTE_SELFTEST it calls the self-test
 * entry once and exits with its result; otherwise it runs the app: setup(), then
 * loop(now), waiting until the time loop() asks to be woken. With
 * NYMOTE_MAX_LOOPS = n > 0 (tests) it runs n loops back to back and fast-forwards
 * the clock instead of waiting: each loop's now is the previous wake-up. Built
 * with -DNYMOTE_SYNC (nymote build sets it when the image exports the SDK's sync
 * pump, bindings/abi/builder.json) it moves bytes between the platform's byte
 * link and the image while it waits: sdk_sync_tick(now), link → sdk_sync_receive,
 * sdk_sync_take → link. Exit status: 0 ok, 1 the module failed or trapped, 2 the
 * platform could not start.
 */
#include <stdio.h>
#include <string.h>

#include "nymote_platform.h"
#include "nymote_wasm2c.h"
#include "wasm-rt-impl.h"

#ifndef NYMOTE_MAX_LOOPS
#define NYMOTE_MAX_LOOPS 0
#endif

static Z_nymote_app_instance_t app;
static struct Z_nymote_instance_t host;

/* Highest byte the module ever wrote below the allocator's bookkeeping at the very
 * end of memory (AssemblyScript's TLSF keeps a sentinel block header and the last
 * free block's back pointer in the top bytes): memory starts zeroed and nothing
 * clears it, so this is the peak of static data, shadow stack and heap together. */
#define ALLOCATOR_TAIL 64u
static uint32_t linear_high_water(void) {
  wasm_rt_memory_t *m = Z_nymote_appZ_memory(&app);
  uint32_t top = (uint32_t)m->size > ALLOCATOR_TAIL ? (uint32_t)m->size - ALLOCATOR_TAIL : 0;
  while (top > 0 && m->data[top - 1] == 0) top--;
  return top;
}

#ifdef NYMOTE_SYNC
/* The sync step: one tick, what the link has, everything the image has to send.
 * Returns bytes moved, or a negative code (the link failed). The buffer lives in
 * linear memory (mem_alloc), so the image reads and writes it in place. */
#define SYNC_IO_BUF 512u
static u32 sync_buf;
static int32_t sync_step(int64_t now_ms) {
  if (sync_buf == 0 && (sync_buf = Z_nymote_appZ_mem_alloc(&app, SYNC_IO_BUF)) == 0) return NYMOTE_E_NOMEM;
  if ((int32_t)Z_nymote_appZ_sdk_sync_tick(&app, (u64)now_ms) == NYMOTE_E_STATE) return 0; /* sync not started */
  wasm_rt_memory_t *m = Z_nymote_appZ_memory(&app);
  int32_t moved = 0;
  int32_t n = nymote_io_read(m->data + sync_buf, SYNC_IO_BUF);
  if (n < 0) return n == NYMOTE_E_UNSUPPORTED ? 0 : n;
  if (n > 0) {
    Z_nymote_appZ_sdk_sync_receive(&app, sync_buf, (u32)n); /* < 0: the link ended; the image logged why */
    moved += n;
  }
  for (;;) {
    int32_t out = (int32_t)Z_nymote_appZ_sdk_sync_take(&app, sync_buf, SYNC_IO_BUF);
    if (out <= 0) break;
    for (int32_t sent = 0; sent < out;) {
      int32_t w = nymote_io_write(Z_nymote_appZ_memory(&app)->data + sync_buf + sent, (size_t)(out - sent));
      if (w < 0) return w;
      sent += w; /* 0: the link is full; it drains, so retry */
    }
    moved += out;
  }
  return moved;
}
#endif

#ifndef NYMOTE_SELFTEST
static void wait_until(int64_t wake_ms) {
  /* A device sleeps here; the native runner spins on the platform clock, which
   * the semihosting platform can read but not sleep on, and runs the sync step. */
  while (nymote_monotonic_ms() < wake_ms) {
#ifdef NYMOTE_SYNC
    sync_step(nymote_monotonic_ms());
#endif
  }
}
#endif

int main(void) {
  if (nymote_platform_init() != NYMOTE_OK) {
    fprintf(stderr, "nymote: platform init failed (flash file)\n");
    return 2;
  }
  wasm_rt_init();
  Z_nymote_app_init_module();
  nymote_wasm2c_attach(&host, Z_nymote_appZ_memory(&app));
  int result = 1;
  wasm_rt_trap_t trap = wasm_rt_impl_try();
  if (trap != WASM_RT_TRAP_NONE) {
    printf("nymote: module trapped: %s\n", wasm_rt_strerror(trap));
    printf("nymote: linear memory high-water %lu bytes\n", (unsigned long)linear_high_water());
    nymote_platform_deinit();
    return 1;
  }
  Z_nymote_app_instantiate(&app, &host);
#ifdef NYMOTE_SELFTEST
  int32_t failed = (int32_t)Z_nymote_appZ_selftest_run(&app);
  printf("nymote: selftest %s (%ld failed of %ld checks)\n", failed == 0 ? "passed" : "FAILED", (long)failed,
         (long)(int32_t)Z_nymote_appZ_selftest_checks(&app));
  result = failed == 0 ? 0 : 1;
#else
  Z_nymote_appZ_setup(&app);
  int64_t now = nymote_monotonic_ms();
  for (unsigned long i = 0; NYMOTE_MAX_LOOPS == 0 || i < NYMOTE_MAX_LOOPS; i++) {
    int64_t next = (int64_t)Z_nymote_appZ_loop(&app, (u64)now);
    if (next < 0) break;
#ifdef NYMOTE_SYNC
    sync_step(now);
#endif
    if (NYMOTE_MAX_LOOPS == 0) {
      wait_until(next);
      now = nymote_monotonic_ms();
    } else {
      now = next > now ? next : now;
    }
  }
  result = 0;
#endif
  printf("nymote: linear memory high-water %lu of %lu bytes\n", (unsigned long)linear_high_water(),
         (unsigned long)Z_nymote_appZ_memory(&app)->size);
  Z_nymote_app_free(&app);
  wasm_rt_free();
  nymote_platform_deinit();
  return result;
}
