/**
 * Time for the engine. Simulation runs on a virtual clock in integer nanoseconds:
 * no timers, no sleeping; a run is deterministic and as fast as the machine allows.
 */

/** Something that tells the current time; `advance` exists on clocks the engine may drive itself. */
export interface Clock {
  nowNs(): number;
  advance?(ns: number): void;
}

/** A virtual clock the caller (or the engine's `step()`) moves forward. */
export class VirtualClock implements Clock {
  private now: number;
  constructor(startNs = 0) {
    this.now = startNs;
  }
  nowNs(): number {
    return this.now;
  }
  advance(ns: number): void {
    if (ns < 0) throw new RangeError("time cannot go backwards");
    this.now += ns;
  }
  advanceTo(ns: number): void {
    if (ns < this.now) throw new RangeError("time cannot go backwards");
    this.now = ns;
  }
}
