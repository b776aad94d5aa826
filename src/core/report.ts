/**
 * The access-report API (damon-spec.md §5.5, §5.6, §5.8): any source (page
 * faults, hardware samples, live perf data) reports accesses; reports wait in
 * bounded per-CPU rings and are drained once per sample interval. A region counts
 * at most one access per sample interval; reports outside every region, straddling
 * a region's end, older than one sample interval, or rejected by sample filters
 * are ignored — and every ignored or dropped report is counted.
 */
import type { Context } from "./context.js";
import type { Region, Target } from "./region.js";

/** One reported access. */
export interface AccessReport {
  /** Start address of the accessed range (virtual or physical, as the ops set expects). */
  addr: number;
  /** Bytes accessed. */
  size: number;
  /** CPU the access happened on. */
  cpu: number;
  /** Thread id. */
  tid: number;
  /** Process (thread-group) id for virtual-address reports; 0 or absent for physical ones. */
  pid?: number;
  /** Whether the access was a write. */
  isWrite: boolean;
  /** When the access happened, in the clock's nanoseconds. */
  time: number;
}

/** Counters of everything that happened to reports (nothing is dropped silently). */
export interface ReportStats {
  /** Reports offered to `reportAccess`. */
  received: number;
  /** Dropped because the CPU's ring was full. */
  overflowed: number;
  /** Older than one sample interval at drain time. */
  stale: number;
  /** Rejected by sample filters. */
  filtered: number;
  /** Fell in no region of any eligible target, or straddled a region's end. */
  outOfRange: number;
  /** Hit a region that had already counted an access in this sample interval. */
  duplicate: number;
  /** Counted as a region's access for the sample interval. */
  counted: number;
}

/** Called for every report that counted, e.g. to measure per-CPU attribution. */
export type ReportObserver = (
  cpu: number,
  tid: number,
  isWrite: boolean,
  targetIdx: number,
  r: Region,
) => void;

/** A bounded single-CPU FIFO of reports in typed arrays (no allocation per report). */
class ReportRing {
  readonly addr: Float64Array;
  readonly size: Float64Array;
  readonly tid: Int32Array;
  readonly pid: Int32Array;
  readonly write: Uint8Array;
  readonly time: Float64Array;
  head = 0;
  count = 0;
  overflowed = 0;
  constructor(readonly capacity: number) {
    this.addr = new Float64Array(capacity);
    this.size = new Float64Array(capacity);
    this.tid = new Int32Array(capacity);
    this.pid = new Int32Array(capacity);
    this.write = new Uint8Array(capacity);
    this.time = new Float64Array(capacity);
  }
}

/** Per-CPU report rings (the hardware-sample RFC's design, §5.6). */
export class AccessReportBuffer {
  private rings: ReportRing[] = [];
  readonly stats: ReportStats = {
    received: 0,
    overflowed: 0,
    stale: 0,
    filtered: 0,
    outOfRange: 0,
    duplicate: 0,
    counted: 0,
  };
  observer: ReportObserver | undefined;

  constructor(
    nrCpus: number,
    readonly capacity: number,
  ) {
    if (!(capacity >= 1)) throw new RangeError("report ring capacity must be at least 1");
    for (let i = 0; i < nrCpus; i++) this.rings.push(new ReportRing(capacity));
  }

  private ring(cpu: number): ReportRing {
    while (this.rings.length <= cpu) this.rings.push(new ReportRing(this.capacity));
    return this.rings[cpu];
  }

  /** Overflow count of one CPU's ring. */
  overflowOf(cpu: number): number {
    return cpu < this.rings.length ? this.rings[cpu].overflowed : 0;
  }

  /** Reports currently waiting. */
  get pending(): number {
    let n = 0;
    for (const r of this.rings) n += r.count;
    return n;
  }

