/**
 * A finished replay hands its chunk decoders to the next replay in the process
 * (chunk-cache.ts): replays one after another, of several threads and loops, must
 * give the same runs as the first, which made its decoders new.
 */
import assert from "node:assert/strict";
import { join } from "node:path";
import { test } from "node:test";
import { finishedDecoderCount } from "../../../src/workload/replay/chunk-cache.js";
import { setupSimulation } from "../../../src/workload/setup.js";
import { replayWorkload } from "../../../src/workload/trace-replay.js";
import { projectRoot } from "../../../src/workload/trace/valgrind-tool.js";

const fixtures = join(projectRoot(), "test", "fixtures", "traces");

/** One replay, TLB on: what it ran (accesses, each CPU's clock and TLB counters). */
function replay(name: string, loops: number): string {
  const s = setupSimulation(replayWorkload(join(fixtures, `${name}.dtrace`), { loops }), {
    truth: null,
    machine: {},
  });
  s.sim.run();
  const m = s.machine;
  return JSON.stringify([m.totalAccesses(), m.cpus.map((c) => [c.timeNs, c.tlb?.hits, c.tlb?.misses])]);
}

void test("replays after the first reuse its decoders and run the same: xz-threads (3 threads), sort twice over", () => {
  const first = { xz: replay("xz-threads", 1), sort: replay("sort", 2) };
  assert.ok(finishedDecoderCount() > 0, "a finished replay leaves its decoders");
  for (let r = 0; r < 2; r++) {
    assert.equal(replay("sort", 2), first.sort);
    assert.equal(replay("xz-threads", 1), first.xz);
  }
});
