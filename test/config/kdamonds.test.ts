import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync, readFileSync } from "node:fs";
import { join } from "node:path";
import {
  UNLIMITED,
  formatKdamonds,
  kdamondsToDamo,
  parseKdamonds,
  parseKdamondsText,
  parseSchemes,
  readKdamondsFile,
  simpleKdamonds,
  writeKdamondsFile,
} from "../../src/config/kdamonds.js";
import { ConfigError } from "../../src/util/errors.js";
import { tempDir } from "../helpers/temp.js";

// formats.md §3.3, verbatim.
const EXAMPLE = `{"kdamonds": [{"refresh_ms": 0, "contexts": [{
  "ops": "vaddr", "addr_unit": "1 B",
  "targets": [{"pid": 1234, "obsolete": false, "regions": []}],
  "intervals": {"sample_us": "5 ms", "aggr_us": "100 ms", "ops_update_us": "1 s",
    "intervals_goal": {"access_bp": "0 %", "aggrs": "0", "min_sample_us": "0 ns", "max_sample_us": "0 ns"}},
  "nr_regions": {"min": "10", "max": "1,000"},
  "probes": [],
  "sample_control": {"primitives_enabled": {"page_table": true, "page_fault": false}, "sample_filters": []},
  "pause": false,
  "schemes": [{
    "action": "pageout", "dests": [],
    "access_pattern": {"sz_bytes": {"min": "4.000 KiB", "max": "max"},
                       "nr_accesses": {"min": "0 %", "max": "0 %"},
                       "age": {"min": "1 m", "max": "max"}},
    "apply_interval_us": "0 ns",
    "quotas": {"time_ms": "10 ms", "sz_bytes": "128.000 MiB", "reset_interval_ms": "1 s",
      "fail_charge_num": "0", "fail_charge_denom": "0",
      "goals": [{"metric": "some_mem_psi_us", "nid": null, "memcg_path": null,
                 "target_value": "1,000", "current_value": "0"}],
      "goal_tuner": "consist", "effective_sz_bytes": "0 B",
      "weights": {"sz_permil": "0 %", "nr_accesses_permil": "0.3 %", "age_permil": "0.7 %"}},
    "watermarks": {"metric": "free_mem_rate", "interval_us": "5 s",
                   "high_permil": "50 %", "mid_permil": "40 %", "low_permil": "20 %"},
    "filters": [{"filter_type": "anon", "matching": false, "allow": false, "memcg_path": null,
                 "address_range": null, "damon_target_idx": null, "hugepage_size": null}]}]}]}]}`;

void test("formats.md §3.3 example parses into kernel units", () => {
  const c = parseKdamondsText(EXAMPLE).kdamonds[0].contexts[0];
  assert.equal(c.ops, "vaddr");
  assert.deepEqual(c.targets, [{ pid: 1234, obsolete: false, regions: [] }]);
  assert.deepEqual(c.intervals, {
    sampleUs: 5000,
    aggrUs: 100000,
    updateUs: 1000000,
    goal: { accessBp: 0, aggrs: 0, minSampleUs: 0, maxSampleUs: 0 },
  });
  assert.deepEqual(c.nrRegions, { min: 10, max: 1000 });
  const s = c.schemes[0];
  assert.equal(s.action, "pageout");
  assert.deepEqual(s.accessPattern.szBytes, { min: 4096, max: UNLIMITED });
  assert.deepEqual(s.accessPattern.nrAccesses, { min: 0, max: 0 });
  assert.deepEqual(s.accessPattern.age, { min: 600, max: UNLIMITED }); // 60 s / 100 ms
  assert.equal(s.quotas.timeMs, 10);
  assert.equal(s.quotas.szBytes, 128 * 2 ** 20);
  assert.equal(s.quotas.resetIntervalMs, 1000);
  assert.deepEqual(s.quotas.weights, { szPermil: 0, nrAccessesPermil: 3, agePermil: 7 });
  assert.deepEqual(s.quotas.goals, [
    { metric: "some_mem_psi_us", nid: null, memcgPath: null, targetValue: 1000, currentValue: 0 },
  ]);
  assert.deepEqual(s.watermarks, {
    metric: "free_mem_rate",
    intervalUs: 5_000_000,
    highPermil: 500,
    midPermil: 400,
    lowPermil: 200,
  });
  assert.equal(s.filters[0].type, "anon");
  assert.equal(s.filters[0].allow, false);
});

