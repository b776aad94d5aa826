/** `damon-ts live` options the live tests share: 5 ms samples, 100 ms aggregation and updates, JSON out. */
export const LIVE_FAST = ["--json", "--sample", "5ms", "--aggr", "100ms", "--update", "100ms"];

/**
 * `live` on a command the test starts, recorded to `record`, with a 3 s latency
 * window: a loaded machine delivers perf samples seconds late.
 */
export function liveTestArgs(record: string, extra: string[] = []): string[] {
  return ["live", ...extra, ...LIVE_FAST, "--latency", "3s", "--record", record];
}
