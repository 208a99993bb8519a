// An in-process network with virtual time and injected faults, for the
// simulator and the tests: per message it may drop, duplicate, delay, reorder
// or corrupt, and it cuts links during partitions that heal. Deterministic for
// a seed. The messages are box-stream bytes: a corrupted, lost, duplicated or
// reordered one fails the receiver's MAC (or stalls it), and the link closes.
import { rng } from "../flash/sim.ts";

export interface FaultOptions {
  /** Probability a message is lost. */
  drop?: number;
  /** Probability a message is delivered twice. */
  duplicate?: number;
  /** Probability a message is held back behind later ones. */
  reorder?: number;
  /** Extra latency: uniform in [min, max] ms (base latency is 1-5 ms). */
  delay?: [number, number];
  /** Probability a message has one byte flipped. */
  corrupt?: number;
  /** Every `every` ms, all links are down for `length` ms. */
  partition?: { every: number; length: number };
}

export { rng };

interface Pending {
  at: number;
  seq: number;
  run: () => void;
}

export interface NetStats {
  sent: number;
  delivered: number;
  dropped: number;
  duplicated: number;
  reordered: number;
  corrupted: number;
  bytes: number;
}

export class FaultyNet {
  now = 0;
  faults: FaultOptions;
  readonly random: () => number;
  readonly stats: NetStats = { sent: 0, delivered: 0, dropped: 0, duplicated: 0, reordered: 0, corrupted: 0, bytes: 0 };
  private queue: Pending[] = [];
  private seq = 0;

  constructor(seed: number, faults: FaultOptions = {}) {
    this.random = rng(seed);
    this.faults = faults;
  }

  /** Whether links are cut at the current time. */
  get partitioned(): boolean {
    const p = this.faults.partition;
    return p !== undefined && this.now % p.every >= p.every - p.length;
  }

  /** Runs fn at now + ms. */
  at(ms: number, fn: () => void): void {
    this.queue.push({ at: this.now + ms, seq: this.seq++, run: fn });
  }

  /** Sends m across a link: deliver(m) runs later (possibly corrupted) unless the message is lost. */
  send(m: Uint8Array, deliver: (m: Uint8Array) => void): void {
    const f = this.faults;
    const r = this.random;
    this.stats.sent++;
    this.stats.bytes += m.length;
    if (this.partitioned || r() < (f.drop ?? 0)) {
      this.stats.dropped++;
      return;
    }
    const copies = r() < (f.duplicate ?? 0) ? 2 : 1;
    if (copies === 2) this.stats.duplicated++;
    for (let i = 0; i < copies; i++) {
      let latency = 1 + Math.floor(r() * 5);
      if (f.delay) latency += f.delay[0] + Math.floor(r() * (f.delay[1] - f.delay[0] + 1));
      if (r() < (f.reorder ?? 0)) {
        latency += 20 + Math.floor(r() * 80);
        this.stats.reordered++;
      }
      const corrupt = r() < (f.corrupt ?? 0);
      const copy = m.slice();
      if (corrupt) {
        this.stats.corrupted++;
        const at = Math.floor(r() * copy.length);
        copy[at] = (copy[at] as number) ^ (1 << Math.floor(r() * 8));
      }
      this.at(latency, () => {
        this.stats.delivered++;
        deliver(copy);
      });
    }
  }

  /** Runs everything due up to `until`, calling tick every tickMs of virtual time. */
  run(until: number, tickMs: number, tick: (now: number) => void): void {
    let nextTick = this.now;
    while (this.now < until) {
      this.queue.sort((a, b) => a.at - b.at || a.seq - b.seq);
      const next = this.queue[0];
      if (next && next.at <= nextTick) {
        this.queue.shift();
        this.now = Math.max(this.now, next.at);
        next.run();
      } else {
        this.now = nextTick;
        tick(this.now);
        nextTick += tickMs;
      }
    }
  }

  get idle(): boolean {
    return this.queue.length === 0;
  }
}
