/*
 * The WAMR runner (nymote_wamr.h). Uses only WAMR's public API; every call into
 * the module goes through call(), which turns a trap into E_STATE and keeps the
 * exception text in r->error.
 */
#include <stdio.h>
#include <string.h>

#include "nymote_platform.h"
#include "nymote_wamr.h"

/* ---- the import context -------------------------------------------------- */

static uint8_t *mem_at(void *self, uint32_t offset, uint32_t len) {
  wasm_module_inst_t inst = (wasm_module_inst_t)self;
  uint64_t start = 0, end = 0;
  /* get_app_addr_range does not raise an exception (validate_app_addr would),
   * so a bad pointer stays an E_BOUNDS return for the module. */
  if (!wasm_runtime_get_app_addr_range(inst, offset, &start, &end)) return NULL;
  if ((uint64_t)offset + len > end) return NULL;
  return (uint8_t *)wasm_runtime_addr_app_to_native(inst, offset);
}

static void trap(void *self, const char *why) { wasm_runtime_set_exception((wasm_module_inst_t)self, why); }

void nymote_wamr_ctx(wasm_exec_env_t env, nymote_ctx *ctx) {
  ctx->self = wasm_runtime_get_module_inst(env);
  ctx->mem_at = mem_at;
  ctx->trap = trap;
}

/* ---- runtime ---------------------------------------------------------------- */

int32_t nymote_runner_init(const nymote_runner_config *cfg) {
  RuntimeInitArgs args;
  memset(&args, 0, sizeof args);
  args.mem_alloc_type = Alloc_With_Pool;
  args.mem_alloc_option.pool.heap_buf = cfg->pool;
  args.mem_alloc_option.pool.heap_size = cfg->pool_bytes;
  if (!wasm_runtime_full_init(&args)) return NYMOTE_E_NOMEM;
  if (!nymote_wamr_register_natives()) {
    wasm_runtime_destroy();
    return NYMOTE_E_NOMEM;
  }
  return NYMOTE_OK;
}

void nymote_runner_deinit(void) { wasm_runtime_destroy(); }

static void set_error(nymote_runner *r, const char *what, const char *why) {
  snprintf(r->error, sizeof r->error, "%s: %s", what, why ? why : "?");
  nymote_log(NYMOTE_LOG_ERROR, r->error, strlen(r->error));
}

/* argv holds the arguments in 32-bit cells (an i64 takes two, low cell first)
 * and receives the result the same way. */
static bool call(nymote_runner *r, wasm_function_inst_t fn, const char *name, uint32_t argc, uint32_t *argv) {
  if (wasm_runtime_call_wasm(r->env, fn, argc, argv)) return true;
  set_error(r, name, wasm_runtime_get_exception(r->inst));
  return false;
}

int32_t nymote_runner_load(nymote_runner *r, uint8_t *bytes, uint32_t len, uint32_t stack_bytes) {
  char err[96];
  uint8_t *keep = r->file_buf;
  memset(r, 0, sizeof *r);
  r->file_buf = keep;
  r->module = wasm_runtime_load(bytes, len, err, sizeof err);
  if (!r->module) {
    set_error(r, "load", err);
    return NYMOTE_E_CORRUPT;
  }
  /* App heap 0: the module's own allocator (exportRuntime) manages its memory. */
  r->inst = wasm_runtime_instantiate(r->module, stack_bytes, 0, err, sizeof err);
  if (!r->inst) {
    set_error(r, "instantiate", err);
    nymote_runner_unload(r);
    return NYMOTE_E_NOMEM;
  }
  r->env = wasm_runtime_create_exec_env(r->inst, stack_bytes);
  if (!r->env) {
    set_error(r, "exec env", "out of pool memory");
    nymote_runner_unload(r);
    return NYMOTE_E_NOMEM;
  }
  r->setup = wasm_runtime_lookup_function(r->inst, "setup");
  r->loop = wasm_runtime_lookup_function(r->inst, "loop");
  if (!r->setup || !r->loop) {
    set_error(r, "load", "the image does not export setup and loop");
    nymote_runner_unload(r);
    return NYMOTE_E_CORRUPT;
  }
  r->sync_tick = wasm_runtime_lookup_function(r->inst, "sdk_sync_tick");
  r->sync_receive = wasm_runtime_lookup_function(r->inst, "sdk_sync_receive");
  r->sync_take = wasm_runtime_lookup_function(r->inst, "sdk_sync_take");
  r->mem_alloc = wasm_runtime_lookup_function(r->inst, "mem_alloc");
  return NYMOTE_OK;
}