  /**
   * Enqueues one report without allocating. Returns false (and counts it) when the
   * CPU's ring is full: the newest report is dropped, as the per-CPU ring does.
   */
  push(
    cpu: number,
    addr: number,
    size: number,
    tid: number,
    pid: number,
    isWrite: boolean,
    time: number,
  ): boolean {
    if (!(cpu >= 0 && Number.isInteger(cpu))) throw new RangeError(`invalid CPU ${cpu}`);
    const ring = this.ring(cpu);
    this.stats.received++;
    if (ring.count === ring.capacity) {
      ring.overflowed++;
      this.stats.overflowed++;
      return false;
    }
    const i = (ring.head + ring.count) % ring.capacity;
    ring.addr[i] = addr;
    ring.size[i] = size;
    ring.tid[i] = tid;
    ring.pid[i] = pid;
    ring.write[i] = isWrite ? 1 : 0;
    ring.time[i] = time;
    ring.count++;
    return true;
  }

  /**
   * Drains every ring in CPU order, oldest first, counting accesses into regions
   * (§5.5.2, §5.8), then runs the zero pass that clears the per-sample flags.
   * Returns the maximum `nrAccesses` over all regions.
   */
  drain(ctx: Context, nowNs: number): number {
    const staleBefore = nowNs - ctx.attrs.sampleUs * 1000;
    const filters = ctx.sampleFilters;
    const targets = ctx.targets;
    const ops = ctx.ops;
    const custom = ops.eligibleReport !== undefined;
    const stats = this.stats;
    for (let cpu = 0; cpu < this.rings.length; cpu++) {
      const ring = this.rings[cpu];
      for (; ring.count > 0; ring.count--, ring.head = (ring.head + 1) % ring.capacity) {
        const i = ring.head;
        if (ring.time[i] < staleBefore) {
          stats.stale++;
          continue;
        }
        const isWrite = ring.write[i] === 1;
        const tid = ring.tid[i];
        if (filters.length > 0 && !filters.allows(cpu, tid, isWrite)) {
          stats.filtered++;
          continue;
        }
        const addr = ring.addr[i];
        const end = addr + ring.size[i];
        const pid = ring.pid[i];
        let hit = false;
        for (let ti = 0; ti < targets.length; ti++) {
          const t = targets[ti];
          if (custom ? !ops.eligibleReport!(pid, t) : !defaultEligible(pid, t)) continue;
          const r = regionContaining(t, addr);
          if (r === null || end > r.end) continue;
          hit = true;
          if (r.accessReported) {
            stats.duplicate++;
            continue;
          }
          r.accessReported = true;
          r.nrAccesses++;
          stats.counted++;
          if (this.observer) this.observer(cpu, tid, isWrite, ti, r);
        }
        if (!hit) stats.outOfRange++;
      }
    }
    let max = 0;
    for (const t of targets) {
      for (const r of t.regions) {
        r.accessReported = false;
        if (r.nrAccesses > max) max = r.nrAccesses;
      }
    }
    return max;
  }
}

/** Virtual reports (pid ≠ 0) belong to the target of that process; physical ones to physical targets. */
function defaultEligible(pid: number, t: Target): boolean {
  return t.pid === undefined ? pid === 0 : pid === t.pid;
}

/** Binary search for the region containing addr (regions are sorted, non-overlapping). */
export function regionContaining(t: Target, addr: number): Region | null {
  const rs = t.regions;
  let lo = 0;
  let hi = rs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const r = rs[mid];
    if (addr < r.start) hi = mid - 1;
    else if (addr >= r.end) lo = mid + 1;
    else return r;
  }
  return null;
}

/** Reports one access to a context (`damon_report_access`). Returns false if it was dropped. */
export function reportAccess(ctx: Context, report: AccessReport): boolean {
  return ctx.reports.push(
    report.cpu,
    report.addr,
    report.size,
    report.tid,
    report.pid ?? 0,
    report.isWrite,
    report.time,
  );
}
