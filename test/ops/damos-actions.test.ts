import { test } from "node:test";
import assert from "node:assert/strict";
import { createContext } from "../../src/core/context.js";
import { Region, Target } from "../../src/core/region.js";
import { Machine, type AccessStream } from "../../src/mm/machine.js";
import { FRAME_ACTIVE } from "../../src/mm/frames.js";
import { PAGE_SIZE, PTE_SWAPPED } from "../../src/mm/vma.js";
import { DamosActionExecutor, actionSupported, ACTION_SUPPORT } from "../../src/ops/damos-actions.js";
import { MachineMetrics } from "../../src/ops/damos-metrics.js";
import { newScheme } from "../../src/schemes/scheme.js";
import { DAMOS_ACTIONS, type DamosAction, type QuotaGoal } from "../../src/schemes/types.js";

const idle: AccessStream = { fill: () => 0, finished: true, resumeNs: 0 };
const N = 64;

function world(nodes = 1) {
  const m = new Machine({
    nodes: Array.from({ length: nodes }, () => ({ sizeBytes: 2 ** 26 })),
    tlb: false,
    cpus: 1,
  });
  const as = m.createProcess();
  const th = m.spawnThread(as, 0, idle);
  const base = as.mmap(N * PAGE_SIZE);
  const pages = Array.from({ length: N }, (_, i) => base + i * PAGE_SIZE);
  m.runAccesses(th, pages);
  const ctx = createContext({ minRegionSz: PAGE_SIZE });
  return { m, as, th, base, pages, ctx };
}

function vaddrApply(
  w: ReturnType<typeof world>,
  action: DamosAction,
  extra: Parameters<typeof newScheme>[0] | object = {},
) {
  const t = new Target(w.as.pid);
  const r = new Region(w.base, w.base + N * PAGE_SIZE);
  const s = newScheme({ action, ...extra });
  const ex = new DamosActionExecutor(w.m, "vaddr");
  return { res: ex.applyScheme(w.ctx, t, r, s), ex };
}

/** The paddr region covering the frames of the process's pages. */
function paddrRegion(w: ReturnType<typeof world>): Region {
  const pfns = w.pages.map((a) => w.m.frameOf(w.as.pid, a)).filter((p) => p >= 0);
  return new Region(Math.min(...pfns) * PAGE_SIZE, (Math.max(...pfns) + 1) * PAGE_SIZE);
}

test("§6.3 matrix: unsupported (ops, action) pairs apply 0 bytes", () => {
  for (const action of DAMOS_ACTIONS) {
    for (const space of ["vaddr", "paddr"] as const) {
      if (actionSupported(action, space)) continue;
      const w = world();
      const ex = new DamosActionExecutor(w.m, space);
      const t = space === "vaddr" ? new Target(w.as.pid) : new Target();
      const r = space === "vaddr" ? new Region(w.base, w.base + N * PAGE_SIZE) : paddrRegion(w);
      const res = ex.applyScheme(w.ctx, t, r, newScheme({ action, targetNid: 0 }));
      assert.deepEqual(res, { applied: 0, filterPassed: 0, costNs: 0 }, `${action} on ${space}`);
    }
  }
  assert.deepEqual(ACTION_SUPPORT.lru_prio, ["paddr"]);
  assert.deepEqual(ACTION_SUPPORT.willneed, ["vaddr"]);
});

test("vaddr pageout evicts the region (applied = region size); willneed brings it back", () => {
  const w = world();
  const { res } = vaddrApply(w, "pageout");
  assert.equal(res.applied, N * PAGE_SIZE);
  assert.ok(res.costNs >= N * w.m.costs.swapOutNs);
  assert.equal(w.as.vmaAt(w.base)!.residentPages, 0);
  assert.ok(w.m.pteFlags(w.as.pid, w.base) & PTE_SWAPPED);
  const back = vaddrApply(w, "willneed");
  assert.equal(back.res.applied, N * PAGE_SIZE);
  assert.equal(back.ex.counters.swappedIn, N);
  assert.equal(w.as.vmaAt(w.base)!.residentPages, N);
  // No major fault afterwards: the prefetch did the work.
  w.m.runAccesses(w.th, w.pages);
  assert.equal(w.th.majorFaults, 0);
});

