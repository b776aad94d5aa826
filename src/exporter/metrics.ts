/**
 * The exporter's Prometheus metrics (docs/exporter.md): one prom-client registry,
 * refilled from a Reading at every scrape so that series of vanished kdamonds,
 * targets or schemes disappear with them. Names follow Prometheus conventions:
 * base units (`_bytes`, `_seconds`), `_total` for counters, and the labels
 * kdamond / context / target / scheme / action.
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";
import type { Reading } from "./reading.js";

const CTX = ["kdamond", "context"] as const;
/**
 * prom-client's default Node metrics we leave out: gauges named `_total` that
 * `promtool check metrics` flags, and nodejs_eventloop_lag_seconds, whose collection
 * waits for an event-loop turn and so made every scrape under load as slow as the
 * loop (the nodejs_eventloop_lag_p99_seconds family measures the same without waiting).
 * The process_* metrics (CPU, resident memory, fds) stay.
 */
const LEFT_OUT_DEFAULTS = [
  "nodejs_active_handles_total",
  "nodejs_active_requests_total",
  "nodejs_active_resources_total",
  "nodejs_eventloop_lag_seconds",
];

/**
 * Precomputed percentiles are gauges with a `percentile` label (0..100, as
 * DAMON_STAT and damo name them): a `quantile` label is reserved for summaries.
 */
function pctLabel(q: number): string {
  return String(Math.round(q * 1000) / 10);
}
const TARGET = [...CTX, "target"] as const;
const SCHEME = [...CTX, "scheme", "action"] as const;

export class ExporterMetrics {
  readonly registry = new Registry();
  private readonly g = (name: string, help: string, labelNames: readonly string[]) =>
    new Gauge({ name, help, labelNames, registers: [this.registry] });
  private readonly c = (name: string, help: string, labelNames: readonly string[]) =>
    new Counter({ name, help, labelNames, registers: [this.registry] });

  // Label-less gauges always print a value, so these exist only once a source reports them.
  private statEnabled: Gauge | null = null;
  private statPid: Gauge | null = null;
  private running: Gauge | null = null;
  private readonly sampleInterval = this.g(
    "damon_sample_interval_seconds",
    "current sampling interval (after auto-tuning)",
    CTX,
  );
  private readonly aggrInterval = this.g(
    "damon_aggregation_interval_seconds",
    "current aggregation interval (after auto-tuning)",
    CTX,
  );
  private readonly snapshots = this.c("damon_aggregations_total", "aggregation intervals completed", CTX);
  private readonly bandwidth = this.g(
    "damon_memory_bandwidth_bytes_per_second",
    "estimated memory bandwidth: sum of region bytes x nr_accesses per second (DAMON_STAT's estimate)",
    CTX,
  );
  private readonly idle = this.g(
    "damon_memory_idle_seconds",
    "byte-weighted idle time percentiles; negative: accessed for that long (DAMON_STAT, 6.18+)",
    [...CTX, "percentile"],
  );
  private readonly reports = this.c("damon_access_reports_total", "access reports offered to DAMON", CTX);
  private readonly drops = this.c(
    "damon_access_reports_dropped_total",
    "access reports dropped because a CPU's report ring was full",
    CTX,
  );
  private readonly regions = this.g("damon_target_regions", "monitoring regions of the target", TARGET);
  private readonly wss = this.g(
    "damon_target_wss_bytes",
    "working set size: bytes of regions accessed in the last aggregation interval",
    TARGET,
  );
  private readonly wssQ = this.g(
    "damon_target_wss_percentile_bytes",
    "working set size percentiles over every aggregation seen (damo report wss)",
    [...TARGET, "percentile"],
  );
  private readonly nrTried = this.c(
    "damon_damos_tried_regions_total",
    "regions a scheme was tried on",
    SCHEME,
  );
  private readonly szTried = this.c("damon_damos_tried_bytes_total", "bytes a scheme was tried on", SCHEME);
  private readonly nrApplied = this.c(
    "damon_damos_applied_regions_total",
    "regions a scheme's action applied to",
    SCHEME,
  );
  private readonly szApplied = this.c(
    "damon_damos_applied_bytes_total",
    "bytes a scheme's action applied to",
    SCHEME,
  );
  private readonly szPassed = this.c(
    "damon_damos_ops_filter_passed_bytes_total",
    "bytes that passed the scheme's operations-layer filters",
    SCHEME,
  );
  private readonly qtExceeds = this.c(
    "damon_damos_quota_exceeds_total",
    "times the scheme's quota was exceeded",
    SCHEME,
  );
  private readonly quota = this.g(
    "damon_damos_effective_quota_bytes",
    "the scheme's effective size quota per charge window (after goal tuning)",
    SCHEME,
  );
  readonly scrapeDuration = new Histogram({
    name: "damon_exporter_scrape_duration_seconds",
    help: "time to read the source and render the metrics, per scrape",
    buckets: [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 1],
    registers: [this.registry],
  });
  readonly sourceUp = this.g("damon_exporter_source_up", "1 when the last read of the source succeeded", [
    "source",
  ]);

