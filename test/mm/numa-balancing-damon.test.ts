/**
 * NUMA balancing and DAMON's fault sampling on one machine (issue 4): in the
 * generic framework both keep working — NUMA balancing migrates the misplaced
 * pages and DAMON's accuracy stays within a margin of its accuracy alone; in the
 * piggyback design the same run misroutes DAMON's faults to NUMA balancing and
 * DAMON goes blind.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { runExperiment } from "../../src/eval/experiment.js";
import type { ExperimentOptions } from "../../src/eval/experiment.js";
import { hintingOf } from "../../src/mm/hinting/index.js";
import type { Machine } from "../../src/mm/machine.js";
import { numaBalancingOf } from "../../src/mm/numa-balancing/index.js";
import { resolveWorkload } from "../../src/workload/builtins.js";
import type { WorkloadSpec } from "../../src/workload/spec.js";

const MASIM = new URL("../../workloads/masim/", import.meta.url).pathname;
/** Two 1 GiB nodes; CPUs 0-1 on node 0, 2-3 on node 1. */
const TWO_NODES = { costs: { localAccessNs: 100 }, nodes: [{ sizeBytes: 2 ** 30 }, { sizeBytes: 2 ** 30 }] };
/** Allowed loss of DAMON accuracy with NUMA balancing on (generic mode). */
const F1_MARGIN = 0.05;
const WSS_ERROR_MARGIN = 0.05;

/** masim's stairs, its memory first-touched on node 0 (mbind) while its thread runs on node 1. */
function misplacedStairs(): WorkloadSpec {
  const w = resolveWorkload(`${MASIM}stairs_30secs.cfg`, { timeScale: 0.15 });
  return {
    ...w,
    regions: w.regions.map((r) => ({ ...r, node: 0 })),
    threads: w.threads.map((t) => ({ ...t, cpu: 2 })),
  };
}

function run(seed: number, extra: Partial<ExperimentOptions>) {
  return runExperiment({
    workload: misplacedStairs(),
    ops: "vaddr-fault",
    machine: TWO_NODES,
    baseline: false,
    seed,
    ...extra,
  });
}

test("generic mode: NUMA balancing migrates misplaced pages and DAMON's accuracy stays within the margin", () => {
  for (const seed of [1, 2]) {
    const alone = run(seed, {}).summary;
    const both = run(seed, { numaBalancing: {} });
    const nb = both.numaBalancing!;
    assert.ok(nb.migrations > 1000, `seed ${seed}: ${nb.migrations} migrations`);
    assert.ok(nb.byCpuNode[1].remote > 0);
    const fw = hintingOf(both.machine).stats;
    assert.equal(fw.misroutedToDamon + fw.misroutedToNuma, 0);
    assert.ok(both.ctx.reports.stats.counted > 1000, "DAMON still gets its reports");
    const s = both.summary;
    assert.ok(s.f1 >= alone.f1 - F1_MARGIN, `seed ${seed}: F1 ${s.f1} vs ${alone.f1} alone`);
    assert.ok(
      s.wssRelError <= alone.wssRelError + WSS_ERROR_MARGIN,
      `seed ${seed}: WSS error ${s.wssRelError} vs ${alone.wssRelError} alone`,
    );
  }
});

test("piggyback mode: the same run misroutes DAMON's faults to NUMA balancing and DAMON's accuracy collapses", () => {
  const seed = 1;
  const generic = run(seed, { numaBalancing: {} }).summary;
  const pig = run(seed, { numaBalancing: {}, hintingMode: "piggyback" });
  const fw = hintingOf(pig.machine).stats;
  assert.ok(fw.misroutedToNuma > 100, `misrouted to NUMA balancing: ${fw.misroutedToNuma}`);
  assert.ok(pig.numaBalancing!.migrations > 0, "NUMA balancing still runs (and acts on DAMON's faults too)");
  assert.ok(pig.summary.f1 < generic.f1 - 0.5, `piggyback F1 ${pig.summary.f1} vs generic ${generic.f1}`);
  assert.ok(pig.summary.wssRelError > generic.wssRelError + 0.3);
});

test("switching NUMA balancing off mid-run: piggyback hands its armed pages' faults to DAMON, generic never", () => {
  for (const mode of ["generic", "piggyback"] as const) {
    let m: Machine | null = null;
    const r = run(1, {
      hintingMode: mode,
      numaBalancing: {},
      onSetup: (machine) => (m = machine),
      onSnapshot: (snap) => {
        // Just after the second scan armed the whole working set.
        if (snap.endNs >= 2.05e9) numaBalancingOf(m!)!.setEnabled(false);
      },
    });
    const fw = hintingOf(r.machine).stats;
    const nb = numaBalancingOf(r.machine)!;
    assert.equal(nb.enabled, false);
    if (mode === "generic") {
      assert.equal(fw.misroutedToDamon + fw.misroutedToNuma, 0);
      assert.ok(fw.staleRestores > 0, "NUMA's pages were disarmed for it and restored silently");
    } else {
      assert.ok(fw.misroutedToDamon > 100, `misrouted to DAMON: ${fw.misroutedToDamon}`);
      assert.ok(fw.misroutedToNuma > 100, `misrouted to NUMA balancing: ${fw.misroutedToNuma}`);
    }
  }
});
