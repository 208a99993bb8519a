/*
 * The ABI's imports over the platform layer, shared by the wasm2c and WAMR glue
 * (which call these through the generated wrappers). Every pointer from the
 * module is resolved through ctx and checked against linear memory first: a bad
 * pointer is E_BOUNDS for the module, never a host fault.
 */
#include <stdio.h>
#include <string.h>

#include "nymote_abi.h"
#include "nymote_platform.h"

static void put_le32(uint8_t *p, uint32_t v) {
  p[0] = (uint8_t)v;
  p[1] = (uint8_t)(v >> 8);
  p[2] = (uint8_t)(v >> 16);
  p[3] = (uint8_t)(v >> 24);
}

int32_t nymote_import_random_bytes(nymote_ctx *ctx, int32_t ptr, int32_t len) {
  uint8_t *p = nymote_mem_at(ctx, ptr, len);
  if (!p) return NYMOTE_E_BOUNDS;
  return nymote_random(p, (size_t)len);
}

int64_t nymote_import_clock_ms(nymote_ctx *ctx) {
  (void)ctx;
  return nymote_clock_ms();
}

int64_t nymote_import_monotonic_ms(nymote_ctx *ctx) {
  (void)ctx;
  return nymote_monotonic_ms();
}

void nymote_import_log(nymote_ctx *ctx, int32_t level, int32_t ptr, int32_t len) {
  uint8_t *p = nymote_mem_at(ctx, ptr, len);
  if (p) nymote_log(level, (const char *)p, (size_t)len);
}

void nymote_import_panic(nymote_ctx *ctx, int32_t msg_ptr, int32_t msg_len, int32_t file_ptr, int32_t file_len,
                         int32_t line, int32_t column) {
  /* Bounded: the core's panic buffer is 256 bytes, and a bad pointer prints "?". */
  char text[320];
  const uint8_t *msg = nymote_mem_at(ctx, msg_ptr, msg_len);
  const uint8_t *file = nymote_mem_at(ctx, file_ptr, file_len);
  int n = snprintf(text, sizeof text, "panic: %.*s at %.*s:%ld:%ld", msg ? (int)msg_len : 1, msg ? (const char *)msg : "?",
                   file ? (int)file_len : 1, file ? (const char *)file : "?", (long)line, (long)column);
  if (n < 0) n = 0;
  if ((size_t)n >= sizeof text) n = (int)sizeof text - 1;
  nymote_log(NYMOTE_LOG_ERROR, text, (size_t)n);
  ctx->trap(ctx->self, "nymote panic");
}

int32_t nymote_import_flash_geometry(nymote_ctx *ctx, int32_t out_ptr) {
  uint8_t *out = nymote_mem_at(ctx, out_ptr, 12);
  if (!out) return NYMOTE_E_BOUNDS;
  nymote_flash_geom g;
  int32_t rc = nymote_flash_geometry(&g);
  if (rc != NYMOTE_OK) return rc;
  put_le32(out, g.size);
  put_le32(out + 4, g.sector_size);
  put_le32(out + 8, g.write_granularity);
  return NYMOTE_OK;
}

int32_t nymote_import_flash_read(nymote_ctx *ctx, int32_t offset, int32_t ptr, int32_t len) {
  uint8_t *p = nymote_mem_at(ctx, ptr, len);
  if (!p) return NYMOTE_E_BOUNDS;
  return nymote_flash_read((uint32_t)offset, p, (size_t)len);
}

int32_t nymote_import_flash_write(nymote_ctx *ctx, int32_t offset, int32_t ptr, int32_t len) {
  uint8_t *p = nymote_mem_at(ctx, ptr, len);
  if (!p) return NYMOTE_E_BOUNDS;
  return nymote_flash_write((uint32_t)offset, p, (size_t)len);
}

int32_t nymote_import_flash_erase(nymote_ctx *ctx, int32_t offset, int32_t len) {
  (void)ctx;
  if (len < 0) return NYMOTE_E_INVAL;
  return nymote_flash_erase((uint32_t)offset, (uint32_t)len);
}

int32_t nymote_import_gpio_configure(nymote_ctx *ctx, int32_t pin, int32_t mode) {
  (void)ctx;
  if (mode < 0 || mode > 3) return NYMOTE_E_INVAL;
  return nymote_gpio_configure(pin, mode);
}

int32_t nymote_import_gpio_read(nymote_ctx *ctx, int32_t pin) {
  (void)ctx;
  return nymote_gpio_read(pin);
}

int32_t nymote_import_gpio_write(nymote_ctx *ctx, int32_t pin, int32_t level) {
  (void)ctx;
  return nymote_gpio_write(pin, level != 0);
}

int32_t nymote_import_adc_read_mv(nymote_ctx *ctx, int32_t channel) {
  (void)ctx;
  return nymote_adc_read_mv(channel);
}

int32_t nymote_import_temperature_read(nymote_ctx *ctx, int32_t out_ptr) {
  uint8_t *out = nymote_mem_at(ctx, out_ptr, 4);
  if (!out) return NYMOTE_E_BOUNDS;
  int32_t mc = 0;
  int32_t rc = nymote_temperature_read(&mc);
  if (rc == NYMOTE_OK) put_le32(out, (uint32_t)mc);
  return rc;
}
