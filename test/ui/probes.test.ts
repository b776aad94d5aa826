/**
 * The probe-hits view of `damon-ts ui` in chromium, on a generated record with two
 * data-attribute probes whose hits are known per address: it appears only for
 * records with probe hits, its numbers are the record's (and `report wss --probe`'s),
 * the heatmap drawn for a probe's hits puts the bright columns where that probe
 * hit, and hover shows each probe's hits.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { makeSnapshot, type RegionInput, type Snapshot } from "../../src/record/model.js";
import { writeRecords } from "../../src/record/write.js";
import { fmtBytes } from "../../src/cli/table.js";
import { recordOf } from "../helpers/records.js";
import { tempDir } from "../helpers/temp.js";
import { cli } from "../cli/helpers.js";
import {
  browserSkip,
  js,
  launchBrowser,
  openPage,
  startUi,
  STAIRS,
  texts,
  writeStairs,
  type UiProcess,
} from "./helpers.js";

const open = (browser: Browser, url: string): Promise<Page> => openPage(browser, url, 1400);

const skip = browserSkip();
const W = 720;
const H = 320;
const PER_AGGR = 20; // recordOf: 5 ms sampling, 100 ms aggregation
const TOTAL = STAIRS.smallSize + STAIRS.steps * STAIRS.step;
const NSNAP = 12;

/**
 * The stairs layout with two probes: probe 0 ("anon") hits every sample in steps
 * 0-4 and never elsewhere; probe 1 hits half the samples in even steps and every
 * sample in the small range. Odd snapshots lack probe 1 in step 8 (a region whose
 * list is shorter: it counts 0).
 */
function probeSnapshots(): Snapshot[] {
  const s = STAIRS;
  return Array.from({ length: NSNAP }, (_, i) => {
    const regions: RegionInput[] = [
      { start: s.smallStart, end: s.smallStart + s.smallSize, nrAccesses: 5, age: i, probeHits: [0, 20] },
    ];
    for (let k = 0; k < s.steps; k++)
      regions.push({
        start: s.base + k * s.step,
        end: s.base + (k + 1) * s.step,
        nrAccesses: k === i % s.steps ? 20 : 0,
        age: i,
        probeHits: k === 8 && i % 2 === 1 ? [0] : [k < 5 ? 20 : 0, k % 2 === 0 ? 10 : 0],
      });
    return makeSnapshot(i * s.aggrNs, (i + 1) * s.aggrNs, regions);
  });
}

/** Column of a big-range address (the gap before it is not drawn). */
const colOf = (addr: number): number => ((STAIRS.smallSize + addr - STAIRS.base) / TOTAL) * W;
const stepStart = (k: number): number => STAIRS.base + k * STAIRS.step;

/** Mean luminance of the pixel column band [x0, x1) of heatmap `n`, over all rows. */
async function bandLuminance(page: Page, n: number, x0: number, x1: number): Promise<number> {
  return js<number>(
    page,
    `(() => {
      const c = document.querySelectorAll("canvas.heat")[${n}];
      const d = c.getContext("2d").getImageData(${x0}, 0, ${x1 - x0}, c.height).data;
      let sum = 0;
      for (let i = 0; i < d.length; i += 4) sum += 0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2];
      return sum / (d.length / 4);
    })()`,
  );
}

