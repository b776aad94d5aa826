/**
 * The memory-tiering mode's promotion rate limit (numa_balancing_promote_rate_limit_MBps):
 * one-second windows per target node, each with a budget of pages.
 */
export class PromotionRateLimit {
  private readonly windowStartNs: number[];
  private readonly windowPages: number[];

  constructor(
    nrNodes: number,
    /** Pages per node per one-second window. */
    readonly pagesPerWindow: number,
  ) {
    this.windowStartNs = new Array<number>(nrNodes).fill(-Infinity);
    this.windowPages = new Array<number>(nrNodes).fill(0);
  }

  /** Whether one more page may be promoted to `node` now (a new window starts a second after the last). */
  allows(node: number, nowNs: number): boolean {
    if (nowNs - this.windowStartNs[node] >= 1e9) {
      this.windowStartNs[node] = nowNs;
      this.windowPages[node] = 0;
    }
    return this.windowPages[node] < this.pagesPerWindow;
  }

  /** Counts a promotion to `node`; the pages promoted to it in this window. */
  count(node: number): number {
    return ++this.windowPages[node];
  }
}
