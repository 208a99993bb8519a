/*
 * nymote_platform.h on ESP-IDF (>= 5.1): esp_fill_random (the hardware RNG; with
 * Wi-Fi/BT off it needs the bootloader's entropy or SAR ADC noise to be a CSPRNG,
 * see ESP-IDF "Random Number Generation"), esp_timer and the system time, ESP_LOG,
 * the "nymote" data partition through esp_partition_*, GPIO, ADC1 one-shot with
 * calibration, the on-chip temperature sensor where the SoC has one, and a UART
 * as the sync link.
 */
#include <string.h>
#include <sys/time.h>

#include "driver/gpio.h"
#include "driver/uart.h"
#include "esp_adc/adc_cali.h"
#include "esp_adc/adc_cali_scheme.h"
#include "esp_adc/adc_oneshot.h"
#include "esp_idf_version.h"
#include "esp_log.h"
#include "esp_partition.h"
#include "esp_random.h"
#include "esp_timer.h"
#include "nymote_platform.h"
#include "soc/soc_caps.h"
#if SOC_TEMP_SENSOR_SUPPORTED
#include "driver/temperature_sensor.h"
#endif

static const char *TAG = "nymote";
static const esp_partition_t *part;

/* The partition table entry of boards/esp-idf/partitions.csv. */
#define NYMOTE_PARTITION_SUBTYPE ((esp_partition_subtype_t)0x99)
#define NYMOTE_PARTITION_LABEL "nymote"

static int32_t esp_err(esp_err_t e) {
  if (e == ESP_OK) return NYMOTE_OK;
  if (e == ESP_ERR_INVALID_SIZE || e == ESP_ERR_INVALID_ARG) return NYMOTE_E_BOUNDS;
  return NYMOTE_E_IO;
}

/* ---- link --------------------------------------------------------------------- */

static int link_uart = -1;

static void link_init(void) {
#if CONFIG_NYMOTE_LINK_UART >= 0
  const uart_config_t cfg = {
      .baud_rate = 115200,
      .data_bits = UART_DATA_8_BITS,
      .parity = UART_PARITY_DISABLE,
      .stop_bits = UART_STOP_BITS_1,
      .flow_ctrl = UART_HW_FLOWCTRL_DISABLE,
      .source_clk = UART_SCLK_DEFAULT,
  };
  if (uart_driver_install(CONFIG_NYMOTE_LINK_UART, 2048, 2048, 0, NULL, 0) == ESP_OK &&
      uart_param_config(CONFIG_NYMOTE_LINK_UART, &cfg) == ESP_OK &&
      uart_set_pin(CONFIG_NYMOTE_LINK_UART, CONFIG_NYMOTE_LINK_TX_PIN, CONFIG_NYMOTE_LINK_RX_PIN, UART_PIN_NO_CHANGE,
                   UART_PIN_NO_CHANGE) == ESP_OK)
    link_uart = CONFIG_NYMOTE_LINK_UART;
  else
    ESP_LOGW(TAG, "sync link UART %d unavailable", CONFIG_NYMOTE_LINK_UART);
#endif
}

int32_t nymote_io_read(uint8_t *buf, size_t cap) {
  if (link_uart < 0) return NYMOTE_E_UNSUPPORTED;
  int n = uart_read_bytes(link_uart, buf, cap, 0);
  return n < 0 ? NYMOTE_E_IO : n;
}

int32_t nymote_io_write(const uint8_t *buf, size_t len) {
  if (link_uart < 0) return NYMOTE_E_UNSUPPORTED;
  int n = uart_write_bytes(link_uart, buf, len);
  return n < 0 ? NYMOTE_E_IO : n;
}

/* ---- platform ------------------------------------------------------------------- */

int32_t nymote_platform_init(void) {
  part = esp_partition_find_first(ESP_PARTITION_TYPE_DATA, NYMOTE_PARTITION_SUBTYPE, NYMOTE_PARTITION_LABEL);
  if (!part) ESP_LOGW(TAG, "no '%s' data partition: the store will live in RAM", NYMOTE_PARTITION_LABEL);
  link_init();
  return NYMOTE_OK;
}

