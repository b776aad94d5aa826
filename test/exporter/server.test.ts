/**
 * The exporter's HTTP surface: /metrics in Prometheus text; malformed query
 * strings, other methods and paths, and broken HTTP get 4xx and the server keeps
 * serving; a failing source is reported as damon_exporter_source_up 0.
 */
import assert from "node:assert/strict";
import { connect } from "node:net";
import { after, test } from "node:test";
import { parseListen } from "../../src/exporter/listen.js";
import { ExporterMetrics } from "../../src/exporter/metrics.js";
import type { ReadingSource } from "../../src/exporter/reading.js";
import { READING } from "./fixtures.js";
import { startExporterServer, type ExporterServer } from "../../src/exporter/server.js";
import { UsageError } from "../../src/util/errors.js";

let fail = false;
const source: ReadingSource = {
  name: "test",
  read: () => {
    if (fail) throw new Error("boom");
    return READING;
  },
};
const servers: ExporterServer[] = [];
after(async () => {
  for (const s of servers) await s.close();
});

async function serve(): Promise<string> {
  const s = await startExporterServer(source, parseListen("127.0.0.1:0"), {
    metrics: new ExporterMetrics(false),
  });
  servers.push(s);
  return `http://127.0.0.1:${s.address.port}`;
}

void test("GET /metrics renders the reading with Prometheus names, units and labels", async () => {
  const base = await serve();
  const res = await fetch(`${base}/metrics`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get("content-type") ?? "", /text\/plain; version=0\.0\.4/);
  const text = await res.text();
  const has = (line: string) => assert.ok(text.includes(`${line}\n`), `missing: ${line}`);
  has('damon_sample_interval_seconds{kdamond="0",context="0"} 0.005');
  has('damon_aggregation_interval_seconds{kdamond="0",context="0"} 0.1');
  has('damon_aggregations_total{kdamond="0",context="0"} 7');
  has('damon_memory_idle_seconds{kdamond="0",context="0",percentile="50"} -1.5');
  has('damon_access_reports_dropped_total{kdamond="0",context="0"} 2');
  has('damon_target_regions{kdamond="0",context="0",target="0"} 12');
  has('damon_target_wss_percentile_bytes{kdamond="0",context="0",target="0",percentile="50"} 8192');
  has('damon_damos_applied_bytes_total{kdamond="0",context="0",scheme="0",action="pageout"} 4096');
  has('damon_damos_effective_quota_bytes{kdamond="0",context="0",scheme="0",action="pageout"} 1048576');
  has("damon_run_running 1");
  has('damon_exporter_source_up{source="test"} 1');
  assert.ok(!text.includes("damon_damos_ops_filter_passed_bytes_total{"), "absent stats make no series");
  has("damon_stat_enabled 1");
  // each scrape is timed, and shows in the next one
  assert.match(text, /damon_exporter_scrape_duration_seconds_count 0\n/);
  const again = await (await fetch(`${base}/metrics`)).text();
  assert.match(again, /damon_exporter_scrape_duration_seconds_count 1\n/);
});

void test("bad requests get 4xx and the server keeps serving", async () => {
  const base = await serve();
  const cases: [string, RequestInit, number][] = [
    ["/metrics", { method: "POST", body: "x" }, 405],
    ["/metrics", { method: "DELETE" }, 405],
    ["/metrics?x=%zz", {}, 400],
    ["/metrics?%E0%A4%A=1", {}, 400],
    ["/metrics?name[]=damon_wss", {}, 400],
    ["/nope", {}, 404],
    ["/metrics/../etc/passwd", {}, 404],
  ];
  for (const [path, init, status] of cases) {
    const res = await fetch(`${base}${path}`, init);
    assert.equal(res.status, status, `${init.method ?? "GET"} ${path}`);
    assert.ok((await res.text()).length < 200, "one short line");
    if (status === 405) assert.equal(res.headers.get("allow"), "GET, HEAD");
  }
  // Broken HTTP on a raw socket: a 400, not a crash.
  const port = Number(new URL(base).port);
  const reply = await new Promise<string>((resolve) => {
    const s = connect(port, "127.0.0.1", () => s.write("GARBAGE \x00\x01 nonsense\r\n\r\n"));
    let got = "";
    s.on("data", (d) => (got += d.toString()));
    s.on("close", () => resolve(got));
    s.on("error", () => resolve(got));
  });
  assert.match(reply, /^HTTP\/1\.1 400/);
  const head = await fetch(`${base}/metrics`, { method: "HEAD" });
  assert.equal(head.status, 200);
  assert.equal((await fetch(`${base}/metrics`)).status, 200);
});

void test("a failing source: source_up 0 and no DAMON series, then recovery", async () => {
  const base = await serve();
  fail = true;
  try {
    const text = await (await fetch(`${base}/metrics`)).text();
    assert.match(text, /damon_exporter_source_up\{source="test"\} 0\n/);
    assert.ok(!text.includes("damon_target_wss_bytes{"));
  } finally {
    fail = false;
  }
  const text = await (await fetch(`${base}/metrics`)).text();
  assert.match(text, /damon_exporter_source_up\{source="test"\} 1\n/);
});

void test("--listen parsing: HOST:PORT, [v6]:PORT, :PORT; bad forms are usage errors", () => {
  assert.deepEqual(parseListen("127.0.0.1:9464"), { host: "127.0.0.1", port: 9464 });
  assert.deepEqual(parseListen("[::1]:0"), { host: "::1", port: 0 });
  assert.deepEqual(parseListen(":9000"), { host: "127.0.0.1", port: 9000 });
  for (const bad of ["9464", "host", "a:b", "1.2.3.4:70000", "[::1]", ""])
    assert.throws(() => parseListen(bad), UsageError, bad);
});
