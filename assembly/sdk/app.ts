// The app side of a device image, for firmware authors: the board's peripherals
// as small typed calls over the capability imports (bindings/abi/board.json), the
// clock, logging without allocation, and the handle of the device's store.
//
// An app is one AssemblyScript file that exports
//   setup(): void               called once after the image starts
//   loop(nowMs: i64): i64       nowMs is monotonic (ms since boot); return the
//                               monotonic time to be called again (negative: stop)
// `nymote build app.ts --board NAME` wraps it with the runtime and checks that the
// board provides every capability it uses (docs/boards.md).
import { OK } from "../abi/errors";
import { adc_read_mv, gpio_configure, gpio_read, gpio_write, log, monotonic_ms, temperature_read } from "../abi/imports";
import { store_open_memory } from "../store/exports";
import { flash_store_open } from "../store/flash/exports";
import { identityInit } from "../identity/keys";
import { signWithDeviceKey } from "../provenance/device";

// ---- GPIO (capability "gpio") ---------------------------------------------------

export const INPUT: i32 = 0;
export const OUTPUT: i32 = 1;
export const INPUT_PULLUP: i32 = 2;
export const INPUT_PULLDOWN: i32 = 3;

/** Configures a pin (INPUT, OUTPUT, INPUT_PULLUP, INPUT_PULLDOWN). OK or an error code. */
export function pinMode(pin: i32, mode: i32): i32 {
  return gpio_configure(pin, mode);
}

/** 0 or 1, or a negative error code. */
export function digitalRead(pin: i32): i32 {
  return gpio_read(pin);
}

export function digitalWrite(pin: i32, high: bool): i32 {
  return gpio_write(pin, high ? 1 : 0);
}

// ---- analog input (capability "adc") -----------------------------------------------

/** One calibrated reading in millivolts (>= 0), or a negative error code. */
export function analogReadMv(channel: i32): i32 {
  return adc_read_mv(channel);
}

// ---- on-chip temperature (capability "temperature") --------------------------------

/** What chipTemperatureMilliC returns when the sensor fails. */
export const NO_READING: i32 = i32.MIN_VALUE;
const tempBuf = memory.data(4);

/** The chip's own temperature in millidegrees Celsius, or NO_READING. */
export function chipTemperatureMilliC(): i32 {
  return temperature_read(tempBuf) == OK ? load<i32>(tempBuf) : NO_READING;
}

// ---- time and logging (every board) ---------------------------------------------------

/** Milliseconds since boot (the clock loop() is driven by). */
export function millis(): i64 {
  return monotonic_ms();
}

const LOG_MAX: i32 = 128;
const logBuf = memory.data(LOG_MAX);

function logAt(level: i32, msg: string): void {
  // Truncated to LOG_MAX bytes of UTF-8; never allocates.
  const n = min(String.UTF8.byteLength(msg), LOG_MAX);
  if (n == String.UTF8.byteLength(msg)) String.UTF8.encodeUnsafe(changetype<usize>(msg), msg.length, logBuf);
  else for (let i = 0; i < n; i++) store<u8>(logBuf + <usize>i, <u8>(msg.charCodeAt(i) & 0x7f));
  log(level, logBuf, n);
}

export function logError(msg: string): void {
  logAt(0, msg);
}

export function logWarn(msg: string): void {
  logAt(1, msg);
}

export function logInfo(msg: string): void {
  logAt(2, msg);
}

// ---- the device's store ---------------------------------------------------------------

/** A store handle for the SDK's Store.fromHandle: the board's data partition
 *  (mounted, recovered after any power cut), or a store in RAM when the board has
 *  none (logged). Negative: no store at all. Every commit it writes is signed
 *  with the device's key (docs/provenance.md): the gateway refuses unsigned ones. */
export function deviceStoreHandle(): i32 {
  let h = flash_store_open();
  if (h <= 0) {
    logWarn("no flash store: keeping data in RAM");
    h = store_open_memory();
  }
  if (h > 0 && (identityInit() < 0 || signWithDeviceKey(h, true) != OK)) logError("no device key: commits are unsigned and gateways will refuse them");
  return h;
}