void nymote_platform_deinit(void) {
  if (link_uart >= 0) uart_driver_delete(link_uart);
  link_uart = -1;
}

int32_t nymote_random(uint8_t *buf, size_t len) {
  esp_fill_random(buf, len);
  return NYMOTE_OK;
}

int64_t nymote_clock_ms(void) {
  struct timeval tv;
  gettimeofday(&tv, NULL);
  /* Before SNTP (or the gateway) sets the clock it counts from 1970: "unknown". */
  if (tv.tv_sec < 1577836800) return 0; /* 2020-01-01 */
  return (int64_t)tv.tv_sec * 1000 + tv.tv_usec / 1000;
}

int64_t nymote_monotonic_ms(void) { return esp_timer_get_time() / 1000; }

void nymote_log(int32_t level, const char *msg, size_t len) {
  switch (level) {
    case NYMOTE_LOG_ERROR: ESP_LOGE(TAG, "%.*s", (int)len, msg); break;
    case NYMOTE_LOG_WARN: ESP_LOGW(TAG, "%.*s", (int)len, msg); break;
    case NYMOTE_LOG_INFO: ESP_LOGI(TAG, "%.*s", (int)len, msg); break;
    default: ESP_LOGD(TAG, "%.*s", (int)len, msg); break;
  }
}

/* ---- flash: the store's data partition ---------------------------------------------- */

int32_t nymote_flash_geometry(nymote_flash_geom *out) {
  if (!part) return NYMOTE_E_IO;
  out->size = part->size;
  out->sector_size = part->erase_size;
  out->write_granularity = 1;
  return NYMOTE_OK;
}

static bool inside(uint32_t offset, size_t len) { return part && offset <= part->size && len <= part->size - offset; }

int32_t nymote_flash_read(uint32_t offset, uint8_t *buf, size_t len) {
  if (!part) return NYMOTE_E_IO;
  if (!inside(offset, len)) return NYMOTE_E_BOUNDS;
  return esp_err(esp_partition_read(part, offset, buf, len));
}

int32_t nymote_flash_write(uint32_t offset, const uint8_t *buf, size_t len) {
  if (!part) return NYMOTE_E_IO;
  if (!inside(offset, len)) return NYMOTE_E_BOUNDS;
  return esp_err(esp_partition_write(part, offset, buf, len));
}

int32_t nymote_flash_erase(uint32_t offset, uint32_t len) {
  if (!part) return NYMOTE_E_IO;
  if (offset % part->erase_size != 0 || len % part->erase_size != 0) return NYMOTE_E_INVAL;
  if (!inside(offset, len)) return NYMOTE_E_BOUNDS;
  return esp_err(esp_partition_erase_range(part, offset, len));
}

/* ---- GPIO ------------------------------------------------------------------------------ */

int32_t nymote_gpio_configure(int32_t pin, int32_t mode) {
  if (!GPIO_IS_VALID_GPIO(pin) || (mode == 1 && !GPIO_IS_VALID_OUTPUT_GPIO(pin))) return NYMOTE_E_INVAL;
  gpio_reset_pin((gpio_num_t)pin);
  esp_err_t e = gpio_set_direction((gpio_num_t)pin, mode == 1 ? GPIO_MODE_OUTPUT : GPIO_MODE_INPUT);
  if (e == ESP_OK && mode != 1)
    e = gpio_set_pull_mode((gpio_num_t)pin, mode == 2 ? GPIO_PULLUP_ONLY : mode == 3 ? GPIO_PULLDOWN_ONLY : GPIO_FLOATING);
  return e == ESP_OK ? NYMOTE_OK : NYMOTE_E_IO;
}

int32_t nymote_gpio_read(int32_t pin) {
  if (!GPIO_IS_VALID_GPIO(pin)) return NYMOTE_E_INVAL;
  return gpio_get_level((gpio_num_t)pin);
}

int32_t nymote_gpio_write(int32_t pin, int32_t level) {
  if (!GPIO_IS_VALID_OUTPUT_GPIO(pin)) return NYMOTE_E_INVAL;
  return gpio_set_level((gpio_num_t)pin, level ? 1 : 0) == ESP_OK ? NYMOTE_OK : NYMOTE_E_IO;
}

