/**
 * The repository's Prometheus material checked by Prometheus's own tool: the
 * alerting rules (`promtool check rules`, and `promtool test rules` proves they
 * fire), the exporter's output (`promtool check metrics`: names, units, types),
 * and the Grafana dashboard and rules use only metrics the exporter serves.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { parse as parseYaml } from "yaml";
import { parseListen } from "../../src/exporter/listen.js";
import { ExporterMetrics } from "../../src/exporter/metrics.js";
import { startExporterServer, type ExporterServer } from "../../src/exporter/server.js";
import { READING } from "./fixtures.js";
import { ROOT, toolSkip } from "./helpers.js";

const skip = toolSkip(["promtool"]);
const RULES = join(ROOT, "deploy/prometheus");
const DASHBOARD = join(ROOT, "deploy/grafana/damon-dashboard.json");
const servers: ExporterServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

function promtool(args: string[], input?: string): { code: number | null; text: string } {
  const r = spawnSync("promtool", args, { cwd: RULES, input, encoding: "utf8", timeout: 60_000 });
  return { code: r.status, text: `${r.stdout}${r.stderr}` };
}

void test("promtool check rules / test rules: the example alerts are valid and fire", { skip }, () => {
  const check = promtool(["check", "rules", "damon-alerts.yml"]);
  assert.equal(check.code, 0, check.text);
  assert.match(check.text, /SUCCESS: 6 rules found/);
  const unit = promtool(["test", "rules", "damon-alerts.test.yml"]);
  assert.equal(unit.code, 0, unit.text);
});

void test("promtool check metrics: the exporter's output passes Prometheus's lint", { skip }, async () => {
  const s = await startExporterServer({ name: "fixture", read: () => READING }, parseListen("127.0.0.1:0"));
  servers.push(s);
  const text = await (await fetch(`http://127.0.0.1:${s.address.port}/metrics`)).text();
  assert.match(text, /damon_damos_applied_bytes_total\{/);
  const r = promtool(["check", "metrics"], text);
  assert.equal(r.code, 0, r.text);
  assert.equal(r.text.trim(), "");
});

/** Metric names in a PromQL expression (identifiers followed by { or [ or end, not functions). */
function metricNames(expr: string): string[] {
  return [...expr.matchAll(/\b(damon_[a-z_]+)\b/g)].map((m) => m[1]);
}

void test("the dashboard and the rules use only metrics the exporter serves", () => {
  const names = new Set<string>();
  for (const m of new ExporterMetrics(false).registry.getMetricsAsArray()) {
    names.add(m.name);
    if (String(m.type) === "histogram") for (const x of ["_bucket", "_sum", "_count"]) names.add(m.name + x);
  }
  // Label-less gauges appear once a source reports them.
  names.add("damon_stat_enabled").add("damon_stat_kdamond_pid").add("damon_run_running");
  const dash = JSON.parse(readFileSync(DASHBOARD, "utf8")) as {
    panels: { title: string; targets: { expr: string }[] }[];
  };
  assert.ok(dash.panels.length >= 10);
  const rules = parseYaml(readFileSync(join(RULES, "damon-alerts.yml"), "utf8")) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  const exprs = [
    ...dash.panels.flatMap((p) => p.targets.map((t) => [p.title, t.expr])),
    ...rules.groups.flatMap((g) => g.rules.map((r) => [r.alert, r.expr])),
  ];
  for (const [where, expr] of exprs) {
    const used = metricNames(expr);
    assert.ok(used.length > 0, `${where}: no damon metric`);
    for (const n of used) assert.ok(names.has(n), `${where}: ${n} is not a metric of the exporter`);
  }
});