void test("formats.md §3.3 example round-trips to the same damo JSON (JSON and YAML)", () => {
  const parsed = parseKdamondsText(EXAMPLE);
  const expected = JSON.parse(EXAMPLE) as unknown;
  assert.deepEqual(kdamondsToDamo(parsed), expected);
  const json = formatKdamonds(parsed, "json");
  assert.deepEqual(JSON.parse(json), expected);
  const yaml = formatKdamonds(parsed, "yaml");
  assert.deepEqual(parseKdamondsText(yaml), parsed);
  assert.deepEqual(kdamondsToDamo(parseKdamondsText(yaml)), expected);
});

void test("files: write then read, format by extension", () => {
  const dir = tempDir("kdamonds-");
  const parsed = parseKdamondsText(EXAMPLE);
  for (const name of ["a.json", "a.yaml"]) {
    const f = join(dir, name);
    writeKdamondsFile(f, parsed);
    assert.deepEqual(readKdamondsFile(f), parsed);
  }
  assert.match(readFileSync(join(dir, "a.yaml"), "utf8"), /^kdamonds:\n/);
});

void test("defaults are filled: only ops/targets and action given", () => {
  const c = parseKdamonds({
    kdamonds: [
      { contexts: [{ ops: "paddr", targets: [{ pid: null, regions: [] }], schemes: [{ action: "stat" }] }] },
    ],
  }).kdamonds[0];
  assert.equal(c.refreshMs, 0);
  const ctx = c.contexts[0];
  assert.equal(ctx.addrUnit, 1);
  assert.deepEqual(ctx.intervals.sampleUs, 5000);
  assert.deepEqual(ctx.nrRegions, { min: 10, max: 1000 });
  assert.equal(ctx.pause, false);
  assert.deepEqual(ctx.sampleControl.primitivesEnabled, { pageTable: true, pageFault: false });
  const s = ctx.schemes[0];
  assert.deepEqual(s.accessPattern.szBytes, { min: 0, max: UNLIMITED });
  assert.deepEqual(s.accessPattern.nrAccesses, { min: 0, max: UNLIMITED });
  assert.deepEqual(s.accessPattern.age, { min: 0, max: UNLIMITED });
  assert.equal(s.quotas.resetIntervalMs, UNLIMITED);
  assert.equal(s.quotas.goalTuner, "consist");
  assert.equal(s.watermarks.metric, "none");
  assert.equal(s.applyIntervalUs, 0);
  assert.equal(s.targetNid, null);
  // and the defaults serialise as damo prints them
  const out = kdamondsToDamo({ kdamonds: [c] }).kdamonds[0] as {
    contexts: { schemes: Record<string, unknown>[] }[];
  };
  assert.deepEqual(out.contexts[0].schemes[0].access_pattern, {
    sz_bytes: { min: "0 B", max: "max" },
    nr_accesses: { min: "0 %", max: "max" },
    age: { min: "0 ns", max: "max" },
  });
  assert.equal((out.contexts[0].schemes[0].quotas as Record<string, unknown>).reset_interval_ms, "max");
});

