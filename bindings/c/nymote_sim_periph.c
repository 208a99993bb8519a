/*
 * Simulated peripherals for boards without real ones (host, qemu-rv32): 32 GPIO
 * pins that read back what was driven (inputs read their pull level), ADC
 * channels that read a TMP36 at 21.5 °C (715 mV) plus 10 mV a channel, and a
 * temperature sensor at 21.5 °C. Deterministic, so self-tests can check them.
 */
#include "nymote_platform.h"

#define PINS 32
static uint32_t levels;
static uint32_t outputs;

int32_t nymote_gpio_configure(int32_t pin, int32_t mode) {
  if (pin < 0 || pin >= PINS) return NYMOTE_E_INVAL;
  uint32_t bit = 1u << pin;
  if (mode == 1) outputs |= bit;
  else outputs &= ~bit;
  if (mode == 2) levels |= bit;
  if (mode == 3 || mode == 0) levels &= ~bit;
  return NYMOTE_OK;
}

int32_t nymote_gpio_read(int32_t pin) {
  if (pin < 0 || pin >= PINS) return NYMOTE_E_INVAL;
  return (int32_t)((levels >> pin) & 1u);
}

int32_t nymote_gpio_write(int32_t pin, int32_t level) {
  if (pin < 0 || pin >= PINS) return NYMOTE_E_INVAL;
  if (!(outputs & (1u << pin))) return NYMOTE_E_INVAL;
  if (level) levels |= 1u << pin;
  else levels &= ~(1u << pin);
  return NYMOTE_OK;
}

int32_t nymote_adc_read_mv(int32_t channel) {
  if (channel < 0 || channel > 9) return NYMOTE_E_INVAL;
  return 715 + 10 * channel;
}

int32_t nymote_temperature_read(int32_t *millicelsius) {
  *millicelsius = 21500;
  return NYMOTE_OK;
}
