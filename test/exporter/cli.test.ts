/**
 * `damon-ts exporter` from the command line: the URL on stdout's first line, a
 * DAMON_STAT tree served and the process stopping cleanly on SIGINT; a missing
 * DAMON_STAT is a clear runtime failure (exit 1), a bad source a usage error (exit 2).
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { after, test } from "node:test";
import { DAMON_STAT_PARAMS } from "../../src/exporter/sources/damon-stat.js";
import { tempDir } from "../helpers/temp.js";
import { cli } from "../cli/helpers.js";
import { startCli, stopChild, waitFor, type Child } from "./helpers.js";

const children: Child[] = [];
after(async () => {
  for (const c of children) await stopChild(c, "SIGKILL");
});

void test("exporter --source stat on a fake tree: URL first, metrics served, SIGINT exits 0", async () => {
  const root = tempDir("damon-stat-cli-");
  const dir = join(root, DAMON_STAT_PARAMS);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, "enabled"), "Y\n");
  writeFileSync(join(dir, "estimated_memory_bandwidth"), "5000\n");
  writeFileSync(
    join(dir, "memory_idle_ms_percentiles"),
    `${Array.from({ length: 101 }, (_, i) => i * 10).join(",")}\n`,
  );
  const c = startCli(["exporter", "--listen", "127.0.0.1:0", "--root", root]);
  children.push(c);
  const url = await waitFor("the URL", () => /^(http:\/\/127\.0\.0\.1:\d+\/metrics)\n/.exec(c.out())?.[1]);
  const text = await (await fetch(url)).text();
  assert.match(text, /\ndamon_stat_enabled 1\n/);
  assert.match(text, /\ndamon_memory_bandwidth_bytes_per_second\{kdamond="damon_stat",context="0"\} 5000\n/);
  assert.match(
    text,
    /\ndamon_memory_idle_seconds\{kdamond="damon_stat",context="0",percentile="50"\} 0\.5\n/,
  );
  assert.equal(await stopChild(c, "SIGINT"), 0);
});

void test("exporter: DAMON_STAT absent is exit 1 saying so; a bad source is exit 2", () => {
  const none = cli(["exporter", "--listen", "127.0.0.1:0", "--root", tempDir("no-stat-")]);
  assert.equal(none.code, 1);
  assert.match(none.err, /DAMON_STAT is not available: .*damon_stat\/parameters does not exist/);
  assert.equal(none.err.trim().split("\n").length, 1);
  const bad = cli(["exporter", "--source", "nfs"]);
  assert.equal(bad.code, 2);
  assert.match(bad.err, /--source: 'nfs' is not a source/);
});

void test("exporter --source sim:WORKLOAD runs the workload and serves its metrics (the run command is loaded for it)", async () => {
  const c = startCli([
    "exporter",
    "--listen",
    "127.0.0.1:0",
    "--source",
    "sim:stairs",
    "--",
    "--scale",
    "0.01",
  ]);
  children.push(c);
  const url = await waitFor(
    "the URL",
    () => /(http:\/\/127\.0\.0\.1:\d+\/metrics)/.exec(c.out() + c.err())?.[1],
  );
  assert.doesNotMatch(c.err(), /unknown command/);
  const text = await waitFor("the run's metrics", async () => {
    const t = await (await fetch(url)).text();
    return /\ndamon_sample_interval_seconds\{kdamond="0",context="0"\} 0\.005\n/.test(t) ? t : undefined;
  });
  assert.match(text, /# TYPE damon_sample_interval_seconds gauge/);
  await waitFor("the run's end", () =>
    /the run ended; still serving/.test(c.err() + c.out()) ? true : undefined,
  );
  assert.equal(await stopChild(c, "SIGINT"), 0);
});
