import { test } from "node:test";
import assert from "node:assert/strict";
import { fileURLToPath } from "node:url";
import { parseKdamonds, readKdamondsFile } from "../../src/config/kdamonds.js";
import { schemesFromConfig } from "../../src/schemes/from-config.js";

void test("the kdamonds file's schemes become simulator schemes in kernel units", () => {
  const k = readKdamondsFile(fileURLToPath(new URL("./stat-pageout.json", import.meta.url)));
  const [stat, pageout] = schemesFromConfig(k.kdamonds[0].contexts[0].schemes);
  assert.equal(stat.action, "stat");
  // 50 % of 20 samples per aggregation; 2 s of 100 ms aggregations
  assert.equal(stat.pattern.minNrAccesses, 10);
  assert.equal(stat.pattern.maxNrAccesses, 20);
  assert.equal(stat.pattern.minSzRegion, 4096);
  assert.equal(pageout.action, "pageout");
  assert.equal(pageout.pattern.maxNrAccesses, 0);
  assert.equal(pageout.pattern.minAge, 20);
  assert.ok(pageout.wmarks.activated);
});

void test("quotas, goals and filters carry over; memcg filters are refused with the field", () => {
  const k = parseKdamonds({
    kdamonds: [
      {
        contexts: [
          {
            ops: "vaddr",
            targets: [{ pid: 0, regions: [] }],
            schemes: [
              {
                action: "pageout",
                quotas: {
                  time_ms: "10 ms",
                  sz_bytes: "1 MiB",
                  reset_interval_ms: "100 ms",
                  goals: [{ metric: "user_input", target_value: "10,000", current_value: "5,000" }],
                  weights: { sz_permil: "0 %", nr_accesses_permil: "30 %", age_permil: "70 %" },
                },
                filters: [
                  { filter_type: "anon", matching: true, allow: true },
                  {
                    filter_type: "addr",
                    matching: true,
                    allow: false,
                    address_range: { start: 4096, end: 8192 },
                  },
                ],
              },
            ],
          },
        ],
      },
    ],
  });
  const [s] = schemesFromConfig(k.kdamonds[0].contexts[0].schemes);
  assert.equal(s.quota.ms, 10);
  assert.equal(s.quota.sz, 1 << 20);
  assert.equal(s.quota.resetIntervalMs, 100);
  assert.deepEqual([s.quota.weightSz, s.quota.weightNrAccesses, s.quota.weightAge], [0, 300, 700]);
  assert.equal(s.quota.goals[0].targetValue, 10000);
  assert.equal(s.opsFilters[0].type, "anon");
  assert.deepEqual([s.coreFilters[0].addrStart, s.coreFilters[0].addrEnd], [4096, 8192]);
  const cfg = structuredClone(k.kdamonds[0].contexts[0].schemes);
  cfg[0].filters = [{ ...cfg[0].filters[0], type: "memcg", memcgPath: "/x" }];
  assert.throws(
    () => schemesFromConfig(cfg, () => -1, "s"),
    /s\[0\]\.filters\[0\]\.memcg_path.*memory cgroup/,
  );
});
