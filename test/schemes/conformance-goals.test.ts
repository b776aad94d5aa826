/**
 * Conformance of DAMOS quota-goal metrics with the newest mm tree (mm/damon/core.c:
 * `damos_set_quota_goal_current_value`, `damos_get_node_mem_bp`,
 * `damos_get_node_memcg_used_bp`, `damos_goal_tune_esz_bp_consist`). damon-spec.md
 * §6.8.1 says the first psi round "only records" the baseline; the kernel also
 * sets current_value = target_value for it, so the round has no effect.
 * "fails before" marks a deviation of the code before issue 18's fixes.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../../src/core/context.js";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { PAGE_SIZE } from "../../src/mm/vma.js";
import { MachineMetrics } from "../../src/ops/damos-metrics.js";
import { SchemesRunner } from "../../src/schemes/runner.js";
import { newScheme } from "../../src/schemes/scheme.js";
import type { QuotaGoal } from "../../src/schemes/types.js";
import { targetOf } from "../helpers/regions.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const N = 64;

function world() {
  const m = new Machine({ nodes: [{ sizeBytes: 2 ** 26 }, { sizeBytes: 2 ** 26 }], tlb: false, cpus: 1 });
  const as = m.createProcess();
  const th = m.spawnThread(as, 0, idle);
  const base = as.mmap(N * PAGE_SIZE);
  m.runAccesses(
    th,
    Array.from({ length: N }, (_, i) => base + i * PAGE_SIZE),
  );
  const ctx = createContext({ minRegionSz: PAGE_SIZE, attrs: { sampleUs: 1000, aggrUs: 20_000 } });
  ctx.targets.push(targetOf([[base, base + N * PAGE_SIZE]]));
  return { m, ctx, metrics: new MachineMetrics(m, "vaddr") };
}

function goal(metric: QuotaGoal["metric"], nid = 0, memcgId = 0, targetValue = 1000): QuotaGoal {
  return { metric, targetValue, currentValue: 0, nid, memcgId, complement: false, lastPsiTotal: null };
}

test("damos_set_quota_goal_current_value: the first psi round reads current = target (fails before)", () => {
  const { ctx, metrics } = world();
  const g = goal("some_mem_psi_us", 0, 0, 1234);
  assert.equal(metrics.goalMetric(g, ctx, newScheme({ action: "stat" })), 1234);
  assert.notEqual(g.lastPsiTotal, null, "the baseline is recorded");
});

test("damos_goal_tune_esz_bp_consist: the first psi round leaves esz_bp where it was, not doubled (fails before)", () => {
  const { ctx, metrics } = world();
  const s = newScheme({
    action: "pageout",
    // A reset interval longer than the round: only the first charge window's tuning runs.
    quota: { goals: [goal("some_mem_psi_us")], resetIntervalMs: 1000 },
  });
  const runner = new SchemesRunner([s], { metrics });
  runner.start(ctx);
  ctx.passedSampleIntervals = s.nextApplySis;
  runner.apply(ctx, 1_000_000);
  // score = current/target = 10,000: damon_feed_loop_next_input returns max(esz_bp, 10,000).
  assert.equal(s.quota.eszBp, 10_000n);
  assert.equal(s.quota.esz, 1);
});

test("damos_get_node_mem_bp: an invalid node is all free and nothing used (fails before)", () => {
  const { ctx, metrics } = world();
  const s = newScheme({ action: "stat" });
  for (const nid of [-1, 2, 7]) {
    assert.equal(metrics.goalMetric(goal("node_mem_free_bp", nid), ctx, s), 10_000, `free, node ${nid}`);
    assert.equal(metrics.goalMetric(goal("node_mem_used_bp", nid), ctx, s), 0, `used, node ${nid}`);
  }
});

test("damos_get_node_mem_bp: a valid node is mult_frac(used or free, 10000, total)", () => {
  const { m, ctx, metrics } = world();
  const s = newScheme({ action: "stat" });
  const total = m.nodeTotalFrames(0);
  const free = m.nodeFreeFrames(0);
  assert.equal(
    metrics.goalMetric(goal("node_mem_used_bp", 0), ctx, s),
    Math.floor(((total - free) * 1e4) / total),
  );
  assert.equal(metrics.goalMetric(goal("node_mem_free_bp", 0), ctx, s), Math.floor((free * 1e4) / total));
  assert.equal(metrics.goalMetric(goal("node_mem_free_bp", 1), ctx, s), 10_000, "untouched node");
});

test("damos_get_node_memcg_used_bp: free is mult_frac(total − used, 10000, total), not 10000 − used_bp (fails before)", () => {
  const { m, ctx, metrics } = world();
  const s = newScheme({ action: "stat" });
  const total = m.nodeTotalFrames(0);
  const used = m.memcgNodePages(1, 0);
  assert.equal(used, N);
  const usedBp = metrics.goalMetric(goal("node_memcg_used_bp", 0, 1), ctx, s);
  const freeBp = metrics.goalMetric(goal("node_memcg_free_bp", 0, 1), ctx, s);
  assert.equal(usedBp, Math.floor((used * 1e4) / total));
  assert.equal(freeBp, Math.floor(((total - used) * 1e4) / total));
  assert.notEqual(usedBp + freeBp, 10_000, "the two round separately (here 39 + 9960)");
});

test("damos_get_node_memcg_used_bp: invalid node or missing memcg → used 0, free 10000", () => {
  const { ctx, metrics } = world();
  const s = newScheme({ action: "stat" });
  assert.equal(metrics.goalMetric(goal("node_memcg_used_bp", 9, 1), ctx, s), 0);
  assert.equal(metrics.goalMetric(goal("node_memcg_free_bp", 9, 1), ctx, s), 10_000);
  assert.equal(metrics.goalMetric(goal("node_memcg_used_bp", 0, 0), ctx, s), 0);
  assert.equal(metrics.goalMetric(goal("node_memcg_free_bp", 0, 0), ctx, s), 10_000);
});
