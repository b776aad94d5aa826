/**
 * /proc/PID/maps read over time. The kdamond runs behind real time (it waits
 * for perf's samples), so its layout updates must use the map as it was at
 * the kdamond's time, not as it is now; and a fault is attributed to a mapping
 * when its sample arrives (milliseconds after the fault), not when it is fed.
 */
import { readMaps, type ProcMapping } from "./proc.js";

/** How long reads are kept: longer than any sensible live latency. */
const KEEP_NS = 10e9;

export class MapsHistory {
  private readonly times: number[] = [];
  private readonly maps: ProcMapping[][] = [];
  reads = 0;

  constructor(
    readonly pid: number,
    private readonly nowNs: () => number,
  ) {}

  /** Reads the map now (kept only when the process still has one). */
  read(): ProcMapping[] {
    const m = readMaps(this.pid);
    this.reads++;
    if (m.length === 0) return this.latest;
    const now = this.nowNs();
    this.times.push(now);
    this.maps.push(m);
    while (this.times.length > 2 && this.times[1] < now - KEEP_NS) {
      this.times.shift();
      this.maps.shift();
    }
    return m;
  }

  get latest(): ProcMapping[] {
    return this.maps.length > 0 ? this.maps[this.maps.length - 1] : [];
  }

  get latestTimeNs(): number {
    return this.times.length > 0 ? this.times[this.times.length - 1] : -Infinity;
  }

  /** The last map read at or before `timeNs` (the first one if none was). */
  at(timeNs: number): ProcMapping[] {
    for (let i = this.times.length - 1; i >= 0; i--) if (this.times[i] <= timeNs) return this.maps[i];
    return this.maps.length > 0 ? this.maps[0] : [];
  }
}

/** The mapping of a sorted list holding `addr`, or null. */
export function mappingOf(ms: readonly ProcMapping[], addr: number): ProcMapping | null {
  let lo = 0;
  let hi = ms.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    if (addr < ms[mid].start) hi = mid - 1;
    else if (addr >= ms[mid].end) lo = mid + 1;
    else return ms[mid];
  }
  return null;
}
