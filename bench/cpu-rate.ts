/**
 * Rates per CPU second of this process, for the access-path benches (bench/sim.ts,
 * bench/tlb-floor.ts, bench/replay.ts): on a shared host the wall clock mostly
 * measures the other processes. The wall clock only for what a second thread changes.
 */

/** CPU seconds of this process so far. */
export function cpuS(): number {
  const c = process.cpuUsage();
  return (c.user + c.system) / 1e6;
}

/** Wall-clock seconds, for the rows about finishing sooner (a replay's decode-ahead worker). */
export function wallS(): number {
  return performance.now() / 1e3;
}

/** Accesses per CPU second of `fn` (which returns how many it did) over `seconds` of CPU. */
export function rate(fn: () => number, seconds: number): number {
  const t0 = cpuS();
  let total = 0;
  while (cpuS() - t0 < seconds) total += fn();
  return total / (cpuS() - t0);
}

/**
 * Best rate of each case over `rounds` rounds of `seconds` each, after five warm-up
 * calls, the cases interleaved within a round, so load from other processes hits
 * all of them alike.
 */
export function bestOf(
  cases: Record<string, () => number>,
  rounds: number,
  seconds: number,
): Record<string, number> {
  const best: Record<string, number> = {};
  for (const [k, fn] of Object.entries(cases)) {
    for (let w = 0; w < 5; w++) fn();
    best[k] = 0;
  }
  for (let r = 0; r < rounds; r++) {
    for (const [k, fn] of Object.entries(cases)) best[k] = Math.max(best[k], rate(fn, seconds));
  }
  return best;
}