test("vaddr cold deactivates; paddr lru_prio / lru_deprio move between the lists", () => {
  const w = world();
  const r = paddrRegion(w);
  const ex = new DamosActionExecutor(w.m, "paddr");
  const prio = ex.applyScheme(w.ctx, new Target(), r, newScheme({ action: "lru_prio" }));
  assert.equal(prio.applied, N * PAGE_SIZE);
  assert.equal(w.m.lru.total(true), N);
  vaddrApply(w, "cold");
  assert.equal(w.m.lru.total(true), 0);
  ex.applyScheme(w.ctx, new Target(), r, newScheme({ action: "lru_prio" }));
  const de = ex.applyScheme(w.ctx, new Target(), r, newScheme({ action: "lru_deprio" }));
  assert.equal(de.applied, N * PAGE_SIZE);
  assert.equal(w.m.lru.total(false), N);
  for (const a of w.pages) assert.equal(w.m.frames.flags[w.m.frameOf(w.as.pid, a)] & FRAME_ACTIVE, 0);
});

test("paddr pageout's implicit young filter spares recently used pages, until they go idle", () => {
  const w = world();
  const r = paddrRegion(w);
  const ex = new DamosActionExecutor(w.m, "paddr");
  const s = newScheme({ action: "pageout" });
  // Just faulted in: young (not idle) → rejected, and the check mkolds them.
  const first = ex.applyScheme(w.ctx, new Target(), r, s);
  assert.equal(first.applied, 0);
  assert.equal(first.filterPassed, 0);
  // Touch half of them again: only the other half is reclaimed.
  w.m.runAccesses(w.th, w.pages.slice(0, N / 2));
  const second = ex.applyScheme(w.ctx, new Target(), r, s);
  assert.equal(second.applied, (N / 2) * PAGE_SIZE);
  assert.equal(w.as.vmaAt(w.base)!.residentPages, N / 2);
  // A user young filter replaces the implicit one: allow young pages explicitly → all go.
  const w2 = world();
  const s2 = newScheme({ action: "pageout", filters: [{ type: "young", matching: true, allow: true }] });
  const all = new DamosActionExecutor(w2.m, "paddr").applyScheme(w2.ctx, new Target(), paddrRegion(w2), s2);
  assert.equal(all.applied, N * PAGE_SIZE);
});

test("migrate_hot/cold move pages to target_nid, or split by weight over dests", () => {
  const w = world(3);
  const { res } = vaddrApply(w, "migrate_hot", { targetNid: 1 });
  assert.equal(res.applied, N * PAGE_SIZE);
  for (const a of w.pages) assert.equal(w.m.frames.node[w.m.frameOf(w.as.pid, a)], 1);
  // paddr, weighted destinations 3:1 over nodes 0 and 2.
  const ex = new DamosActionExecutor(w.m, "paddr");
  const s = newScheme({
    action: "migrate_cold",
    dests: [
      { nid: 0, weight: 3 },
      { nid: 2, weight: 1 },
    ],
  });
  const r2 = ex.applyScheme(w.ctx, new Target(), paddrRegion(w), s);
  assert.equal(r2.applied, N * PAGE_SIZE);
  const on = [0, 0, 0];
  for (const a of w.pages) on[w.m.frames.node[w.m.frameOf(w.as.pid, a)]]++;
  assert.deepEqual(on, [(N * 3) / 4, 0, N / 4]);
  // Already there: nothing to do.
  const again = vaddrApply(w, "migrate_hot", { targetNid: 0, filters: [] });
  assert.equal(again.res.applied, (N / 4) * PAGE_SIZE);
});

