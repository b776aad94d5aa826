import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import { footprintDists, footprintsReport, readFootprints } from "../../src/report/footprints.js";
import { FormatError } from "../../src/util/errors.js";

const snap = (t: number, size: number, resident: number, total: number, free: number): object => ({
  time: t,
  footprints: [
    { pid: 42, footprint: { size, resident, shared: 0, trs: 0, lrs: 0, drs: 0, dt: 0 } },
    { pid: null, footprint: { total, free, available: free, buffers: 0, cached: 0 } },
  ],
});

void test("footprints: vsz/rss in 4 KiB pages, sys_used in KiB (formats.md §2.5)", () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-fp-"));
  try {
    const p = join(dir, "damon.data.mem_footprint");
    writeFileSync(p, JSON.stringify([snap(1, 300, 100, 1000, 400), snap(2, 100, 50, 1000, 900)]));
    const s = readFootprints(p);
    assert.deepEqual(footprintDists(s, "vsz", true), [100 * 4096, 300 * 4096]);
    assert.deepEqual(footprintDists(s, "rss", false), [100 * 4096, 50 * 4096]);
    assert.deepEqual(footprintDists(s, "sys_used", true), [100 * 1024, 600 * 1024]);
    const text = footprintsReport(s, ["rss"], [0, 50, 100], true, false, true, 10);
    assert.equal(
      text,
      "# <percentile> <rss>\n# avr:\t307200\n  0          204800 |*****     |\n 50          409600 |**********|\n100          409600 |**********|\n",
    );
    writeFileSync(p, '{"not": "a list"}');
    assert.throws(() => readFootprints(p), FormatError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
