/**
 * Conformance of online commits with the newest mm tree (mm/damon/core.c:
 * `damon_commit_ctx` → `__damon_commit_ctx`, `damos_commit`, `damos_commit_quota_goal`).
 * damon-spec.md §7.4 says the commit calls `damon_set_attrs`; the kernel calls it
 * only when `damon_attrs_equals` is false. Tests marked "fails before" reproduce
 * the deviations issue 18 lists.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { VirtualClock } from "../../src/core/clock.js";
import { cloneAttrs } from "../../src/core/attrs.js";
import { commitContext } from "../../src/core/commit.js";
import { createContext } from "../../src/core/context.js";
import type { Context } from "../../src/core/context.js";
import { Kdamond } from "../../src/core/kdamond.js";
import type { AggregationEvent } from "../../src/core/kdamond.js";
import { SyntheticOps } from "../../src/ops/synthetic.js";
import { commitQuotaGoal, commitSchemes } from "../../src/schemes/commit.js";
import { SchemesRunner } from "../../src/schemes/runner.js";
import { newScheme } from "../../src/schemes/scheme.js";
import type { QuotaGoal } from "../../src/schemes/types.js";
import { targetOf } from "../helpers/regions.js";

const MiB = 1 << 20;

/** One always-accessed target, 1 ms samples, 20 samples per aggregation. */
function hotCtx(): { ctx: Context; kd: Kdamond; windows: AggregationEvent[] } {
  const ctx = createContext({
    ops: new SyntheticOps([{ start: 0, end: 4 * MiB }]),
    seed: 1,
    attrs: { sampleUs: 1000, aggrUs: 20_000, minNrRegions: 3, maxNrRegions: 20 },
  });
  ctx.targets.push(targetOf([[0, 4 * MiB]]));
  const kd = new Kdamond(ctx, new VirtualClock());
  const windows: AggregationEvent[] = [];
  kd.onAggregated((ev) => windows.push(ev));
  return { ctx, kd, windows };
}

function commitSame(ctx: Context): void {
  commitContext(ctx, { attrs: cloneAttrs(ctx.attrs), minRegionSz: ctx.minRegionSz, pause: false });
}

for (const every of [10, 30]) {
  test(`__damon_commit_ctx: committing unchanged attributes every ${every} samples keeps 20-sample windows (fails before)`, () => {
    const { ctx, kd, windows } = hotCtx();
    for (let i = 1; i <= 400; i++) {
      kd.step();
      if (i % every === 0) commitSame(ctx);
    }
    assert.equal(windows.length, 20, "one aggregation per 20 samples");
    for (const w of windows) {
      assert.equal(w.endNs - w.startNs, 20_000_000);
      for (const r of w.targets[0].regions) assert.equal(r.nrAccesses, 20, "never above samples per window");
    }
  });
}

test("__damon_commit_ctx: changed attributes still go through damon_set_attrs (deadline moves, counts rescaled)", () => {
  const { ctx, kd } = hotCtx();
  for (let i = 0; i < 25; i++) kd.step();
  const next = cloneAttrs(ctx.attrs);
  next.aggrUs = 40_000;
  commitContext(ctx, { attrs: next, minRegionSz: ctx.minRegionSz, pause: false });
  assert.equal(ctx.nextAggregationSis, 25 + 40);
  assert.equal(ctx.attrs.aggrUs, 40_000);
  for (const r of ctx.targets[0].regions) assert.equal(r.lastNrAccesses, 40, "20 of 20 → 40 of 40");
});

test("__damon_commit_ctx → damon_set_attrs → damos_set_next_apply_sis: a commit that changes the intervals re-times the schemes (fails before)", () => {
  const { ctx, kd } = hotCtx();
  const s = newScheme({ action: "stat" });
  kd.schemes = new SchemesRunner([s]);
  for (let i = 0; i < 5; i++) kd.step();
  assert.equal(s.nextApplySis, 20);
  const next = cloneAttrs(ctx.attrs);
  next.aggrUs = 100_000;
  commitContext(ctx, { attrs: next, minRegionSz: ctx.minRegionSz, pause: false });
  assert.equal(s.nextApplySis, 5 + 100);
  // An unchanged commit leaves it alone.
  commitSame(ctx);
  assert.equal(s.nextApplySis, 105);
});

test("damos_commit_quota_goal: the psi baseline is reset on every commit (U64_MAX sentinel)", () => {
  const dst: QuotaGoal = {
    metric: "some_mem_psi_us",
    targetValue: 10,
    currentValue: 0,
    nid: 0,
    memcgId: 0,
    complement: false,
    lastPsiTotal: 1234,
  };
  commitQuotaGoal(dst, { ...dst, targetValue: 20, lastPsiTotal: 99 });
  assert.equal(dst.lastPsiTotal, null);
  assert.equal(dst.targetValue, 20);
});

test("damon_commit_schemes → damon_add_scheme: a scheme added online is first due one apply interval later (fails before)", () => {
  const { ctx, kd } = hotCtx();
  const runner = new SchemesRunner([newScheme({ action: "stat" })]);
  kd.schemes = runner;
  for (let i = 0; i < 7; i++) kd.step();
  const added = newScheme({ action: "stat", applyIntervalUs: 50_000 });
  commitSchemes(runner.schemes, [newScheme({ action: "stat" }), added], ctx);
  assert.equal(runner.schemes.length, 2);
  assert.equal(runner.schemes[1].nextApplySis, 7 + 50);
  for (let i = 0; i < 10; i++) kd.step();
  assert.equal(runner.schemes[1].stat.nrTried, 0, "not applied right after the commit");
});
