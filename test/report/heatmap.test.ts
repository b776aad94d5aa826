import { test } from "node:test";
import assert from "node:assert/strict";
import { inflateSync } from "node:zlib";
import { makeSnapshot } from "../../src/record/model.js";
import { twoSnapshotRecord } from "../helpers/records.js";
import {
  asciiHeatmap,
  heatmapGrid,
  planHeatmap,
  rangeNote,
  rawHeatmapLines,
  selectRecords,
} from "../../src/report/heatmap.js";
import { encodePng, heatmapPng, heatmapSvg } from "../../src/report/heatmap-image.js";
import { guides, guideText } from "../../src/report/guide.js";

const ESC = String.fromCharCode(27);
const strip = (s: string): string =>
  s
    .split(ESC)
    .map((p, i) => (i === 0 ? p : p.replace(/^\[[0-9;]*m/, "")))
    .join("");

void test("terminal heatmap of the formats.md example (damo's output)", () => {
  const recs = [twoSnapshotRecord()];
  const plan = planHeatmap(recs, {}, null, null, "hottest");
  const grid = heatmapGrid(selectRecords(recs, plan.selection), plan.timeRange, plan.addrRanges[0], [4, 8]);
  const lines = strip(asciiHeatmap(grid, "gray", true, plan.guide.startNs)).split("\n");
  assert.deepEqual(lines.slice(0, 4), ["88000000", "88000000", "44222222", "44222222"]);
  assert.deepEqual(lines.slice(4), [
    "# access_frequency: 0123456789 (0.000-200.000 hz)",
    "# x-axis: space [4.000000 KiB, 4.003906 MiB) (4.000 MiB)",
    "# y-axis: time [0 ns, 200 ms) (200 ms)",
    "# resolution: 8x4 (512.000 KiB and 50 ms for each character)",
  ]);
  assert.equal(rangeNote(plan, 0), null); // a single range needs no note
});

void test("raw heatmap of the formats.md example (damo's output)", () => {
  const recs = [twoSnapshotRecord()];
  const plan = planHeatmap(recs, {}, null, null, "hottest");
  const grid = heatmapGrid(recs, plan.timeRange, plan.addrRanges[0], [2, 4]);
  const lines = [...rawHeatmapLines(grid, false, false)].join("").trimEnd().split("\n");
  assert.deepEqual(lines.slice(0, 5), [
    "0\t0\t200.0",
    "0\t1048576\t0.0",
    "0\t2097152\t0.0",
    "0\t3145728\t0.0",
    "100000000\t0\t100.0",
  ]);
  assert.equal(lines[5], "100000000\t1048576\t50.0");
  assert.equal(lines.length, 8);
});

void test("far-apart address ranges: the hottest is drawn and the output says how to draw the others", () => {
  const rec = twoSnapshotRecord();
  const far = 0x7f00_0000_0000;
  rec.snapshots = rec.snapshots.map((s, i) =>
    makeSnapshot(s.startNs, s.endNs, [
      { start: 4096, end: 1052672, nrAccesses: 1, age: 0 },
      { start: far, end: far + 65536, nrAccesses: 20 - i, age: 0 },
    ]),
  );
  const plan = planHeatmap([rec], {}, null, null, "hottest");
  assert.deepEqual(plan.addrRanges, [[far, far + 65536]]);
  const note = rangeNote(plan, 0)!;
  assert.match(note, /drew address range 1 of 2/);
  assert.match(note, new RegExp(`--address_range 4096 1052672`));
  assert.match(note, /--draw_range all/);
  const all = planHeatmap([rec], {}, null, null, "all");
  assert.equal(all.addrRanges.length, 2);
  // untouched pixels are empty (NaN), printed as NaN in raw output
  const grid = heatmapGrid([rec], all.timeRange, [0, far + 65536], [2, 4]);
  assert.ok([...rawHeatmapLines(grid, false, false)].join("").includes("\tNaN\n"));
});

function pngInfo(png: Buffer): { w: number; h: number; pixels: Buffer } {
  assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  const w = png.readUInt32BE(16);
  const h = png.readUInt32BE(20);
  const idatLen = png.readUInt32BE(33);
  assert.equal(png.toString("latin1", 37, 41), "IDAT");
  const pixels = inflateSync(png.subarray(41, 41 + idatLen));
  return { w, h, pixels };
}

void test("PNG encoder writes a decodable RGB image", () => {
  const rgb = new Uint8Array(3 * 2 * 3).map((_, i) => i * 10);
  const { w, h, pixels } = pngInfo(encodePng(3, 2, rgb));
  assert.equal(w, 3);
  assert.equal(h, 2);
  assert.equal(pixels.length, 2 * (1 + 9));
  assert.deepEqual([...pixels.subarray(1, 10)], [...rgb.subarray(0, 9)]);
});

void test("heatmap images: hot pixels are brighter than cold ones; SVG has axes and runs", () => {
  const recs = [twoSnapshotRecord()];
  const plan = planHeatmap(recs, {}, null, null, "hottest");
  const grid = heatmapGrid(recs, plan.timeRange, plan.addrRanges[0], [4, 8]);
  const { w, h, pixels } = pngInfo(heatmapPng(grid, 80));
  assert.ok(w > 80 && h > 80);
  const at = (x: number, y: number): number => {
    const o = y * (w * 3 + 1) + 1 + x * 3;
    return pixels[o] + pixels[o + 1] + pixels[o + 2];
  };
  // the map starts after the address labels (14 glyphs at scale 2) and a 12 px top margin;
  // time 0 (left) at the lowest addresses (bottom) was hottest, the top-left never accessed
  const left = 14 * 6 * 2;
  assert.ok(at(left + 2, 12 + 80 - 2) > at(left + 2, 12 + 2));
  // axis labels are drawn (black pixels left of the map)
  let ink = 0;
  for (let y = 0; y < h; y++) for (let x = 0; x < left - 8; x++) if (at(x, y) === 0) ink++;
  assert.ok(ink > 50);
  const svg = heatmapSvg(grid, "test", plan.guide.startNs, 80);
  assert.match(svg, /^<svg /);
  assert.match(svg, /<\/svg>\n$/);
  assert.ok((svg.match(/<rect /g) ?? []).length < 4 * 8 + 40);
  assert.match(svg, />200 ms</);
});

void test("record_info of the formats.md example (damo's output)", () => {
  const [g] = guides([twoSnapshotRecord()]);
  assert.equal(
    guideText(g, false, true),
    [
      "kdamond_idx: 0",
      "context_idx: 0",
      "target_id: 0",
      "time: [0 ns, 200 ms) (200 ms)",
      "region\t 0: [4.000000 KiB, 4.003906 MiB) (4.000 MiB)",
    ].join("\n"),
  );
});
