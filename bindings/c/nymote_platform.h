/*
 * The platform interface: everything a Nymote device image needs from the board
 * beneath it. The WAMR glue and the wasm2c glue both reach the hardware only
 * through these functions (via nymote_imports.c), so a port is one file that
 * implements them: nymote_platform_posix.c (host builds), nymote_platform_semihost.c
 * (QEMU, CI's RISC-V board) and boards/esp-idf/main/nymote_platform_esp.c.
 *
 * Rules every implementation keeps:
 *  - Errors are the ABI's negative codes (NYMOTE_E_*, bindings/abi/core.json);
 *    0 is success. No function may abort or block indefinitely.
 *  - Flash is raw NOR as the ESP32 partition API exposes it: erase sets whole
 *    sectors to 0xFF; a write can only clear bits (the implementation must not
 *    set a bit that is 0, so a simulated flash ANDs); offsets are relative to the
 *    store's data partition, and anything outside it is NYMOTE_E_BOUNDS.
 *  - Byte I/O is non-blocking: read returns what is available now (0 if nothing).
 */
#ifndef NYMOTE_PLATFORM_H
#define NYMOTE_PLATFORM_H

#include <stddef.h>
#include <stdint.h>

#include "nymote_abi.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Error codes (NYMOTE_OK, NYMOTE_E_*) come from the ABI. */

/* Log levels of the ABI's log import. */
enum { NYMOTE_LOG_ERROR = 0, NYMOTE_LOG_WARN = 1, NYMOTE_LOG_INFO = 2, NYMOTE_LOG_DEBUG = 3 };

/* Geometry of the store's data partition. */
typedef struct {
  uint32_t size;               /* bytes; a multiple of sector_size */
  uint32_t sector_size;        /* erase unit: 4096 on every ESP32 */
  uint32_t write_granularity;  /* smallest programmable unit in bytes (1 on ESP32 SPI flash) */
} nymote_flash_geom;

/* Bring the platform up (open the flash, seed nothing: random must be a CSPRNG
 * of the platform). Called once by the runner before the module starts. */
int32_t nymote_platform_init(void);
void nymote_platform_deinit(void);

/* Fill buf with cryptographically secure random bytes. OK or E_IO. */
int32_t nymote_random(uint8_t *buf, size_t len);

/* Milliseconds since the Unix epoch; 0 while the device does not know the time. */
int64_t nymote_clock_ms(void);
/* Milliseconds since boot; never goes backwards. */
int64_t nymote_monotonic_ms(void);

/* One log line (UTF-8, not NUL-terminated). */
void nymote_log(int32_t level, const char *msg, size_t len);

int32_t nymote_flash_geometry(nymote_flash_geom *out);
/* OK, E_BOUNDS (outside the partition) or E_IO. */
int32_t nymote_flash_read(uint32_t offset, uint8_t *buf, size_t len);
int32_t nymote_flash_write(uint32_t offset, const uint8_t *buf, size_t len);
/* offset and len must be sector-aligned: E_INVAL otherwise. */
int32_t nymote_flash_erase(uint32_t offset, uint32_t len);

/* Byte link (serial, socket) the sync protocol runs over. read returns bytes read
 * (0: nothing now) or an error; write returns bytes accepted or an error. A
 * platform without a link returns E_UNSUPPORTED. */
int32_t nymote_io_read(uint8_t *buf, size_t cap);
int32_t nymote_io_write(const uint8_t *buf, size_t len);

/* Board capabilities (bindings/abi/board.json). A platform that lacks one returns
 * E_UNSUPPORTED; the builder keeps images that use it off such a board. */
int32_t nymote_gpio_configure(int32_t pin, int32_t mode);
int32_t nymote_gpio_read(int32_t pin);
int32_t nymote_gpio_write(int32_t pin, int32_t level);
int32_t nymote_adc_read_mv(int32_t channel);
int32_t nymote_temperature_read(int32_t *millicelsius);

#ifdef __cplusplus
}
#endif
#endif
