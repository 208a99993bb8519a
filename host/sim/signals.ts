// Deterministic sensor signals for simulated devices: a drifting temperature,
// a door that opens and closes, a monotonically increasing counter.
import { rng } from "../transport/faulty.ts";

export interface Reading {
  signal: "temp" | "door" | "count";
  t: number;
  v: number | boolean;
}

export class Signals {
  private readonly r: () => number;
  private temp: number;
  private door = false;
  private count = 0;

  constructor(seed: number) {
    this.r = rng(seed);
    this.temp = 18 + this.r() * 6;
  }

  /** Readings at time t (ms): temperature always, the door when it toggles, the counter sometimes. */
  sample(t: number): Reading[] {
    const out: Reading[] = [];
    this.temp += (this.r() - 0.5) * 0.2;
    out.push({ signal: "temp", t, v: Math.round(this.temp * 10) / 10 });
    if (this.r() < 0.1) {
      this.door = !this.door;
      out.push({ signal: "door", t, v: this.door });
    }
    if (this.r() < 0.3) out.push({ signal: "count", t, v: ++this.count });
    return out;
  }
}