void test("unit forms: percent vs samples, time vs aggr_intervals, old filter_pass key", () => {
  const base = {
    ops: "vaddr",
    targets: [{ pid: 1, regions: [] }],
    intervals: { sample_us: "10 ms", aggr_us: "200 ms" },
  };
  const [ctx] = parseKdamonds({
    kdamonds: [
      {
        contexts: [
          {
            ...base,
            schemes: [
              {
                action: "migrate_hot",
                target_nid: 1,
                dests: [{ id: 1, weight: 3 }],
                access_pattern: {
                  nr_accesses: { min: "35 %", max: "100 %" },
                  age: { min: "3 aggr_intervals", max: "10 aggr_intervals" },
                  sz_bytes: { min: "2M", max: "1 GiB" },
                },
                filters: [{ filter_type: "young", matching: true, filter_pass: true }],
              },
              {
                action: "cold",
                access_pattern: {
                  nr_accesses: { min: "2 samples", max: "5 samples" },
                  age: { min: 1500000 },
                },
              },
            ],
          },
        ],
      },
    ],
  }).kdamonds[0].contexts;
  const [hot, cold] = ctx.schemes;
  assert.deepEqual(hot.accessPattern.nrAccesses, { min: 7, max: 20 }); // 20 samples per aggregation
  assert.deepEqual(hot.accessPattern.age, { min: 3, max: 10 });
  assert.deepEqual(hot.accessPattern.szBytes, { min: 2 * 2 ** 20, max: 2 ** 30 });
  assert.equal(hot.targetNid, 1);
  assert.deepEqual(hot.dests, [{ nid: 1, weight: 3 }]);
  assert.equal(hot.filters[0].allow, true);
  assert.deepEqual(cold.accessPattern.nrAccesses, { min: 2, max: 5 });
  assert.deepEqual(cold.accessPattern.age, { min: 7, max: UNLIMITED }); // bare number = µs: 1.5 s / 200 ms
  const out = kdamondsToDamo({ kdamonds: [{ refreshMs: 0, contexts: [ctx] }] }).kdamonds[0] as {
    contexts: { schemes: { access_pattern: unknown; target_nid?: unknown }[] }[];
  };
  assert.deepEqual(out.contexts[0].schemes[0].access_pattern, {
    sz_bytes: { min: "2.000 MiB", max: "1024.000 MiB" }, // damo: strictly above a unit
    nr_accesses: { min: "35 %", max: "100 %" },
    age: { min: "3 aggr_intervals", max: "10 aggr_intervals" },
  });
  assert.equal(out.contexts[0].schemes[0].target_nid, 1);
  assert.equal("target_nid" in out.contexts[0].schemes[1], false);
});

void test("bare schemes list (damon-tests -c files)", () => {
  const s = parseSchemes([{ action: "pageout", access_pattern: { age: { min: "5 s", max: "max" } } }]);
  assert.deepEqual(s[0].accessPattern.age, { min: 50, max: UNLIMITED });
});

void test("simpleKdamonds builds a valid one-context configuration", () => {
  const c = simpleKdamonds({
    targetPid: 42,
    sampleUs: 1000,
    aggrUs: 20000,
    minNrRegions: 5,
    maxNrRegions: 50,
  });
  const ctx = c.kdamonds[0].contexts[0];
  assert.equal(ctx.targets[0].pid, 42);
  assert.deepEqual(ctx.nrRegions, { min: 5, max: 50 });
  assert.deepEqual(parseKdamonds(kdamondsToDamo(c)), c);
  assert.throws(
    () => simpleKdamonds({ targetPid: 1, minNrRegions: 2 }),
    /nr_regions\.min: must be at least 3/,
  );
});

// ---- every error names its field path

function errorOf(data: unknown, file?: string): ConfigError {
  try {
    parseKdamonds(data, file);
  } catch (e) {
    assert.ok(e instanceof ConfigError, `expected ConfigError, got ${String(e)}`);
    return e;
  }
  assert.fail("no error");
}

function withScheme(scheme: unknown, ctxExtra: Record<string, unknown> = {}) {
  return {
    kdamonds: [
      {
        contexts: [
          {
            ops: "vaddr",
            targets: [{ pid: 1, regions: [] }],
            ...ctxExtra,
            schemes: [{ action: "stat" }, scheme],
          },
        ],
      },
    ],
  };
}

const S = "kdamonds[0].contexts[0].schemes[1]";
const C = "kdamonds[0].contexts[0]";

