/**
 * `damon-ts study interference --quick` (CI runs it: the reduced matrix, every
 * policy on the workload where NUMA balancing has work, on worker threads).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { cli } from "./helpers.js";
import type { InterferenceRow } from "../../src/eval/interference/run-case.js";

test("study interference --quick --json: one row per policy, each policy's documented failure and no other", () => {
  // Generous timeout: CI machines are shared (about 25 s on an idle 2-core machine).
  const r = cli(["study", "interference", "--quick", "--json", "--jobs", "2"], { timeoutMs: 600_000 });
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as { schema: string; rows: InterferenceRow[] };
  assert.equal(j.schema, "damon-ts/interference/2");
  const by = Object.fromEntries(j.rows.map((x) => [x.policy, x]));
  assert.deepEqual(Object.keys(by), ["generic", "run-time", "build-time", "partial", "ignore"]);
  for (const x of j.rows) {
    assert.equal(x.workload, "numa-misplaced");
    assert.equal(x.uffd?.wssMeanRelError, 0, `${x.policy}: the RWP bit keeps uffd exact`);
    assert.ok(x.hintFaultsPerSec > 0);
  }
  const g = by["generic"];
  assert.deepEqual([g.misrouted, g.lost, g.lostToRwp, g.refusedRegistrations], [0, 0, 0, 0]);
  assert.ok(
    g.numa!.migrations > 1000 && g.localAccessShare > 0.5,
    `NUMA balancing did its work: ${JSON.stringify(g)}`,
  );
  assert.ok(g.damon!.f1! > 0.9 && g.damon!.activeWindows > 0);
  // run-time: DAMON's samples go to NUMA balancing while it is on — DAMON goes blind.
  assert.ok(by["run-time"].lost > 0 && by["run-time"].damon!.f1! < g.damon!.f1! - 0.2);
  // build-time: no NUMA balancing at all; nothing misrouted.
  assert.equal(by["build-time"].numa, null);
  assert.equal(by["build-time"].refusedRegistrations, 1);
  assert.equal(by["build-time"].misrouted, 0);
  assert.ok(by["build-time"].localAccessShare < 0.05, "the misplaced memory stays remote");
  // ignore: every fault to every consumer — NUMA balancing's faults reach DAMON.
  assert.ok(by["ignore"].misrouted > 1000);
});

test("study interference: bad lists are usage errors", () => {
  const r = cli(["study", "interference", "--policies", "generic,sometimes"]);
  assert.equal(r.code, 2);
  assert.match(r.err, /--policies/);
});
