/**
 * The streaming reader gives the same records however the text is cut into
 * chunks, for both layouts (compact pattern reader, per-snapshot JSON.parse, and
 * the byte-level parser all get exercised at chunk boundaries).
 */
import { test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { join } from "node:path";
import { tmpdir } from "node:os";
import fc from "fast-check";
import { RecordJsonParser } from "../../src/record/json-stream.js";
import { writeRecords } from "../../src/record/write.js";
import { makeSnapshot, type DamonRecord } from "../../src/record/model.js";
import { synthSnapshots } from "./helpers.js";

function record(seed: number, withStats: boolean): DamonRecord {
  return {
    kdamondIdx: 0,
    contextIdx: 0,
    intervals: { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000, goal: null },
    schemeIdx: null,
    targetId: "18446623438842320000",
    schemeFilters: [],
    dataSource: null,
    snapshots: synthSnapshots(seed, 5, 7).map((s, i) => {
      const snap = makeSnapshot(
        s.startNs,
        s.endNs,
        s.regions.map((r, k) => ({ ...r, szFilterPassed: k % 3 === 0 ? 0 : (r.end - r.start) / 2 + 1000 })),
      );
      if (withStats && i % 2 === 1)
        snap.damosStats = {
          nrTried: 3,
          szTried: 4096,
          nrApplied: 1,
          szApplied: 4096,
          szOpsFilterPassed: 0,
          qtExceeds: 0,
        };
      return snap;
    }),
  };
}

function parse(text: Buffer, cuts: number[]): DamonRecord[] {
  const p = new RecordJsonParser("mem");
  let at = 0;
  for (const c of cuts) {
    const end = Math.min(text.length, at + c);
    p.feed(text.subarray(at, end));
    at = end;
    if (at >= text.length) break;
  }
  if (at < text.length) p.feed(text.subarray(at));
  return p.end();
}

void test("chunking never changes what is read (property, both layouts)", () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-js-"));
  try {
    for (const indent of [0, 4] as const) {
      for (const withStats of [false, true]) {
        const path = join(dir, `r${indent}${withStats}.json`);
        const recs = [record(indent + 1, withStats), record(indent + 2, withStats)];
        writeRecords(path, recs, "json", indent);
        const text = readFileSync(path);
        const whole = parse(text, [text.length]);
        assert.equal(whole.length, 2);
        assert.equal(whole[0].targetId, "18446623438842320000");
        assert.deepEqual(whole[1].snapshots[1].damosStats?.nrTried, withStats ? 3 : undefined);
        fc.assert(
          fc.property(
            fc.array(fc.integer({ min: 1, max: 400 }), { minLength: 1, maxLength: 200 }),
            (cuts) => {
              assert.deepEqual(parse(text, cuts), whole);
            },
          ),
          { seed: 7, numRuns: 60 },
        );
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