describe("the probe-hits view in chromium", { skip }, () => {
  let browser: Browser;
  let ui: UiProcess;
  let dir: string;
  const snaps = probeSnapshots();
  before(async () => {
    dir = tempDir("damon-ts-ui-probes-");
    writeRecords(join(dir, "p.data"), [recordOf(snaps)]);
    writeStairs(join(dir, "a.data"));
    [browser, ui] = await Promise.all([
      launchBrowser(),
      startUi(["ui", join(dir, "p.data"), join(dir, "a.data")]),
    ]);
  });
  after(async () => {
    await ui?.stop();
    await browser?.close();
  });

  test("only a record with probe hits offers them", async () => {
    const page = await open(browser, ui.url);
    const hidden = await js<boolean[]>(
      page,
      `[...document.querySelectorAll(".heat-source-box")].map((e) => e.hidden)`,
    );
    assert.deepEqual(hidden, [false, true], "p.data has probes, a.data has none");
    const options = await texts(page, ".heatmap:first-child select.heat-source option");
    assert.deepEqual(options, ["accesses (nr_accesses)", "probe 0 hits", "probe 1 hits"]);
    const rows = await texts(page, "table.probe-hits tbody tr td:first-child");
    assert.deepEqual(rows, ["p.data", "p.data"], "one row per probe of p.data, none for a.data");
    await page.close();
    const plain = await startUi(["ui", join(dir, "a.data")]);
    try {
      const p2 = await open(browser, plain.url);
      assert.equal((await texts(p2, ".probes")).length, 0, "no probe section without probes");
      assert.equal((await texts(p2, "table.wss-percentiles")).length, 1, "the other series are there");
      await p2.close();
    } finally {
      await plain.stop();
    }
  });

  test("the probe table's numbers are the record's and report wss --probe's", async () => {
    const page = await open(browser, ui.url);
    const rows = await js<string[][]>(
      page,
      `[...document.querySelectorAll("table.probe-hits tbody tr")].map((r) => [...r.cells].map((c) => c.textContent))`,
    );
    for (const k of [0, 1]) {
      // from the record: per snapshot, size x hits / 20, and the bytes of regions with hits
      const est: number[] = [];
      const withHits: number[] = [];
      for (const s of snaps) {
        let e = 0;
        let w = 0;
        for (let i = 0; i < s.nr; i++) {
          const h = s.probeHits![k][i];
          if (h > 0) {
            e += ((s.end[i] - s.start[i]) * h) / PER_AGGR;
            w += s.end[i] - s.start[i];
          }
        }
        est.push(e);
        withHits.push(w);
      }
      const sorted = (v: number[]): number[] => [...v].sort((a, b) => a - b);
      const p50 = (v: number[]): number => sorted(v)[Math.ceil(v.length / 2) - 1];
      assert.deepEqual(rows[k], [
        "p.data",
        String(k),
        fmtBytes(p50(est)),
        fmtBytes(Math.max(...est)),
        fmtBytes(p50(withHits)),
        String(NSNAP),
      ]);
      // the same WSS as the command line's, byte for byte
      const r = cli([
        "report",
        "wss",
        "-i",
        join(dir, "p.data"),
        "--probe",
        String(k),
        "--exclude_samples",
        "0",
        "--all_wss",
        "--raw_number",
      ]);
      assert.equal(r.code, 0, r.err);
      const wss = r.out
        .split("\n")
        .filter((l) => /^\s*\d+\s+\d+/.test(l))
        .map((l) => Number(l.trim().split(/\s+/)[1]));
      assert.deepEqual(sorted(wss), sorted(withHits), r.out);
    }
    // the known values: probe 0 = steps 0-4; probe 1 = the small range and 5 half-hit even
    // steps (27 MiB), 4 in odd snapshots (22 MiB, the median of 6 and 6)
    assert.equal(rows[0][2], fmtBytes(5 * STAIRS.step));
    assert.equal(rows[1][2], fmtBytes(2 * STAIRS.step + STAIRS.smallSize));
    assert.equal(rows[1][3], fmtBytes(2.5 * STAIRS.step + STAIRS.smallSize));
    await page.close();
  });

  test("the heatmap drawn for a probe's hits is bright where that probe hit", async () => {
    const page = await open(browser, ui.url);
    const step = async (k: number): Promise<number> =>
      bandLuminance(page, 0, Math.ceil(colOf(stepStart(k))) + 1, Math.floor(colOf(stepStart(k + 1))) - 1);
    const small = (): Promise<number> => bandLuminance(page, 0, 0, Math.floor(colOf(stepStart(0))) - 1);
    await page.select(".heatmap:first-child select.heat-source", "0");
    assert.equal(await js<string>(page, `document.querySelector(".heatmap").dataset.source`), "0");
    for (let k = 0; k < STAIRS.steps; k++)
      if (k < 5) assert.ok((await step(k)) > 200, `probe 0, step ${k}: bright`);
      else assert.ok((await step(k)) < 20, `probe 0, step ${k}: dark`);
    assert.ok((await small()) < 20, "probe 0, small range: dark");
    const legend = (await texts(page, ".heatmap:first-child .legend-unit"))[0];
    assert.match(legend, /probe 0 hits per aggregation interval \/ 20 samples/);
    await page.select(".heatmap:first-child select.heat-source", "1");
    const half = await step(0);
    assert.ok(half > 40 && half < 200, `probe 1, step 0: half the samples, mid colour (${half})`);
    assert.ok((await step(1)) < 20, "probe 1, odd step: dark");
    assert.ok((await small()) > 200, "probe 1, small range: bright");
    // step 8 lacks probe 1 in odd snapshots: it counts 0 there, like report heatmap --probe
    const eight = await step(8);
    assert.ok(eight > 20 && eight < half - 10, `probe 1, step 8: half the rows as step 0 (${eight})`);
    // back to accesses: the hot step moves down the snapshots, as without probes
    await page.select(".heatmap:first-child select.heat-source", "-1");
    assert.ok((await step(9)) < (await step(0)), "accesses: step 0 is hot in two snapshots, step 9 in one");
    await page.close();
  });

  test("hover shows each probe's hits of the region under the cursor", async () => {
    const page = await open(browser, ui.url);
    const box = (await (await page.$("canvas.heat"))!.boundingBox())!;
    const s = 5;
    const y = Math.floor(((s + 0.5) / NSNAP) * H);
    const x = Math.round((colOf(stepStart(2)) + colOf(stepStart(3))) / 2);
    await page.mouse.move(box.x + x, box.y + y);
    const text = (await texts(page, ".heatmap:first-child .hover"))[0];
    assert.ok(text.includes("probe 0 hits 20 / 20 · probe 1 hits 10 / 20"), text);
    const x8 = Math.round((colOf(stepStart(8)) + colOf(stepStart(9))) / 2);
    await page.mouse.move(box.x + x8, box.y + y);
    const t8 = (await texts(page, ".heatmap:first-child .hover"))[0];
    assert.ok(t8.includes("probe 0 hits 0 / 20") && !t8.includes("probe 1"), `step 8, odd snapshot: ${t8}`);
    await page.close();
  });
});