  constructor(withProcessMetrics = true) {
    if (withProcessMetrics) {
      collectDefaultMetrics({ register: this.registry });
      for (const name of LEFT_OUT_DEFAULTS) this.registry.removeSingleMetric(name);
    }
  }

  /** Replaces every DAMON series with the reading's. */
  update(r: Reading): void {
    for (const m of [
      this.sampleInterval,
      this.aggrInterval,
      this.bandwidth,
      this.idle,
      this.regions,
      this.wss,
      this.wssQ,
      this.quota,
    ])
      m.reset();
    for (const m of [
      this.snapshots,
      this.reports,
      this.drops,
      this.nrTried,
      this.szTried,
      this.nrApplied,
      this.szApplied,
      this.szPassed,
      this.qtExceeds,
    ])
      m.reset();
    if (r.stat) {
      this.statEnabled ??= this.g("damon_stat_enabled", "1 when the DAMON_STAT module is enabled", []);
      this.statPid ??= this.g("damon_stat_kdamond_pid", "PID of DAMON_STAT's kdamond (-1: off)", []);
      this.statEnabled.set(r.stat.enabled ? 1 : 0);
      this.statPid.set(r.stat.kdamondPid ?? -1);
    }
    if (r.running !== null) {
      this.running ??= this.g("damon_run_running", "1 while the monitored run goes on, 0 after it ended", []);
      this.running.set(r.running ? 1 : 0);
    }
    for (const c of r.contexts) {
      const l = { kdamond: c.kdamond, context: c.context };
      if (c.sampleUs !== null) this.sampleInterval.set(l, c.sampleUs / 1e6);
      if (c.aggrUs !== null) this.aggrInterval.set(l, c.aggrUs / 1e6);
      if (c.snapshots !== null) this.snapshots.inc(l, c.snapshots);
      if (c.bandwidthBytesPerSec !== null) this.bandwidth.set(l, c.bandwidthBytesPerSec);
      for (const q of c.idleSeconds) this.idle.set({ ...l, percentile: pctLabel(q.quantile) }, q.value);
      if (c.reportsReceived !== null) this.reports.inc(l, c.reportsReceived);
      if (c.reportRingDrops !== null) this.drops.inc(l, c.reportRingDrops);
      for (const t of c.targets) {
        const lt = { ...l, target: t.target };
        this.regions.set(lt, t.nrRegions);
        this.wss.set(lt, t.wssBytes);
        for (const q of t.wssQuantiles) this.wssQ.set({ ...lt, percentile: pctLabel(q.quantile) }, q.value);
      }
      for (const s of c.schemes) {
        const ls = { ...l, scheme: s.scheme, action: s.action };
        this.nrTried.inc(ls, s.nrTried);
        this.szTried.inc(ls, s.szTried);
        this.nrApplied.inc(ls, s.nrApplied);
        this.szApplied.inc(ls, s.szApplied);
        if (s.szOpsFilterPassed !== null) this.szPassed.inc(ls, s.szOpsFilterPassed);
        this.qtExceeds.inc(ls, s.qtExceeds);
        if (s.effectiveQuotaBytes !== null) this.quota.set(ls, s.effectiveQuotaBytes);
      }
    }
  }
}
