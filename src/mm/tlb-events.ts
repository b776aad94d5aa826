/**
 * TLB invalidation events (docs/memory-model.md "TLB invalidation events"): what drops
 * cached translations besides capacity eviction, per CPU, in virtual time.
 *
 * - Timer ticks at `hz` on every CPU that runs something. A tick is a kernel entry:
 *   with page-table isolation (`pti`) and no PCID, returning to user space writes CR3
 *   and every non-global (user) translation is gone; with PCID or without PTI the
 *   user entries stay.
 * - Context switches between address spaces on one CPU: without PCID/ASID the
 *   incoming process starts with an empty TLB; with PCID the entries stay tagged.
 *   Switching to idle or to a kernel thread is lazy (no CR3 write) and drops nothing
 *   unless `pti` is on without PCID, where the return to user space flushes.
 * - Shootdowns when a mapping changes (munmap, mprotect, migration, pageout, hinting
 *   arming) are charged by the Machine where the change happens (flushTlbPage,
 *   releasePages); capacity eviction is the TLB's LRU.
 *
 * The per-access loop never tests for an event: the CPU's next event time is folded
 * into the time limit the loop already compares against, so an event costs one
 * extra loop exit per event, not one compare per access.
 */

export interface TlbEventConfig {
  /** Timer tick frequency (CONFIG_HZ); 0 = no ticks modelled. */
  hz: number;
  /** Page-table isolation: kernel entries switch page tables. */
  pti: boolean;
  /** PCID / ASID: translations are tagged, switches and PTI returns keep them. */
  pcid: boolean;
  /** Tick handler cost charged to the CPU (ns). */
  tickNs: number;
  /** Cost of a kernel entry/exit pair, e.g. a context switch or a kdamond wake-up (ns). */
  kernelEntryNs: number;
}

/** No events: today's behaviour (capacity eviction and explicit flushes only). */
export const NO_TLB_EVENTS: Readonly<TlbEventConfig> = Object.freeze({
  hz: 0,
  pti: false,
  pcid: true,
  tickNs: 0,
  kernelEntryNs: 0,
});

/** Whether a kernel entry (tick, interrupt, syscall) drops the user translations. */
export function kernelEntryFlushes(c: TlbEventConfig): boolean {
  return c.pti && !c.pcid;
}

/** Tick period in ns (Infinity when ticks are off). */
export function tickPeriodNs(c: TlbEventConfig): number {
  return c.hz > 0 ? Math.round(1e9 / c.hz) : Infinity;
}

export function validateTlbEvents(c: TlbEventConfig): void {
  if (!(c.hz >= 0 && c.hz <= 100_000)) throw new RangeError(`tlbEvents.hz must be in 0..100000, got ${c.hz}`);
  if (!(c.tickNs >= 0) || !(c.kernelEntryNs >= 0))
    throw new RangeError("tlbEvents: tickNs and kernelEntryNs must be >= 0");
}

/** Per-CPU event counters (plain data for stats()). */
export interface TlbEventCounts {
  ticks: number;
  /** Whole-TLB (user entries) flushes caused by kernel entries under PTI without PCID. */
  entryFlushes: number;
  /** Context switches between address spaces, and how many of them flushed. */
  switches: number;
  switchFlushes: number;
}

/**
 * How much of the accessed memory the Accessed-bit primitive could not see because
 * translations stayed cached (docs/memory-model.md "The TLB blind spot").
 */
export interface TlbBlindSpot {
  /** Σ over sampling intervals of the pages accessed in the interval (from the truth). */
  accessedPageSamples: number;
  /**
   * Σ over sampling intervals of the pages accessed in the interval whose Accessed bit
   * was clear and stayed clear: every access of the page in the interval hit a
   * translation cached in a TLB, so a check at the interval's end found it idle.
   */
  hiddenPageSamples: number;
  /** hiddenPageSamples / accessedPageSamples (0 when nothing was accessed). */
  hiddenShare: number;
  /** Mean hidden bytes per sampling interval. */
  hiddenBytesPerSample: number;
  /** Sampling intervals the figures cover. */
  samples: number;
}

/** A hidden share at or above this is worth a warning line. */
export const BLIND_SPOT_WARN_SHARE = 0.25;

export function tlbBlindSpot(
  hiddenPageSamples: number,
  accessedPageSamples: number,
  samples: number,
): TlbBlindSpot {
  return {
    accessedPageSamples,
    hiddenPageSamples,
    hiddenShare: accessedPageSamples > 0 ? Math.min(1, hiddenPageSamples / accessedPageSamples) : 0,
    hiddenBytesPerSample: samples > 0 ? (hiddenPageSamples * 4096) / samples : 0,
    samples,
  };
}