/* ---- ADC1, one-shot, calibrated ------------------------------------------------------- */

#if ESP_IDF_VERSION >= ESP_IDF_VERSION_VAL(5, 2, 0)
#define NYMOTE_ADC_ATTEN ADC_ATTEN_DB_12
#else
#define NYMOTE_ADC_ATTEN ADC_ATTEN_DB_11
#endif

static adc_oneshot_unit_handle_t adc;
static adc_cali_handle_t adc_cali[CONFIG_NYMOTE_ADC_UNIT1_CHANNELS];
static uint32_t adc_ready; /* bit per configured channel */

static int32_t adc_channel(int32_t channel) {
  if (channel < 0 || channel >= CONFIG_NYMOTE_ADC_UNIT1_CHANNELS) return NYMOTE_E_INVAL;
  if (adc_ready & (1u << channel)) return NYMOTE_OK;
  if (!adc) {
    adc_oneshot_unit_init_cfg_t unit = {.unit_id = ADC_UNIT_1};
    if (adc_oneshot_new_unit(&unit, &adc) != ESP_OK) return NYMOTE_E_IO;
  }
  adc_oneshot_chan_cfg_t cfg = {.atten = NYMOTE_ADC_ATTEN, .bitwidth = ADC_BITWIDTH_DEFAULT};
  if (adc_oneshot_config_channel(adc, (adc_channel_t)channel, &cfg) != ESP_OK) return NYMOTE_E_INVAL;
#if ADC_CALI_SCHEME_CURVE_FITTING_SUPPORTED
  adc_cali_curve_fitting_config_t cc = {
      .unit_id = ADC_UNIT_1, .chan = (adc_channel_t)channel, .atten = NYMOTE_ADC_ATTEN, .bitwidth = ADC_BITWIDTH_DEFAULT};
  if (adc_cali_create_scheme_curve_fitting(&cc, &adc_cali[channel]) != ESP_OK) return NYMOTE_E_IO;
#elif ADC_CALI_SCHEME_LINE_FITTING_SUPPORTED
  adc_cali_line_fitting_config_t lc = {.unit_id = ADC_UNIT_1, .atten = NYMOTE_ADC_ATTEN, .bitwidth = ADC_BITWIDTH_DEFAULT};
  if (adc_cali_create_scheme_line_fitting(&lc, &adc_cali[channel]) != ESP_OK) return NYMOTE_E_IO;
#else
  return NYMOTE_E_UNSUPPORTED;
#endif
  adc_ready |= 1u << channel;
  return NYMOTE_OK;
}

int32_t nymote_adc_read_mv(int32_t channel) {
  int32_t rc = adc_channel(channel);
  if (rc != NYMOTE_OK) return rc;
  int raw = 0, mv = 0;
  if (adc_oneshot_read(adc, (adc_channel_t)channel, &raw) != ESP_OK) return NYMOTE_E_IO;
  if (adc_cali_raw_to_voltage(adc_cali[channel], raw, &mv) != ESP_OK) return NYMOTE_E_IO;
  return mv;
}

/* ---- on-chip temperature sensor (ESP32-S2/S3/C3/C6...; not the original ESP32) ----------- */

int32_t nymote_temperature_read(int32_t *millicelsius) {
#if SOC_TEMP_SENSOR_SUPPORTED
  static temperature_sensor_handle_t tsens;
  if (!tsens) {
    temperature_sensor_config_t cfg = TEMPERATURE_SENSOR_CONFIG_DEFAULT(-10, 80);
    if (temperature_sensor_install(&cfg, &tsens) != ESP_OK || temperature_sensor_enable(tsens) != ESP_OK) return NYMOTE_E_IO;
  }
  float c = 0;
  if (temperature_sensor_get_celsius(tsens, &c) != ESP_OK) return NYMOTE_E_IO;
  *millicelsius = (int32_t)(c * 1000.0f);
  return NYMOTE_OK;
#else
  (void)millicelsius;
  return NYMOTE_E_UNSUPPORTED;
#endif
}