const ERROR_CASES: [string, unknown, string, RegExp][] = [
  [
    "unknown metric",
    withScheme({ action: "stat", quotas: { goals: [{ metric: "bogus", target_value: 1 }] } }),
    `${S}.quotas.goals[0].metric`,
    /allowed values: user_input, some_mem_psi_us, node_mem_used_bp/,
  ],
  [
    "unknown action",
    withScheme({ action: "page_out" }),
    `${S}.action`,
    /allowed values: willneed, cold, pageout/,
  ],
  [
    "unknown ops",
    { kdamonds: [{ contexts: [{ ops: "vaddrx", targets: [] }] }] },
    `${C}.ops`,
    /allowed values: vaddr, fvaddr, paddr/,
  ],
  [
    "unknown filter type",
    withScheme({ filters: [{ filter_type: "old" }] }),
    `${S}.filters[0].filter_type`,
    /allowed values: anon, active/,
  ],
  [
    "unknown goal tuner",
    withScheme({ quotas: { goal_tuner: "fast" } }),
    `${S}.quotas.goal_tuner`,
    /consist, temporal/,
  ],
  [
    "unknown watermark metric",
    withScheme({ watermarks: { metric: "free" } }),
    `${S}.watermarks.metric`,
    /none, free_mem_rate/,
  ],
  [
    "unknown sample filter",
    {
      kdamonds: [
        {
          contexts: [
            {
              ops: "vaddr",
              targets: [{ pid: 1, regions: [] }],
              sample_control: { sample_filters: [{ filter_type: "x" }] },
            },
          ],
        },
      ],
    },
    `${C}.sample_control.sample_filters[0].filter_type`,
    /cpumask, threads, write/,
  ],
  ["misspelt key", withScheme({ acess_pattern: {} }), `${S}.acess_pattern`, /unknown key 'acess_pattern'/],
  [
    "bad size",
    withScheme({ access_pattern: { sz_bytes: { min: "4 XB" } } }),
    `${S}.access_pattern.sz_bytes.min`,
    /unit/,
  ],
  [
    "nr_accesses without unit",
    withScheme({ access_pattern: { nr_accesses: { min: 3 } } }),
    `${S}.access_pattern.nr_accesses.min`,
    /'N %' or 'N samples'/,
  ],
  [
    "mixed nr_accesses units",
    withScheme({ access_pattern: { nr_accesses: { min: "3 samples", max: "50 %" } } }),
    `${S}.access_pattern.nr_accesses`,
    /one unit/,
  ],
  [
    "min > max",
    withScheme({ access_pattern: { age: { min: "10 s", max: "1 s" } } }),
    `${S}.access_pattern.age`,
    /larger than max/,
  ],
  ["bad time", withScheme({ apply_interval_us: "5 parsecs" }), `${S}.apply_interval_us`, /unit/],
  [
    "bad percent",
    withScheme({ quotas: { weights: { age_permil: "lots" } } }),
    `${S}.quotas.weights.age_permil`,
    /percentage/,
  ],
  [
    "bad bool",
    withScheme({ filters: [{ filter_type: "anon", matching: "maybe" }] }),
    `${S}.filters[0].matching`,
    /boolean/,
  ],
  [
    "missing target_value",
    withScheme({ quotas: { goals: [{ metric: "user_input" }] } }),
    `${S}.quotas.goals[0].target_value`,
    /missing/,
  ],
  [
    "zero target_value",
    withScheme({ quotas: { goals: [{ metric: "user_input", target_value: 0 }] } }),
    `${S}.quotas.goals[0].target_value`,
    /must not be 0/,
  ],
  [
    "node metric without nid",
    withScheme({ quotas: { goals: [{ metric: "node_mem_free_bp", target_value: 100 }] } }),
    `${S}.quotas.goals[0].nid`,
    /node id/,
  ],
  [
    "memcg metric without path",
    withScheme({ quotas: { goals: [{ metric: "node_memcg_used_bp", nid: 0, target_value: 100 }] } }),
    `${S}.quotas.goals[0].memcg_path`,
    /memcg path/,
  ],
  [
    "memcg filter without path",
    withScheme({ filters: [{ filter_type: "memcg" }] }),
    `${S}.filters[0].memcg_path`,
    /memcg_path/,
  ],
  [
    "addr filter reversed",
    withScheme({ filters: [{ filter_type: "addr", address_range: { start: 10, end: 5 } }] }),
    `${S}.filters[0].address_range`,
    /start is larger/,
  ],
  [
    "addr filter without range",
    withScheme({ filters: [{ filter_type: "addr" }] }),
    `${S}.filters[0].address_range`,
    /needs address_range/,
  ],
  [
    "target filter without idx",
    withScheme({ filters: [{ filter_type: "target" }] }),
    `${S}.filters[0].damon_target_idx`,
    /damon_target_idx/,
  ],
  [
    "hugepage_size reversed",
    withScheme({ filters: [{ filter_type: "hugepage_size", hugepage_size: ["2M", "4K"] }] }),
    `${S}.filters[0].hugepage_size`,
    /min is larger/,
  ],
  ["missing ops", { kdamonds: [{ contexts: [{ targets: [] }] }] }, `${C}.ops`, /missing/],
  ["missing targets", { kdamonds: [{ contexts: [{ ops: "vaddr" }] }] }, `${C}.targets`, /missing/],
  [
    "missing pid",
    { kdamonds: [{ contexts: [{ ops: "vaddr", targets: [{ regions: [] }] }] }] },
    `${C}.targets[0].pid`,
    /missing/,
  ],
  [
    "vaddr target with null pid",
    { kdamonds: [{ contexts: [{ ops: "vaddr", targets: [{ pid: null, regions: [] }] }] }] },
    `${C}.targets[0].pid`,
    /needs a pid/,
  ],
  [
    "bad region",
    {
      kdamonds: [
        { contexts: [{ ops: "paddr", targets: [{ pid: null, regions: [{ start: "200", end: "100" }] }] }] },
      ],
    },
    `${C}.targets[0].regions[0]`,
    /must be below end/,
  ],
  [
    "overlapping regions",
    {
      kdamonds: [
        {
          contexts: [
            {
              ops: "paddr",
              targets: [
                {
                  pid: null,
                  regions: [
                    { start: 0, end: 100 },
                    { start: 50, end: 200 },
                  ],
                },
              ],
            },
          ],
        },
      ],
    },
    `${C}.targets[0].regions[1]`,
    /overlap/,
  ],
  [
    "two paddr targets",
    {
      kdamonds: [
        {
          contexts: [
            {
              ops: "paddr",
              targets: [
                { pid: null, regions: [] },
                { pid: null, regions: [] },
              ],
            },
          ],
        },
      ],
    },
    `${C}.targets`,
    /at most one target/,
  ],
  [
    "aggr < sample",
    withScheme({}, { intervals: { sample_us: "10 ms", aggr_us: "5 ms" } }),
    `${C}.intervals.aggr_us`,
    /shorter than sample/,
  ],
  [
    "min_nr_regions < 3",
    withScheme({}, { nr_regions: { min: 2, max: 10 } }),
    `${C}.nr_regions.min`,
    /at least 3/,
  ],
  [
    "max < min nr_regions",
    withScheme({}, { nr_regions: { min: 10, max: 9 } }),
    `${C}.nr_regions.max`,
    /smaller than min/,
  ],
  [
    "intervals goal out of range",
    withScheme(
      {},
      {
        intervals: {
          intervals_goal: { access_bp: "4 %", aggrs: 3, min_sample_us: "10 ms", max_sample_us: "1 s" },
        },
      },
    ),
    `${C}.intervals.sample_us`,
    /min_sample_us/,
  ],
  [
    "two contexts",
    {
      kdamonds: [
        {
          contexts: [
            { ops: "paddr", targets: [] },
            { ops: "paddr", targets: [] },
          ],
        },
      ],
    },
    "kdamonds[0].contexts",
    /at most one context/,
  ],
  ["no kdamonds key", { contexts: [] }, "kdamonds", /missing/],
  ["wrong type", withScheme({ filters: {} }), `${S}.filters`, /expected array/],
];

for (const [name, data, path, msg] of ERROR_CASES) {
  void test(`error names the field: ${name}`, () => {
    const e = errorOf(data, "cfg.json");
    assert.equal(e.where, `cfg.json: ${path}`, e.message);
    assert.match(e.message, msg);
  });
}

void test("syntax errors name the file and line", () => {
  const dir = tempDir("kdamonds-");
  const f = join(dir, "bad.yaml");
  writeFileSync(f, "kdamonds:\n  - contexts:\n      - ops: [vaddr\n");
  assert.throws(
    () => readKdamondsFile(f),
    (e: unknown) => e instanceof ConfigError && /bad\.yaml:\d+/.test(e.message),
  );
  const j = join(dir, "bad.json");
  writeFileSync(j, '{"kdamonds": [\n  {"contexts": ]}');
  assert.throws(
    () => readKdamondsFile(j),
    (e: unknown) => e instanceof ConfigError && /bad\.json:2/.test(e.message),
  );
  assert.throws(() => readKdamondsFile(join(dir, "none.json")), /none\.json: cannot read: ENOENT/);
});
