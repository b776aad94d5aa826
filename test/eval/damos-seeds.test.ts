import { test } from "node:test";
import assert from "node:assert/strict";
import type { DamosOutcomeJson } from "../../src/eval/damos.js";
import { runPreset, summarizeSeeds, TIERING_MAX_GAP, type SeedOutcome } from "../../src/eval/damos-seeds.js";
import { builtinWorkload } from "../../src/workload/builtins.js";

const MiB = 2 ** 20;

function fakeTiering(seed: number, gap: number): SeedOutcome {
  const tiering = {
    fastShare: 0.9,
    steadyFastShare: 0.95 * (1 - gap),
    fastShareBySecond: [],
    oracleShare: 0.95,
    gapToOracle: gap,
    slowdownVsAllFast: null,
    migratedPages: 0,
    migratedBytes: 0,
    migratedBytesPerSec: 0,
    monitorCpuShare: 0.02,
  };
  const cpu = {
    share: 0.02,
    monitorShare: 0.015,
    actionShare: 0.005,
    checks: 0,
    mkolds: 0,
    rmapWalks: 0,
    tlbFlushes: 0,
    kdamonds: [],
  };
  return {
    seed,
    damos: {
      preset: "tiering",
      schemes: [],
      memory: {} as DamosOutcomeJson["memory"],
      cpu,
      tiering,
      reclaim: null,
    },
  };
}

test("seed summary: median and worst per measure; the goal must hold for the worst seed", () => {
  const s = summarizeSeeds([fakeTiering(1, 0.03), fakeTiering(2, 0.056), fakeTiering(3, 0.01)]);
  const gap = s.measures.find((m) => m.name === "gap to oracle")!;
  assert.deepEqual(gap.values, [0.03, 0.056, 0.01]);
  assert.equal(gap.median, 0.03);
  assert.equal(gap.worst, 0.056);
  assert.equal(s.hasGoal, true);
  assert.deepEqual(s.failing, [2], "a mean or median under 5 % does not hide a failing seed");
  assert.deepEqual(summarizeSeeds([fakeTiering(1, 0.03), fakeTiering(2, 0.049)]).failing, []);
});

function tieringAt64(seed: number): SeedOutcome {
  const w = builtinWorkload("zipf-kv", { sizeScale: 1 / 64, timeScale: 0.25 });
  return runPreset(w, "tiering", { memoryBytes: 64 * MiB, seed, localAccessNs: 50, baseline: false });
}

// Issue 18: the tiering preset's gap to the oracle held at seed 1 but not at seed 3
// (5.58 %): its migrate_cold demoted from regions that were not idle, so the two
// schemes kept exchanging warm pages and placement drifted away from the oracle.
// Fails before the fix (migrate_cold on idle regions only, nr=0..0, as the kernel's
// self-tuned tiering module does; at most 100 regions per kdamond). Measured at this
// scale before it: seed 1 gap 6.3 % with 106 regions per sample (the old preset),
// seed 3 gap 5.6 % (the old migrate_cold with the region cap); both fell over the run.
test("tiering preset at reduced scale: within 5 % of the oracle at pinned seeds, at a few % CPU", () => {
  const results = [1, 3].map(tieringAt64);
  const s = summarizeSeeds(results);
  const gap = s.measures.find((m) => m.name === "gap to oracle")!;
  assert.deepEqual(s.failing, [], `gaps ${gap.values.join(", ")} (goal ≤ ${TIERING_MAX_GAP})`);
  for (const r of results) {
    const d = r.damos!;
    assert.ok(d.cpu.share < 0.05, `seed ${r.seed}: kdamond CPU ${d.cpu.share}`);
    assert.ok(d.cpu.kdamonds.every((k) => k.regionsPerSample <= 100));
  }
});

// Issue 18 remainder: seed 2 failed at this size (gap 22.6 %) because of first touch,
// not the policy. The workload picks a pattern per 131,072 accesses (masim's pick
// length), which --scale did not shrink; at 1/64 size seed 2 drew six value picks
// before its first index pick, touching 14.2 MiB of values, so the 8.5 MiB fast node
// filled with values and the whole index — a fifth of all accesses, the hottest data
// per byte — landed on the slow node, where the preset (rightly: node 0 stays over its
// 99 % used goal) left it. Fails before scaleWorkload scaled the pick length with the
// size (src/workload/spec.ts); passes after, as seeds 1 and 3 do.
test("tiering preset at reduced scale, seed 2: within 5 % of the oracle (pick length scaled)", () => {
  const s = summarizeSeeds([tieringAt64(2)]);
  const gap = s.measures.find((m) => m.name === "gap to oracle")!;
  assert.deepEqual(s.failing, [], `gap ${gap.values.join(", ")} (goal ≤ ${TIERING_MAX_GAP})`);
});
