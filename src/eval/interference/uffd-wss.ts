/**
 * The userfaultfd RWP working-set estimator judged against the exact truth: each
 * scan period, the VMM's PAGEMAP_SCAN read-and-clear gives the pages accessed
 * since the previous scan; the truth gives the distinct pages the process really
 * touched in the same span (the union of the truth windows that close in it).
 * Windows are attributed to the period they end in, so the scan period should
 * be a multiple of the aggregation interval (1 s and 100 ms by default).
 */
import type { TruthWindow } from "../../truth/ground-truth.js";
import type { UffdRwp } from "../../mm/uffd/rwp.js";
import { PAGE_SIZE } from "../../mm/vma.js";

export interface UffdWssPeriod {
  endNs: number;
  estimateBytes: number;
  trueBytes: number;
}

export interface UffdWssResult {
  periods: UffdWssPeriod[];
  /** Mean over periods of |estimate − truth| / truth (periods with a non-empty truth); null without any. */
  meanRelError: number | null;
  maxRelError: number | null;
}

export class UffdWssJudge {
  /** Distinct pages touched per period index, filled as truth windows close. */
  private readonly truth = new Map<number, Set<number>>();
  /** Distinct pages of completed periods. */
  private readonly sizes = new Map<number, number>();

  constructor(
    private readonly uffd: UffdRwp,
    private readonly pid: number,
  ) {}

  /** Feed every closed truth window (ExperimentOptions.onTruthWindow). */
  onTruthWindow(w: TruthWindow): void {
    const k = Math.floor((w.endNs - 1) / this.uffd.scanPeriodNs);
    let set = this.truth.get(k);
    if (set === undefined) this.truth.set(k, (set = new Set()));
    for (let i = 0; i < w.n; i++)
      if (w.pid[i] === this.pid && this.uffd.covers(this.pid, w.vaddr[i])) set.add(w.vaddr[i]);
    // Earlier periods are complete: keep only their sizes.
    for (const [j, s] of this.truth) {
      if (j >= k) continue;
      this.sizes.set(j, s.size);
      this.truth.delete(j);
    }
  }

  result(): UffdWssResult {
    const periods: UffdWssPeriod[] = [];
    let sum = 0;
    let n = 0;
    let max: number | null = null;
    for (const s of this.uffd.scans) {
      const k = Math.round(s.startNs / this.uffd.scanPeriodNs);
      const pages = this.sizes.get(k) ?? this.truth.get(k)?.size ?? 0;
      const p = { endNs: s.endNs, estimateBytes: s.accessedPages * PAGE_SIZE, trueBytes: pages * PAGE_SIZE };
      periods.push(p);
      if (pages > 0) {
        const e = Math.abs(p.estimateBytes - p.trueBytes) / p.trueBytes;
        sum += e;
        n++;
        max = Math.max(max ?? 0, e);
      }
    }
    return { periods, meanRelError: n > 0 ? sum / n : null, maxRelError: max };
  }
}
