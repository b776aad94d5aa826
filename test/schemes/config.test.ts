import { test } from "node:test";
import assert from "node:assert/strict";
import { parseSchemes } from "../../src/config/kdamonds.js";
import { DEFAULT_INTERVALS } from "../../src/config/kdamonds.js";
import { parseCompactScheme } from "../../src/schemes/compact.js";
import { schemeFromConfig, schemesFromConfig } from "../../src/schemes/from-config.js";
import { presetLines, presetSchemes, PRESETS } from "../../src/schemes/presets.js";
import { FrameTable } from "../../src/mm/frames.js";
import { ConfigError, InputError } from "../../src/util/errors.js";
import { UINT_MAX } from "../../src/core/arith.js";

const iv = DEFAULT_INTERVALS; // 5 ms / 100 ms: max nr_accesses 20

test("kdamonds scheme config → runtime scheme: units, quotas, goals, wmarks, filters", () => {
  const [c] = parseSchemes([
    {
      action: "migrate_hot",
      target_nid: 0,
      access_pattern: {
        sz_bytes: { min: "4 KiB", max: "max" },
        nr_accesses: { min: "2 samples", max: "20 samples" },
        age: { min: "3 aggr_intervals", max: "max" },
      },
      apply_interval_us: "1 s",
      quotas: {
        time_ms: 10,
        sz_bytes: "128 MiB",
        reset_interval_ms: "1 s",
        weights: { sz_permil: 0, nr_accesses_permil: 1000, age_permil: 500 },
        goals: [
          { metric: "node_mem_used_bp", nid: 0, target_value: 9970 },
          { metric: "node_memcg_free_bp", nid: 1, memcg_path: "/app", target_value: 100 },
        ],
      },
      watermarks: {
        metric: "free_mem_rate",
        interval_us: "5 s",
        high_permil: 500,
        mid_permil: 400,
        low_permil: 200,
      },
      filters: [
        { filter_type: "young", matching: false, allow: false },
        { filter_type: "addr", matching: true, allow: true, address_range: { start: 4096, end: 8192 } },
      ],
    },
  ]);
  const s = schemeFromConfig(c, (p) => (p === "/app" ? 7 : -1));
  assert.equal(s.action, "migrate_hot");
  assert.equal(s.targetNid, 0);
  assert.deepEqual(s.pattern, {
    minSzRegion: 4096,
    maxSzRegion: Number.MAX_SAFE_INTEGER,
    minNrAccesses: 2,
    maxNrAccesses: 20,
    minAge: 3,
    maxAge: UINT_MAX,
  });
  assert.equal(s.applyIntervalUs, 1_000_000);
  assert.equal(s.quota.ms, 10);
  assert.equal(s.quota.sz, 128 * 2 ** 20);
  assert.equal(s.quota.resetIntervalMs, 1000);
  assert.equal(s.quota.weightAge, 500);
  assert.deepEqual(
    s.quota.goals.map((g) => [g.metric, g.targetValue, g.nid, g.memcgId, g.lastPsiTotal]),
    [
      ["node_mem_used_bp", 9970, 0, 0, null],
      ["node_memcg_free_bp", 100, 1, 7, null],
    ],
  );
  assert.deepEqual(
    [s.wmarks.metric, s.wmarks.intervalUs, s.wmarks.high, s.wmarks.mid, s.wmarks.low],
    ["free_mem_rate", 5e6, 500, 400, 200],
  );
  assert.equal(s.opsFilters.length, 1);
  assert.equal(s.coreFilters.length, 1);
  assert.equal(s.coreFilters[0].addrStart, 4096);
  // Default-reject flags follow the last filter of each kind (§6.10).
  assert.equal(s.opsFiltersDefaultReject, false);
});

