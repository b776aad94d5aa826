import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../../src/core/context.js";
import type { Context } from "../../src/core/context.js";
import { SchemesRunner } from "../../src/schemes/runner.js";
import type { ActionExecutor } from "../../src/schemes/runner.js";
import { newScheme } from "../../src/schemes/scheme.js";
import type { DamosFilter, Scheme } from "../../src/schemes/types.js";
import { rangesOf, targetOf } from "../helpers/regions.js";

const m = 4096;
const stub: ActionExecutor = { applyScheme: () => ({ applied: 0, filterPassed: 0, costNs: 0 }) };

function ctxWith(ranges: [number, number][]): Context {
  const ctx = createContext({ minRegionSz: m });
  ctx.targets.push(targetOf(ranges));
  return ctx;
}

function statScheme(filters: DamosFilter[] = []): Scheme {
  return newScheme({ action: "stat", filters });
}

function applyOnce(ctx: Context, s: Scheme, executor: ActionExecutor | undefined = stub, idx = 0): void {
  const runner = new SchemesRunner([s], { executor });
  runner.applySchemeAt(ctx, ctx.targets[0], 0, idx, s, 0);
}

const addr = (start: number, end: number, allow: boolean): DamosFilter => ({
  type: "addr",
  addrStart: start,
  addrEnd: end,
  matching: true,
  allow,
});

test("C31 damos_test_apply_scheme_filtered_sz", () => {
  const ctx = ctxWith([[0, 4 * m]]);
  const s = statScheme([addr(2 * m, 8 * m, false)]);
  applyOnce(ctx, s);
  assert.deepEqual(rangesOf(ctx.targets[0]), [
    [0, 2 * m],
    [2 * m, 4 * m],
  ]);
  assert.equal(s.stat.szTried, 2 * m);
  const ctx2 = ctxWith([[2 * m, 10 * m]]);
  const s2 = statScheme([addr(2 * m, 8 * m, true)]);
  applyOnce(ctx2, s2);
  assert.deepEqual(rangesOf(ctx2.targets[0]), [
    [2 * m, 8 * m],
    [8 * m, 10 * m],
  ]);
  assert.equal(s2.stat.szTried, 6 * m);
});

test("C32 damos_test_apply_scheme_filter_sz_unchanged", () => {
  const inside = ctxWith([[4 * m, 6 * m]]);
  const rej = statScheme([addr(2 * m, 8 * m, false)]);
  applyOnce(inside, rej);
  assert.deepEqual([rej.stat.nrTried, rej.stat.szTried, inside.targets[0].nrRegions], [0, 0, 1]);
  const allow = statScheme([addr(2 * m, 8 * m, true)]);
  applyOnce(inside, allow);
  assert.deepEqual([allow.stat.szTried, inside.targets[0].nrRegions], [2 * m, 1]);
  const two = ctxWith([[0, 8 * m]]);
  const s = statScheme([addr(4 * m, 12 * m, false), addr(2 * m, 3 * m, false)]);
  applyOnce(two, s);
  assert.equal(two.targets[0].nrRegions, 3);
  assert.deepEqual(rangesOf(two.targets[0])[0], [0, 2 * m]);
  assert.equal(s.stat.szTried, 2 * m);
  const tf = statScheme([{ type: "target", targetIdx: 5, matching: true, allow: false }]);
  applyOnce(two, tf);
  assert.deepEqual([tf.stat.szTried, two.targets[0].nrRegions], [2 * m, 3]);
});

test("C33 damos_test_apply_scheme_quota_sz", () => {
  const noOps = ctxWith([[0, 4 * m]]);
  const a = statScheme();
  applyOnce(noOps, a, undefined);
  assert.deepEqual([a.stat.szTried, noOps.targets[0].nrRegions], [4 * m, 1]);
  const b = statScheme();
  applyOnce(ctxWith([[0, 4 * m]]), b);
  assert.equal(b.stat.szTried, 4 * m);
  const big = ctxWith([[0, 8 * m]]);
  const c = statScheme();
  c.quota.esz = 2 * m;
  applyOnce(big, c);
  assert.deepEqual(rangesOf(big.targets[0])[0], [0, 2 * m]);
  assert.equal(c.stat.szTried, 2 * m);
  const small = ctxWith([[0, 4 * m]]);
  const d = statScheme();
  d.quota.esz = 1;
  applyOnce(small, d);
  assert.deepEqual([d.stat.nrTried, d.stat.szTried, small.targets[0].nrRegions], [1, 0, 1]);
});

test("non-stat actions reset the age of tried regions; stat keeps it", () => {
  for (const [action, age] of [
    ["pageout", 0],
    ["stat", 7],
  ] as const) {
    const ctx = ctxWith([[0, 4 * m]]);
    ctx.targets[0].regions[0].age = 7;
    applyOnce(ctx, newScheme({ action }));
    assert.equal(ctx.targets[0].regions[0].age, age);
  }
});
