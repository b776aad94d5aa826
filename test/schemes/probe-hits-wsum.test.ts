/**
 * The `probe_hits_wsum` DAMOS core filter of the newest mm tree (after Linux 7.3):
 * `damos_filter_match` matches a region when `damon_probe_hits_wsum(r, false, true,
 * ctx)` — the weighted sum of the probes' moving sums — is in [range_min, range_max];
 * `damos_filter_for_ops` makes it a core filter; `damos_commit_filter_arg` rejects
 * max < min.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../../src/core/context.js";
import { newProbe } from "../../src/core/probe.js";
import { parseKdamonds, formatKdamonds } from "../../src/config/kdamonds.js";
import { coreFiltersReject } from "../../src/schemes/filters.js";
import { schemeFromConfig } from "../../src/schemes/from-config.js";
import { newScheme, setFiltersDefaultReject } from "../../src/schemes/scheme.js";
import { compactToDamo } from "../../src/schemes/compact.js";
import type { DamosFilter } from "../../src/schemes/types.js";
import { ConfigError } from "../../src/util/errors.js";
import { targetOf } from "../helpers/regions.js";

const m = 4096;

/** A context with probes weighted 1 and 2, half-way through a window of 20 samples. */
function halfWay() {
  const ctx = createContext({
    minRegionSz: m,
    attrs: { sampleUs: 1000, aggrUs: 20_000 },
    probes: [newProbe([{ type: "anon", matching: true, allow: true }], 1), newProbe([], 2)],
  });
  ctx.passedSampleIntervals = 10;
  ctx.nextAggregationSis = 20; // 10 of 20 samples left: left_window_bp = 5,000
  const t = targetOf([
    [0, 4 * m],
    [4 * m, 8 * m],
  ]);
  // Region 0: current hits [4, 1], last window [10, 6] → moving sums 4+5 = 9 and 1+3 = 4 → wsum 9·1 + 4·2 = 17.
  t.regions[0].probeHits.set([4, 1]);
  t.regions[0].lastProbeHits.set([10, 6]);
  // Region 1: no hits at all → wsum 0.
  ctx.targets.push(t);
  return { ctx, t };
}

function scheme(filters: DamosFilter[]) {
  const s = newScheme({ action: "stat", filters });
  setFiltersDefaultReject(s);
  return s;
}

const wsum = (min: number, max: number, allow = true, matching = true): DamosFilter => ({
  type: "probe_hits_wsum",
  matching,
  allow,
  wsumMin: min,
  wsumMax: max,
});

test("damos_filter_match: probe_hits_wsum uses the moving sum's weighted sum, range inclusive", () => {
  const { ctx, t } = halfWay();
  const s = scheme([wsum(17, 17)]);
  assert.deepEqual(s.coreFilters.length, 1, "damos_filter_for_ops: a core filter");
  assert.equal(coreFiltersReject(s, t, 0, 0, ctx), false, "wsum 17 is in [17, 17]");
  assert.equal(s.coreFiltersAllowed, true);
  // The current window alone (4·1 + 1·2 = 6) and the last one (10 + 12 = 22) would not be 17.
  assert.equal(coreFiltersReject(scheme([wsum(6, 6)]), t, 0, 0, ctx), true);
  assert.equal(coreFiltersReject(scheme([wsum(22, 22)]), t, 0, 0, ctx), true);
  // Region 1 (wsum 0): not in [1, 100]; the last filter allows, so unmatched regions are rejected.
  assert.equal(coreFiltersReject(scheme([wsum(1, 100)]), t, 0, 1, ctx), true);
  assert.equal(coreFiltersReject(scheme([wsum(0, 0)]), t, 0, 1, ctx), false);
});

test("damos_filter_match: probe_hits_wsum with matching=N and reject", () => {
  const { ctx, t } = halfWay();
  // reject regions whose wsum is NOT in [10, 30]: region 0 (17) passes, region 1 (0) is rejected.
  const s = scheme([wsum(10, 30, false, false)]);
  assert.equal(coreFiltersReject(s, t, 0, 0, ctx), false);
  assert.equal(coreFiltersReject(s, t, 0, 1, ctx), true);
  // At the window's start (left_window_bp = 10,000) the moving sum is the last window's: 10·1 + 6·2 = 22.
  ctx.passedSampleIntervals = 0;
  assert.equal(coreFiltersReject(scheme([wsum(22, 22)]), t, 0, 0, ctx), false);
});

const FILE = {
  kdamonds: [
    {
      contexts: [
        {
          ops: "paddr",
          targets: [{ pid: null, regions: [{ start: "0", end: "1 GiB" }] }],
          probes: [
            { filters: [{ filter_type: "anon", matching: true, allow: true, path: null }], weight: 1 },
          ],
          schemes: [
            {
              action: "pageout",
              filters: [
                {
                  filter_type: "probe_hits_wsum",
                  matching: true,
                  allow: true,
                  probe_hits_wsum: { min: 0, max: 20 },
                },
              ],
            },
          ],
        },
      ],
    },
  ],
};

test("kdamonds file: a probe_hits_wsum filter round-trips and becomes the scheme's core filter", () => {
  const cfg = parseKdamonds(FILE);
  const f = cfg.kdamonds[0].contexts[0].schemes[0].filters[0];
  assert.deepEqual(f.probeHitsWsum, { min: 0, max: 20 });
  const again = parseKdamonds(JSON.parse(formatKdamonds(cfg)) as unknown);
  assert.deepEqual(again, cfg);
  const s = schemeFromConfig(cfg.kdamonds[0].contexts[0].schemes[0]);
  assert.deepEqual(s.coreFilters, [wsum(0, 20)]);
  assert.equal(s.opsFilters.length, 0);
});

test("kdamonds file: probe_hits_wsum needs {min, max} with min <= max (the kernel rejects max < min)", () => {
  for (const bad of [undefined, { min: 5, max: 4 }]) {
    const file = structuredClone(FILE);
    const f = file.kdamonds[0].contexts[0].schemes[0].filters[0] as Record<string, unknown>;
    if (bad === undefined) delete f.probe_hits_wsum;
    else f.probe_hits_wsum = bad;
    assert.throws(
      () => parseKdamonds(file),
      (e: unknown) => e instanceof ConfigError && /probe_hits_wsum filter needs \{min, max\}/.test(e.message),
    );
  }
});

test("compact --scheme form: allow:probe_hits_wsum=MIN-MAX", () => {
  const o = compactToDamo("pageout filter=reject:!probe_hits_wsum=100-255");
  assert.deepEqual(o.filters, [
    {
      filter_type: "probe_hits_wsum",
      matching: false,
      allow: false,
      probe_hits_wsum: { min: "100", max: "255" },
    },
  ]);
});
