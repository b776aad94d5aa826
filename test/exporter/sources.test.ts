/**
 * The read-only sources on fake trees in temp dirs: DAMON_STAT's module
 * parameters (6.17 and 6.18 forms, absent, damaged) and the kdamonds damon-ts
 * started through its kernel backend — read without a single write.
 */
import assert from "node:assert/strict";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { parseSchemes, simpleKdamonds } from "../../src/config/kdamonds.js";
import { KernelBackend } from "../../src/kernel/backend.js";
import {
  DAMON_STAT_PARAMS,
  DamonStatMissingError,
  DamonStatSource,
} from "../../src/exporter/sources/damon-stat.js";
import { KernelSource } from "../../src/exporter/sources/kernel.js";
import { idleQuantiles } from "../../src/exporter/quantiles.js";
import { FakeSysfs } from "../kernel/fake-sysfs.js";
import { tempDir } from "../helpers/temp.js";

function statTree(files: Record<string, string>): string {
  const root = tempDir("damon-stat-");
  const dir = join(root, DAMON_STAT_PARAMS);
  mkdirSync(dir, { recursive: true });
  for (const [k, v] of Object.entries(files)) writeFileSync(join(dir, k), `${v}\n`);
  return root;
}

const pcts = (f: (i: number) => number) => Array.from({ length: 101 }, (_, i) => f(i)).join(",");

void test("DAMON_STAT 6.18: bandwidth, negative (hot) idle percentiles, tuned interval, pid", () => {
  const root = statTree({
    enabled: "Y",
    estimated_memory_bandwidth: "987654321",
    memory_idle_ms_percentiles: pcts((i) => (i - 30) * 100),
    aggr_interval_us: "1500000",
    kdamond_pid: "4242",
  });
  const r = new DamonStatSource(root).read();
  assert.deepEqual(r.stat, { enabled: true, kdamondPid: 4242 });
  const c = r.contexts[0];
  assert.equal(c.kdamond, "damon_stat");
  assert.equal(c.bandwidthBytesPerSec, 987654321);
  assert.equal(c.aggrUs, 1500000);
  const q = new Map(c.idleSeconds.map((x) => [x.quantile, x.value]));
  assert.equal(q.get(0), -3); // the hottest 0 % has been accessed for 3 s
  assert.equal(q.get(0.1), -2);
  assert.equal(q.get(0.5), 2);
  assert.equal(q.get(1), 7);
});

void test("DAMON_STAT 6.17 (no aggr_interval_us, no kdamond_pid) and disabled", () => {
  const r = new DamonStatSource(
    statTree({ enabled: "Y", estimated_memory_bandwidth: "0", memory_idle_ms_percentiles: pcts((i) => i) }),
  ).read();
  assert.equal(r.contexts[0].aggrUs, null);
  assert.equal(r.stat!.kdamondPid, null);
  const off = new DamonStatSource(statTree({ enabled: "N" })).read();
  assert.deepEqual(off, { stat: { enabled: false, kdamondPid: null }, running: null, contexts: [] });
});

void test("DAMON_STAT absent or damaged: a clear error", () => {
  assert.throws(() => new DamonStatSource(tempDir("no-stat-")), DamonStatMissingError);
  assert.throws(
    () => new DamonStatSource(statTree({ enabled: "Y", memory_idle_ms_percentiles: "1,2,x" })).read(),
    /'x' is not an integer/,
  );
  assert.throws(
    () => new DamonStatSource(statTree({ enabled: "Y", memory_idle_ms_percentiles: "1,2,3" })).read(),
    /3 values, not 101/,
  );
});

void test("idle quantiles are byte-weighted and negative for accessed regions", () => {
  const regions = [
    { start: 0, end: 3000, nrAccesses: 0, age: 10 }, // idle 1 s, 3000 bytes
    { start: 3000, end: 4000, nrAccesses: 5, age: 20 }, // hot for 2 s, 1000 bytes
  ];
  const q = new Map(idleQuantiles(regions, 100_000).map((x) => [x.quantile, x.value]));
  assert.equal(q.get(0), -2);
  assert.equal(q.get(0.25), -2);
  assert.equal(q.get(0.5), 1);
  assert.equal(q.get(1), 1);
});

void test("kernel source: reads damon-ts's kdamonds, never writes, ignores foreign ones", () => {
  const fake = new FakeSysfs("newest");
  const ownershipFile = join(tempDir("damon-own-"), "own.json");
  const backend = new KernelBackend({ root: fake.root, io: fake, ownershipFile });
  const config = simpleKdamonds({
    ops: "paddr",
    regions: [{ start: 1 << 30, end: 2 ** 31 }],
    schemes: parseSchemes([{ action: "stat" }]),
  });
  backend.start(config);
  backend.command("update_schemes_stats");
  backend.command("update_schemes_tried_regions");
  const writes = fake.log.length;
  const src = new KernelSource(fake.root, { io: fake, ownershipFile });
  const r = src.read();
  assert.equal(fake.log.length, writes, "the exporter wrote nothing");
  assert.equal(r.contexts.length, 1);
  const c = r.contexts[0];
  assert.equal(c.sampleUs, 5000);
  assert.equal(c.aggrUs, 100000);
  const tried = backend.readTriedRegions(0, 0, 0);
  assert.ok(tried.length > 0);
  assert.equal(c.targets[0].nrRegions, tried.length);
  assert.equal(
    c.targets[0].wssBytes,
    tried.filter((t) => t.nrAccesses > 0).reduce((s, t) => s + t.end - t.start, 0),
  );
  const stats = backend.readSchemeStats(0, 0, 0);
  assert.equal(c.schemes[0].action, "stat");
  assert.equal(c.schemes[0].nrTried, stats.nrTried);
  assert.equal(c.schemes[0].szTried, stats.szTried);
  // Without damon-ts's record, the same kdamonds are someone else's: not read.
  const foreign = new KernelSource(fake.root, { io: fake, ownershipFile: join(tempDir("other-"), "x.json") });
  assert.deepEqual(foreign.read().contexts, []);
  assert.throws(
    () => new KernelSource(join(tempDir("none-"), "admin"), { ownershipFile }),
    /DAMON sysfs not found/,
  );
});
