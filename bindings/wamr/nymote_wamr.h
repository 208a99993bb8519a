/*
 * Running a Nymote image under WAMR (bytecodealliance/wasm-micro-runtime, the
 * espressif/wasm-micro-runtime component on ESP-IDF), through its public API
 * (wasm_export.h, WAMR 2.x) only.
 *
 * The runner owns one module instance. WAMR allocates everything (module,
 * instance, linear memory, exec stack) from the fixed pool given at init, so the
 * image's RAM use is bounded by the board's runtimePoolBytes and nothing else is
 * malloc'd. The module is built with exportRuntime, so its app heap is 0 and WAMR
 * never runs its own allocator inside linear memory.
 *
 * Life cycle: nymote_runner_init → nymote_runner_load (bytes) or _load_file →
 * nymote_runner_setup → { nymote_runner_loop; nymote_runner_sync until the next wake-up }.
 */
#ifndef NYMOTE_WAMR_H
#define NYMOTE_WAMR_H

#include <stdbool.h>
#include <stdint.h>

#include "nymote_abi.h"
#include "wasm_export.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct {
  void *pool;             /* WAMR's heap: module, instance, linear memory, stacks */
  uint32_t pool_bytes;    /* boards/<board>.json budget.runtimePoolBytes */
  uint32_t stack_bytes;   /* WAMR exec stack: budget.nativeStackBytes */
} nymote_runner_config;

typedef struct {
  wasm_module_t module;
  wasm_module_inst_t inst;
  wasm_exec_env_t env;
  wasm_function_inst_t setup, loop;
  /* The SDK's sync pump (optional: images whose app starts sync). */
  wasm_function_inst_t sync_tick, sync_receive, sync_take, mem_alloc;
  uint32_t io_buf;        /* app offset of a NYMOTE_IO_BUF-byte buffer inside linear memory */
  uint8_t *file_buf;      /* module bytes read by _load_file (pool memory) */
  char error[128];        /* the last failure, for logs */
} nymote_runner;

#define NYMOTE_IO_BUF 512

/* Fills ctx so nymote_imports.c can reach the calling instance's memory. */
void nymote_wamr_ctx(wasm_exec_env_t env, nymote_ctx *ctx);
/* Registers the "nymote" import module (generated: nymote_wamr_natives.c). */
bool nymote_wamr_register_natives(void);

/* Starts WAMR on the pool and registers the natives. OK or E_NOMEM. */
int32_t nymote_runner_init(const nymote_runner_config *cfg);
/* Loads and instantiates a module. `bytes` must stay valid and writable until
 * nymote_runner_unload (WAMR's loader may patch it). OK, E_CORRUPT or E_NOMEM;
 * r->error says why. */
int32_t nymote_runner_load(nymote_runner *r, uint8_t *bytes, uint32_t len, uint32_t stack_bytes);
/* Reads a .wasm file into pool memory, then loads it (POSIX-like file systems:
 * ESP-IDF's VFS, a host). */
int32_t nymote_runner_load_file(nymote_runner *r, const char *path, uint32_t stack_bytes);
/* Calls the app's setup(). OK, or E_STATE when the module trapped. */
int32_t nymote_runner_setup(nymote_runner *r);
/* Calls loop(now_ms); returns the monotonic ms of the next wake-up, a negative
 * value when the app asked to stop, or INT64_MIN when the module trapped. */
int64_t nymote_runner_loop(nymote_runner *r, int64_t now_ms);
/* The sync step (the SDK's pump, bindings/abi/builder.json): sdk_sync_tick(now_ms)
 * (opens, times and ends sessions inside the image), the platform's byte link →
 * sdk_sync_receive, sdk_sync_take → the link. Returns bytes moved, 0 when there
 * was nothing to do or the app has not started sync, E_UNSUPPORTED when the
 * image has no sync pump, E_STATE when the module trapped, or the link's error. */
int32_t nymote_runner_sync(nymote_runner *r, int64_t now_ms);
void nymote_runner_unload(nymote_runner *r);
void nymote_runner_deinit(void);

#ifdef __cplusplus
}
#endif
#endif
