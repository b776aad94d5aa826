/**
 * Whether the reading worker also parses (src/record/read.ts `coreToSpare`): only
 * with a core to spare, judged by the 1-minute load average or, since that lags a
 * busy minute, by the threads runnable right now.
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { coreToSpare } from "../../src/record/read.js";

void test("a core is spared on a quiet machine, also right after a busy minute, and not under load", () => {
  const cases: [cores: number, load1: number, runnable: number, spare: boolean][] = [
    [2, 0.2, 1, true], // quiet
    [2, 0.2, 9, true], // a burst now, after a quiet minute
    [2, 1.8, 1, true], // quiet now, after a busy minute (the load average lags)
    [2, 1.8, 2, true], // one other thread running: one core is still free
    [2, 1.8, 3, false], // both cores busy now and over the last minute
    [2, 14, 15, false],
    [1, 0, 1, false], // one core: nothing to spare
    [8, 7.4, 12, true],
    [8, 7.6, 9, false],
    [2, 1.8, Infinity, false], // runnable count unknown (not Linux): the load average decides
    [2, 1.2, Infinity, true],
  ];
  for (const [cores, load1, runnable, spare] of cases)
    assert.equal(
      coreToSpare(cores, load1, runnable),
      spare,
      `${cores} cores, load ${load1}, ${runnable} runnable`,
    );
});
