import { test } from "node:test";
import assert from "node:assert/strict";
import fc from "fast-check";
import { BOX_DEFAULTS, boxRanges, boxText } from "../../src/report/region-box.js";

const ESC = String.fromCharCode(27);
const plain = (s: string): string =>
  s
    .split(ESC)
    .map((p, i) => (i === 0 ? p : p.replace(/^\[[0-9;]*m/, "")))
    .join("");

void test("region boxes stay within their length/height bounds; the largest value gets the longest box", () => {
  fc.assert(
    fc.property(
      fc.array(
        fc.record({
          size: fc.integer({ min: 1, max: 2 ** 40 }),
          percent: fc.integer({ min: 0, max: 100 }),
          ageUs: fc.integer({ min: 0, max: 1e10 }),
        }),
        // size "max": fast-check's default size caps arrays at about 10 whatever maxLength says.
        { minLength: 1, maxLength: 30, size: "max" },
      ),
      (regions) => {
        const ranges = boxRanges(regions);
        const o = { ...BOX_DEFAULTS, minMaxHeight: [1, 1] as [number, number], align: "right" as const };
        const rows = regions.map((r) => plain(boxText(r, o, ranges)));
        for (const row of rows) {
          assert.equal(row.length, o.minMaxLength[1] + 2);
          const len = row.trim().length - 2;
          assert.ok(len >= o.minMaxLength[0] && len <= o.minMaxLength[1]);
        }
        const oldest = regions.reduce((a, b) => (b.ageUs > a.ageUs ? b : a));
        if (ranges.age[1] > Math.max(1, ranges.age[0])) {
          // int() of the rescaled value, as damo: the top can land just below the maximum
          const top = plain(boxText(oldest, o, ranges)).trim().length - 2;
          assert.ok(top >= o.minMaxLength[1] - 1, `oldest region's box is ${top} long`);
        }
      },
    ),
    { seed: 3, numRuns: 200 },
  );
});