test("config errors name the field path and the allowed values", () => {
  const [c] = parseSchemes([
    {
      action: "stat",
      filters: [{ filter_type: "memcg", matching: true, allow: false, memcg_path: "/nope" }],
    },
  ]);
  assert.throws(
    () => schemesFromConfig([c], () => -1),
    (e: unknown) =>
      e instanceof ConfigError &&
      /schemes\[0\]\.filters\[0\]\.memcg_path/.test(e.message) &&
      /nope/.test(e.message),
  );
  const [mig] = parseSchemes([{ action: "migrate_cold" }]);
  assert.throws(() => schemeFromConfig(mig), /target_nid/);
  assert.throws(
    () => parseCompactScheme("pagout", iv),
    (e: unknown) =>
      e instanceof ConfigError &&
      /action/.test(e.message) &&
      /pageout/.test(e.message) &&
      /migrate_hot/.test(e.message),
  );
  assert.throws(() => parseCompactScheme("stat colour=red", iv), /scheme key.*allowed: sz, nr, age/);
  assert.throws(() => parseCompactScheme("stat goal=node_mem_used_bp:9970", iv), /needs a node/);
  assert.throws(() => parseCompactScheme("stat goal=psi:1", iv), /goal metric.*some_mem_psi_us/);
  assert.throws(() => parseCompactScheme("stat filter=reject:old", iv), /filter type.*young/);
  assert.throws(() => parseCompactScheme("stat nr=5..2", iv), /min \(5\) is larger than max \(2\)/);
  assert.throws(
    () => parseCompactScheme("stat wmarks=free_mem_rate/1s/100/200/300", iv),
    /high >= mid >= low/,
  );
  assert.throws(() => parseCompactScheme("stat quota=10parsecs", iv), InputError);
  assert.throws(() => parseCompactScheme("migrate_hot nr=1..", iv), /target=NID/);
});

test("compact form: units and ranges convert to kernel units", () => {
  const c = parseCompactScheme(
    "pageout sz=2MiB.. nr=0%..10% age=5s.. apply=10ms quota=10ms/128MiB/1s weights=0/0/1000 goal=some_mem_psi_us:1000 tuner=temporal wmarks=free_mem_rate/5s/500/400/200 filter=reject:!anon filter=allow:memcg=/a",
    iv,
  );
  assert.equal(c.action, "pageout");
  assert.deepEqual(c.accessPattern.szBytes, { min: 2 ** 21, max: Infinity });
  assert.deepEqual(c.accessPattern.nrAccesses, { min: 0, max: 2 }); // 10% of 20 samples
  assert.deepEqual(c.accessPattern.age, { min: 50, max: Infinity }); // 5 s / 100 ms
  assert.equal(c.applyIntervalUs, 10_000);
  assert.deepEqual([c.quotas.timeMs, c.quotas.szBytes, c.quotas.resetIntervalMs], [10, 128 * 2 ** 20, 1000]);
  assert.equal(c.quotas.goalTuner, "temporal");
  assert.deepEqual(c.quotas.goals[0], {
    metric: "some_mem_psi_us",
    targetValue: 1000,
    currentValue: 0,
    nid: null,
    memcgPath: null,
  });
  assert.deepEqual(
    c.filters.map((f) => [f.type, f.matching, f.allow, f.memcgPath]),
    [
      ["anon", false, false, null],
      ["memcg", true, true, "/a"],
    ],
  );
  const plain = parseCompactScheme("stat age=3..7 nr=1..", iv);
  assert.deepEqual(plain.accessPattern.age, { min: 3, max: 7 });
  assert.deepEqual(plain.accessPattern.nrAccesses, { min: 1, max: Infinity });
  const mig = parseCompactScheme("migrate_cold dests=0:3,2:1", iv);
  assert.deepEqual(mig.dests, [
    { nid: 0, weight: 3 },
    { nid: 2, weight: 1 },
  ]);
});

test("presets build valid schemes; tiering scopes each direction to its node", () => {
  const ram = new FrameTable([{ sizeBytes: 2 ** 28 }, { sizeBytes: 2 ** 30 }]).ranges.slice();
  for (const p of PRESETS) {
    const cs = presetSchemes(p, { intervals: iv, ram });
    assert.ok(cs.length >= 1);
    schemesFromConfig(cs);
  }
  const [hot, cold] = presetSchemes("tiering", { intervals: iv, ram });
  assert.equal(hot.action, "migrate_hot");
  assert.equal(hot.targetNid, 0);
  assert.deepEqual(hot.filters[0].addressRange, { start: ram[1].start, end: ram[ram.length - 1].end });
  assert.equal(cold.targetNid, 1);
  assert.equal(cold.quotas.goals[0].metric, "node_mem_free_bp");
  assert.match(presetLines("reclaim", { intervals: iv, ram })[0], /^pageout nr=0\.\.0 age=2s\.\./);
  assert.throws(
    () => presetSchemes("tiering", { intervals: iv, ram: ram.filter((r) => r.node === 0) }),
    /node 1/,
  );
});