int32_t nymote_runner_load_file(nymote_runner *r, const char *path, uint32_t stack_bytes) {
  FILE *f = fopen(path, "rb");
  if (!f) return NYMOTE_E_NOTFOUND;
  long len = -1;
  if (fseek(f, 0, SEEK_END) == 0) len = ftell(f);
  if (len <= 0 || fseek(f, 0, SEEK_SET) != 0) {
    fclose(f);
    return NYMOTE_E_IO;
  }
  uint8_t *buf = (uint8_t *)wasm_runtime_malloc((unsigned)len);
  if (!buf) {
    fclose(f);
    return NYMOTE_E_NOMEM;
  }
  size_t got = fread(buf, 1, (size_t)len, f);
  fclose(f);
  if (got != (size_t)len) {
    wasm_runtime_free(buf);
    return NYMOTE_E_IO;
  }
  r->file_buf = buf;
  int32_t rc = nymote_runner_load(r, buf, (uint32_t)len, stack_bytes);
  if (rc != NYMOTE_OK && r->file_buf) {
    wasm_runtime_free(r->file_buf);
    r->file_buf = NULL;
  }
  return rc;
}

int32_t nymote_runner_setup(nymote_runner *r) {
  uint32_t argv[2] = {0, 0};
  return call(r, r->setup, "setup", 0, argv) ? NYMOTE_OK : NYMOTE_E_STATE;
}

int64_t nymote_runner_loop(nymote_runner *r, int64_t now_ms) {
  uint32_t argv[2] = {(uint32_t)((uint64_t)now_ms & 0xffffffffu), (uint32_t)((uint64_t)now_ms >> 32)};
  if (!call(r, r->loop, "loop", 2, argv)) return INT64_MIN;
  return (int64_t)(((uint64_t)argv[1] << 32) | argv[0]);
}

int32_t nymote_runner_sync(nymote_runner *r, int64_t now_ms) {
  if (!r->sync_tick || !r->sync_receive || !r->sync_take || !r->mem_alloc) return NYMOTE_E_UNSUPPORTED;
  uint32_t argv[3];
  if (r->io_buf == 0) {
    argv[0] = NYMOTE_IO_BUF;
    if (!call(r, r->mem_alloc, "mem_alloc", 1, argv)) return NYMOTE_E_STATE;
    if (argv[0] == 0) return NYMOTE_E_NOMEM;
    r->io_buf = argv[0];
  }
  argv[0] = (uint32_t)((uint64_t)now_ms & 0xffffffffu);
  argv[1] = (uint32_t)((uint64_t)now_ms >> 32);
  if (!call(r, r->sync_tick, "sdk_sync_tick", 2, argv)) return NYMOTE_E_STATE;
  if ((int32_t)argv[0] == NYMOTE_E_STATE) return 0; /* the app has not started sync */
  /* Resolved per use: linear memory may have moved since the last call. */
  uint8_t *buf = (uint8_t *)wasm_runtime_addr_app_to_native(r->inst, r->io_buf);
  int32_t moved = 0;
  int32_t n = nymote_io_read(buf, NYMOTE_IO_BUF);
  if (n < 0) return n == NYMOTE_E_UNSUPPORTED ? 0 : n;
  if (n > 0) {
    argv[0] = r->io_buf;
    argv[1] = (uint32_t)n;
    /* A negative result means the link ended; the image logged why and reopens it. */
    if (!call(r, r->sync_receive, "sdk_sync_receive", 2, argv)) return NYMOTE_E_STATE;
    moved += n;
  }
  for (;;) {
    argv[0] = r->io_buf;
    argv[1] = NYMOTE_IO_BUF;
    if (!call(r, r->sync_take, "sdk_sync_take", 2, argv)) return NYMOTE_E_STATE;
    int32_t out = (int32_t)argv[0];
    if (out <= 0) break;
    buf = (uint8_t *)wasm_runtime_addr_app_to_native(r->inst, r->io_buf);
    for (int32_t sent = 0; sent < out;) {
      int32_t w = nymote_io_write(buf + sent, (size_t)(out - sent));
      if (w < 0) return w;
      sent += w; /* 0: the link is full; a byte link drains, so retry */
    }
    moved += out;
  }
  return moved;
}

void nymote_runner_unload(nymote_runner *r) {
  if (r->env) wasm_runtime_destroy_exec_env(r->env);
  if (r->inst) wasm_runtime_deinstantiate(r->inst);
  if (r->module) wasm_runtime_unload(r->module);
  if (r->file_buf) wasm_runtime_free(r->file_buf);
  r->env = NULL;
  r->inst = NULL;
  r->module = NULL;
  r->file_buf = NULL;
}
