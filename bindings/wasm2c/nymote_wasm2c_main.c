/*
 * The native runner for a wasm2c-translated image (boards whose runtime is
 * wasm2c: host, qemu-rv32). Built with -DNYMOTE_SELFTEST it calls the self-test
 * entry once and exits with its result; otherwise it runs the app: setup(), then
 * loop(now), waiting until the time loop() asks to be woken. With
 * NYMOTE_MAX_LOOPS = n > 0 (tests) it runs n loops back to back and fast-forwards
 * the clock instead of waiting: each loop's now is the previous wake-up. Exit status: 0 ok, 1 the module failed or trapped,
 * 2 the platform could not start.
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

#ifndef NYMOTE_SELFTEST
static void wait_until(int64_t wake_ms) {
  /* A device sleeps here; the native runner spins on the platform clock, which
   * the semihosting platform can read but not sleep on. */
  while (nymote_monotonic_ms() < wake_ms) {
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
