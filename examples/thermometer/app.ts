// A thermometer: a TMP36 analog sensor on ADC channel 0, read every interval and
// appended to a time series; the interval is a config value in the store, so the
// owner can change it from the gateway and it arrives with the next sync.
//
//   nymote build examples/thermometer/app.ts --board esp32c3
import { OK } from "../../assembly/abi/errors";
import { analogReadMv, deviceStoreHandle, logWarn } from "../../assembly/sdk/app";
import { Store } from "../../assembly/sdk/index";

const SENSOR_CHANNEL = 0;
const SERIES = "sensors/thermometer/celsius";
const INTERVAL = "config/thermometer/interval_ms";
const DEFAULT_INTERVAL_MS: i64 = 60_000;
// Bounds on a configured interval: faster wears the flash, slower is not a thermometer.
const MIN_INTERVAL_MS: i64 = 1_000;
const MAX_INTERVAL_MS: i64 = 3_600_000;

let store: Store | null = null;

function interval(s: Store): i64 {
  const v = s.getInt(INTERVAL, DEFAULT_INTERVAL_MS);
  return v < MIN_INTERVAL_MS ? MIN_INTERVAL_MS : v > MAX_INTERVAL_MS ? MAX_INTERVAL_MS : v;
}

export function setup(): void {
  store = Store.fromHandle(deviceStoreHandle());
  const s = store;
  if (s == null) return;
  s.setWriter("thermometer");
  s.setAuthor("Thermometer <thermometer@nymote.invalid>");
  // First boot: write the default so the owner sees (and can change) the setting.
  if (s.getInt(INTERVAL, -1) < 0) {
    s.setInt(INTERVAL, DEFAULT_INTERVAL_MS);
    s.commit("thermometer: default interval");
  }
}

export function loop(nowMs: i64): i64 {
  const s = store;
  if (s == null) return -1;
  const mv = analogReadMv(SENSOR_CHANNEL);
  if (mv >= 0) {
    // TMP36: 10 mV per °C, 500 mV at 0 °C.
    s.appendFloat(SERIES, <f64>(mv - 500) / 10.0);
    if (s.commit("reading") != OK) logWarn("thermometer: commit failed");
  } else {
    logWarn("thermometer: ADC read failed");
  }
  return nowMs + interval(s);
}
