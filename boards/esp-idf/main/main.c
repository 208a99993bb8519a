/*
 * Nymote device firmware: the image built by `nymote build` (nymote_app_wasm.h in
 * NYMOTE_IMAGE_DIR), run by WAMR from a fixed pool. setup() once, then loop()
 * whenever it asked to be woken, pumping the sync link in between. A trap in the
 * module is a bug: the device logs it and restarts, and the store recovers from
 * flash on the next boot.
 */
#include <stdint.h>

#include "esp_log.h"
#include "esp_system.h"
#include "freertos/FreeRTOS.h"
#include "freertos/task.h"
#include "nymote_app_wasm.h"
#include "nymote_platform.h"
#include "nymote_wamr.h"

static const char *TAG = "nymote";

/* Everything WAMR allocates (module, instance, linear memory, stacks) comes from here. */
static uint8_t pool[CONFIG_NYMOTE_POOL_KB * 1024] __attribute__((aligned(8)));
static nymote_runner runner;

static void fail(const char *what) {
  ESP_LOGE(TAG, "%s: %s; restarting in 5 s", what, runner.error[0] ? runner.error : "no detail");
  vTaskDelay(pdMS_TO_TICKS(5000));
  esp_restart();
}

void app_main(void) {
  if (nymote_platform_init() != NYMOTE_OK) fail("platform (is the nymote partition in the partition table?)");
  nymote_runner_config cfg = {.pool = pool, .pool_bytes = sizeof pool, .stack_bytes = CONFIG_NYMOTE_STACK_BYTES};
  if (nymote_runner_init(&cfg) != NYMOTE_OK) fail("WAMR init");
  if (nymote_runner_load(&runner, nymote_app_wasm, NYMOTE_APP_WASM_LEN, CONFIG_NYMOTE_STACK_BYTES) != NYMOTE_OK) fail("load");
  ESP_LOGI(TAG, "image loaded (%u bytes), pool %u KiB", (unsigned)NYMOTE_APP_WASM_LEN, (unsigned)CONFIG_NYMOTE_POOL_KB);
  if (nymote_runner_setup(&runner) != NYMOTE_OK) fail("setup");
  for (;;) {
    int64_t next = nymote_runner_loop(&runner, nymote_monotonic_ms());
    if (next == INT64_MIN) fail("loop");
    if (next < 0) {
      ESP_LOGI(TAG, "the app stopped");
      break;
    }
    /* Until the app's next wake-up: move sync bytes, sleep a tick when idle. */
    while (nymote_monotonic_ms() < next) {
      int32_t moved = nymote_runner_sync(&runner, nymote_monotonic_ms());
      if (moved == NYMOTE_E_STATE) fail("sync");
      vTaskDelay(moved > 0 ? 1 : pdMS_TO_TICKS(10));
    }
  }
  nymote_runner_unload(&runner);
  nymote_runner_deinit();
}