test("ops filters: stat counts bytes passing (anon / memcg); migrate honours them", () => {
  const w = world(2);
  const id = w.m.setMemcg(w.as.pid, "/app");
  const stat = vaddrApply(w, "stat", { filters: [{ type: "anon", matching: true, allow: true }] });
  assert.equal(stat.res.filterPassed, N * PAGE_SIZE);
  assert.equal(stat.res.applied, 0);
  const rej = vaddrApply(w, "migrate_hot", {
    targetNid: 1,
    filters: [{ type: "memcg", memcgId: id, matching: true, allow: false }],
  });
  assert.equal(rej.res.applied, 0);
  const ok = vaddrApply(w, "migrate_hot", {
    targetNid: 1,
    filters: [{ type: "memcg", memcgId: id + 1, matching: true, allow: false }],
  });
  assert.equal(ok.res.applied, N * PAGE_SIZE);
});

test("hugepage / nohugepage set the advice the fault path uses", () => {
  const w = world();
  const big = w.as.mmap(4 * 2 ** 20);
  const t = new Target(w.as.pid);
  const ex = new DamosActionExecutor(w.m, "vaddr");
  const res = ex.applyScheme(w.ctx, t, new Region(big, big + 4 * 2 ** 20), newScheme({ action: "hugepage" }));
  assert.equal(res.applied, 4 * 2 ** 20);
  const aligned = Math.ceil(big / 2 ** 21) * 2 ** 21;
  w.m.runAccesses(w.th, [aligned]);
  assert.equal(w.as.vmaAt(aligned)!.residentPages, 512);
});

function goal(metric: QuotaGoal["metric"], nid = 0, memcgId = 0): QuotaGoal {
  return { metric, targetValue: 1, currentValue: 0, nid, memcgId, complement: false, lastPsiTotal: null };
}

test("goal metrics and free_mem_rate read the memory system", () => {
  const w = world(2);
  const mm = new MachineMetrics(w.m, "vaddr");
  const s = newScheme({ action: "stat" });
  const total = w.m.nodeTotalFrames(0);
  assert.equal(mm.goalMetric(goal("node_mem_used_bp"), w.ctx, s), Math.floor((N * 10000) / total));
  assert.equal(mm.goalMetric(goal("node_mem_free_bp", 1), w.ctx, s), 10000);
  // damos_get_node_mem_bp: an invalid node is all free, nothing used (was 0 before the fix).
  assert.equal(mm.goalMetric(goal("node_mem_free_bp", 7), w.ctx, s), 10000, "no such node");
  assert.equal(mm.goalMetric(goal("node_mem_used_bp", 7), w.ctx, s), 0, "no such node");
  assert.equal(mm.goalMetric(goal("inactive_mem_bp"), w.ctx, s), 10000);
  assert.equal(mm.goalMetric(goal("active_mem_bp"), w.ctx, s), 0);
  assert.equal(mm.goalMetric(goal("node_memcg_used_bp", 0, 1), w.ctx, s), Math.floor((N * 10000) / total));
  assert.equal(mm.goalMetric(goal("node_memcg_free_bp", 0, 9), w.ctx, s), 10000, "missing memcg");
  assert.equal(mm.goalMetric(goal("node_eligible_mem_bp"), w.ctx, s), 0, "vaddr: 0");
  assert.equal(mm.freeMemRatePermil(), Math.floor(((2 * total - N) * 1000) / (2 * total)));
  // PSI: the first evaluation records the baseline and reads as the target (no
  // effect this round, damos_set_quota_goal_current_value); later ones give the increase.
  const g = goal("some_mem_psi_us");
  assert.equal(mm.goalMetric(g, w.ctx, s), g.targetValue);
  vaddrApply(w, "pageout");
  w.m.runAccesses(w.th, w.pages);
  const stall = (N * (w.m.costs.swapInNs + w.m.costs.majorFaultNs)) / 1000;
  assert.equal(mm.goalMetric(g, w.ctx, s), stall);
  assert.equal(mm.goalMetric(g, w.ctx, s), 0);
});
