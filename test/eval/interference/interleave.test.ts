/**
 * Issue 14's acceptance: seeded interleavings of NUMA balancing, DAMON and
 * userfaultfd RWP registering, arming and leaving at random, under every
 * isolation policy. `generic` must never fail; each other policy must show
 * exactly the failures docs/interference.md documents for it, and no other.
 * The framework's counters must agree with the independent shadow model.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { DOCUMENTED_FAILURES, ISOLATION_MODES, NUMA_OWNER } from "../../../src/mm/hinting/isolation.js";
import { interleaveSchedule, runInterleavings } from "../../../src/eval/interference/interleave.js";

const SEEDS = 150;

test("generic: no consumer gets a fault it did not arm, restores are exact, no bit survives its owner (150 seeds)", () => {
  for (let seed = 1; seed <= SEEDS; seed++) {
    const o = interleaveSchedule("generic", seed);
    assert.deepEqual(o.failures, {}, `seed ${seed}: ${o.examples.join("; ")}`);
    assert.deepEqual(o.counterMismatches, [], `seed ${seed}`);
  }
  const t = runInterleavings("generic", 40);
  for (const n of ["numa-balancing", "damon", "uffd-rwp"])
    assert.ok((t.delivered[n] ?? 0) > 200, `${n} got faults: ${JSON.stringify(t.delivered)}`);
  assert.ok(t.doubleArms > 0, "overlapping arms happen and are counted");
});

for (const mode of ISOLATION_MODES.filter((m) => m !== "generic")) {
  test(`${mode}: shows exactly its documented failures (${DOCUMENTED_FAILURES[mode].join(", ")}) and no other`, () => {
    const t = runInterleavings(mode, SEEDS);
    assert.deepEqual(t.counterMismatches, [], "framework counters agree with the shadow");
    assert.deepEqual(
      Object.keys(t.failures).sort(),
      [...DOCUMENTED_FAILURES[mode]].sort(),
      `${mode}: ${JSON.stringify(t.failures)} e.g. ${t.examples.join("; ")}`,
    );
    if (mode === "partial") {
      // DAMON consumes NUMA balancing's faults by design; only NUMA balancing is misrouted
      // (DAMON's leftover pages after it is switched on), and DAMON defers its own arming.
      assert.deepEqual(Object.keys(t.misroutedTo), [NUMA_OWNER]);
      assert.ok(t.shared > 0 && t.deferredArms > 0, JSON.stringify(t));
    }
    if (mode === "run-time") {
      assert.ok((t.misroutedTo["damon"] ?? 0) > 0 && (t.misroutedTo[NUMA_OWNER] ?? 0) > 0, "both ways");
    }
  });
}
