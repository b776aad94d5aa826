/**
 * Attribution accuracy of report-based sources (faults, hardware samples): the
 * reports DAMON counted carry the CPU and thread that accessed; do they split over
 * CPUs and threads the way the application's real accesses do? Measured as the
 * total variation distance between the two distributions (0 = same shares,
 * 1 = disjoint). Accessed bits cannot attribute at all, so they have no value.
 */
import type { Machine } from "../mm/machine.js";

export interface AttributionErrors {
  /** Total variation distance between per-CPU shares of counted reports and of accesses; null with no report counted (no shares to compare). */
  cpu: number | null;
  /** The same per thread. */
  thread: number | null;
  /** Reports counted (the sample the shares come from). */
  reports: number;
}

export class AttributionCounter {
  private readonly byCpu = new Map<number, number>();
  private readonly byTid = new Map<number, number>();
  private total = 0;

  count(cpu: number, tid: number): void {
    this.byCpu.set(cpu, (this.byCpu.get(cpu) ?? 0) + 1);
    this.byTid.set(tid, (this.byTid.get(tid) ?? 0) + 1);
    this.total++;
  }

  errors(m: Machine): AttributionErrors {
    const st = m.stats();
    const accCpu = new Map<number, number>();
    const accTid = new Map<number, number>();
    for (const t of st.threads) {
      accCpu.set(t.cpu, (accCpu.get(t.cpu) ?? 0) + t.accesses);
      accTid.set(t.tid, t.accesses);
    }
    // No report: the distance would read as the maximum, 1.
    return {
      cpu: this.total > 0 ? tvDistance(this.byCpu, accCpu) : null,
      thread: this.total > 0 ? tvDistance(this.byTid, accTid) : null,
      reports: this.total,
    };
  }
}

/** ½ Σ |p(k) − q(k)| over the union of keys of two count maps (each normalised). */
export function tvDistance(p: ReadonlyMap<number, number>, q: ReadonlyMap<number, number>): number {
  const sum = (m: ReadonlyMap<number, number>): number => [...m.values()].reduce((a, b) => a + b, 0);
  const sp = sum(p);
  const sq = sum(q);
  if (sp === 0 || sq === 0) return sp === sq ? 0 : 1;
  let d = 0;
  for (const k of new Set([...p.keys(), ...q.keys()]))
    d += Math.abs((p.get(k) ?? 0) / sp - (q.get(k) ?? 0) / sq);
  return d / 2;
}
