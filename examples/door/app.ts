// A door sensor: a reed switch between GPIO 4 and ground (the magnet closes it
// while the door is shut, the internal pull-up reads 1 when it opens). Every
// change is an event in a time series (1 opened, 0 closed), each opening counts,
// and the current state is a last-writer-wins text.
//
//   nymote build examples/door/app.ts --board esp32
import { OK } from "../../assembly/abi/errors";
import { deviceStoreHandle, digitalRead, INPUT_PULLUP, logWarn, pinMode } from "../../assembly/sdk/app";
import { Store } from "../../assembly/sdk/index";

const PIN = 4;
const POLL_MS: i64 = 50;
// A reed switch bounces for a few ms: a change counts once it held for this long.
const DEBOUNCE_MS: i64 = 30;

let store: Store | null = null;
let state: i32 = -1; // debounced level: 1 open, 0 closed, -1 unknown
let pending: i32 = -1;
let pendingSince: i64 = 0;

export function setup(): void {
  store = Store.fromHandle(deviceStoreHandle());
  const s = store;
  if (s != null) {
    s.setWriter("door");
    s.setAuthor("Door <door@nymote.invalid>");
  }
  if (pinMode(PIN, INPUT_PULLUP) != OK) logWarn("door: cannot configure the switch pin");
}

function record(s: Store, open: bool): void {
  s.appendInt("door/events", open ? 1 : 0);
  if (open) s.count("door/openings", 1);
  s.setLatestText("door/state", open ? "open" : "closed");
  if (s.commit(open ? "door opened" : "door closed") != OK) logWarn("door: commit failed");
}

export function loop(nowMs: i64): i64 {
  const s = store;
  if (s == null) return -1;
  const level = digitalRead(PIN);
  if (level < 0) return nowMs + POLL_MS;
  if (level == state) {
    pending = -1;
  } else if (level != pending) {
    pending = level;
    pendingSince = nowMs;
  } else if (nowMs - pendingSince >= DEBOUNCE_MS) {
    const first = state < 0;
    state = level;
    pending = -1;
    // The level at boot is a state, not an event.
    if (first) {
      s.setLatestText("door/state", state == 1 ? "open" : "closed");
      if (s.commit("door: state at boot") != OK) logWarn("door: commit failed");
    } else {
      record(s, state == 1);
    }
  }
  return nowMs + POLL_MS;
}
