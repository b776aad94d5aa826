/**
 * The exporter against a real Prometheus: a simulated run serves its metrics,
 * Prometheus (Debian's package) scrapes them on 127.0.0.1, and PromQL through
 * its HTTP API gives the same WSS and DAMOS numbers `run --json` prints for the
 * very same run.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { quantileOfSorted } from "../../src/exporter/quantiles.js";
import {
  freePort,
  ROOT,
  promScalar,
  startCli,
  startPrometheus,
  stopChild,
  toolSkip,
  waitFor,
  type Child,
} from "./helpers.js";

const skip = toolSkip(["prometheus"]);
const children: Child[] = [];
after(async () => {
  for (const c of children) await stopChild(c, "SIGKILL");
});

interface RunJson {
  runs: {
    summary: { windowsUnscored: number };
    windows: { estWssBytes: number; nrRegions: number }[];
    damos: {
      schemes: {
        nrTried: number;
        szTried: number;
        nrApplied: number;
        szApplied: number;
        szOpsFilterPassed: number;
        qtExceeds: number;
      }[];
    };
  }[];
}

test(
  "Prometheus scrapes `run --exporter`: PromQL equals run --json (WSS, DAMOS stats)",
  { skip },
  async () => {
    // Prometheus first, scraping the exporter's port before the run exists, so that
    // its first scrapes are not late for a run that lasts only a few seconds.
    const port = await freePort();
    const prom = await startPrometheus([`127.0.0.1:${port}`]);
    children.push(prom.child);
    await waitFor("Prometheus's first scrape attempt", () => promScalar(prom.api, "up"), 60_000);
    const run = startCli([
      "run",
      "stairs",
      "--time-scale",
      "0.1",
      "--memory",
      "256MiB",
      "--no-baseline",
      "--no-heatmap",
      "--json",
      "--scheme",
      "pageout nr=0..0 age=500ms..",
      "--exporter",
      `127.0.0.1:${port}`,
    ]);
    children.push(run);
    await waitFor("the run to end", () => (run.err().includes("the run ended") ? true : undefined), 120_000);
    const json = JSON.parse(run.out()) as RunJson;
    const r = json.runs[0];
    assert.equal(r.summary.windowsUnscored, 0, "every snapshot is a scored window");
    // A scrape after the run ended holds the final state.
    await waitFor("a scrape after the run ended", () =>
      promScalar(prom.api, "damon_run_running").then((v) => (v === 0 ? true : undefined)),
    );
    const q = (e: string) => promScalar(prom.api, e);
    assert.equal(await q("max_over_time(damon_run_running[10m])"), 1, "scraped while the run was going on");
    assert.equal(await q("damon_aggregations_total"), r.windows.length);
    const wss = r.windows.map((w) => w.estWssBytes);
    assert.equal(await q("damon_target_wss_bytes"), wss.at(-1));
    assert.equal(await q('damon_target_regions{target="0"}'), r.windows.at(-1)!.nrRegions);
    const sorted = [...wss].sort((a, b) => a - b);
    for (const pct of [0, 25, 50, 75, 90, 100])
      assert.equal(
        await q(`damon_target_wss_percentile_bytes{percentile="${pct}"}`),
        quantileOfSorted(sorted, pct / 100),
        `WSS percentile ${pct}`,
      );
    const s = r.damos.schemes[0];
    assert.ok(s.nrApplied > 0, "the scheme acted, so the comparison means something");
    const labels = '{scheme="0",action="pageout"}';
    assert.equal(await q(`damon_damos_tried_regions_total${labels}`), s.nrTried);
    assert.equal(await q(`damon_damos_tried_bytes_total${labels}`), s.szTried);
    assert.equal(await q(`damon_damos_applied_regions_total${labels}`), s.nrApplied);
    assert.equal(await q(`damon_damos_applied_bytes_total${labels}`), s.szApplied);
    assert.equal(await q(`damon_damos_ops_filter_passed_bytes_total${labels}`), s.szOpsFilterPassed);
    assert.equal(await q(`damon_damos_quota_exceeds_total${labels}`), s.qtExceeds);
    // Every dashboard query parses and evaluates in this Prometheus (Grafana's variables filled in).
    const dash = JSON.parse(readFileSync(join(ROOT, "deploy/grafana/damon-dashboard.json"), "utf8")) as {
      panels: { title: string; targets: { expr: string }[] }[];
    };
    for (const p of dash.panels)
      for (const t of p.targets) {
        const expr = t.expr.replaceAll("$instance", ".*").replaceAll("$__rate_interval", "1m");
        const res = await fetch(`${prom.api}/query?query=${encodeURIComponent(expr)}`);
        assert.equal(res.status, 200, `${p.title}: ${await res.text()}`);
      }
    // Interrupted after the run, the exporter stops cleanly.
    assert.equal(await stopChild(run, "SIGINT"), 0);
    await stopChild(prom.child);
  },
);
