/**
 * Benchmark of `damon-ts ui` in chromium (issue 15): a seeded 2,000-snapshot x
 * 1,000-region record over three far-apart ranges, served by the UI server, opened
 * in the system chromium (puppeteer-core). Times, with the page's own timers:
 *   open  — navigation start to the first complete render of every view
 *           (performance mark "ui-open"), goal < 1.5 s;
 *   zoom  — re-aggregation and paint after a zoom key (performance measures
 *           "ui-render"), goal < 100 ms (the page re-aggregates a zoomed view into
 *           a tiny grid once right after opening, "ui-warm-zoom", so that the
 *           browser has compiled the zoom paths; --verbose prints its time);
 * and, as the baseline measured in the same run, the page merely fetching the same
 * snapshot bytes (what any viewer of this record must at least do).
 *
 *   npx tsx bench/ui.ts [--snapshots N] [--regions N] [--seed N]
 */
import puppeteer from "puppeteer-core";
import { makeSnapshot, type RegionInput } from "../src/record/model.js";
import { Rng } from "../src/util/rng.js";
import { UiStore } from "../src/ui/store.js";
import { startUiServer } from "../src/ui/server.js";
import { buildUiPage } from "../scripts/build-ui.js";
import { recordOf } from "../test/helpers/records.js";

function arg(name: string, def: number): number {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : def;
}
const nrSnapshots = arg("--snapshots", 2000);
const nrRegions = arg("--regions", 1000);
const seed = arg("--seed", 1);
const CHROMIUM = process.env.DAMON_TS_CHROMIUM ?? "/usr/bin/chromium";

/** Regions split over a small heap, a big mmap area and a stack, with seeded access counts. */
function syntheticRecord() {
  const rng = new Rng(seed);
  const ranges: [number, number][] = [
    [0x555555554000, 0x555555554000 + 64 * 2 ** 20],
    [0x7f0000000000, 0x7f0000000000 + 4 * 2 ** 30],
    [0x7ffff0000000, 0x7ffff0000000 + 8 * 2 ** 20],
  ];
  const per = [Math.floor(nrRegions * 0.1), nrRegions - Math.floor(nrRegions * 0.1) - 10, 10];
  const snaps = [];
  for (let s = 0; s < nrSnapshots; s++) {
    const regions: RegionInput[] = [];
    ranges.forEach(([a, b], k) => {
      const n = per[k];
      const cuts = Array.from(
        { length: n - 1 },
        () => a + Math.floor(rng.nextFloat() * ((b - a) / 4096)) * 4096,
      );
      const bounds = [a, ...new Set(cuts.sort((x, y) => x - y)), b];
      for (let i = 0; i + 1 < bounds.length; i++)
        if (bounds[i + 1] > bounds[i])
          regions.push({
            start: bounds[i],
            end: bounds[i + 1],
            nrAccesses: rng.randRange(0, 21),
            age: s % 50,
          });
    });
    snaps.push(makeSnapshot(s * 100e6, (s + 1) * 100e6, regions));
  }
  return recordOf(snaps);
}

const median = (v: number[]): number => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];

await buildUiPage();
const record = syntheticRecord();
const regions = record.snapshots.reduce((a, s) => a + s.nr, 0);
const store = new UiStore();
store.addRecords("bench.data", [record]);
const ui = await startUiServer(store);
const browser = await puppeteer.launch({
  executablePath: CHROMIUM,
  headless: true,
  args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1600, height: 1200 });
  const opens: number[] = [];
  const fetches: number[] = [];
  const zooms: number[] = [];
  const loads: number[] = [];
  let cached = 0;
  for (let round = 0; round < 3; round++) {
    await page.goto(ui.url);
    await page.waitForSelector("body[data-ready]", { timeout: 120_000 });
    const [open, loaded] = (await page.evaluate(`[
      performance.getEntriesByName("ui-open")[0].startTime,
      performance.getEntriesByType("resource").find((e) => e.name.includes("/snapshots"))?.responseEnd ?? NaN,
    ]`)) as [number, number];
    opens.push(open);
    if (process.argv.includes("--verbose"))
      console.log(
        `  open ${open.toFixed(0)} ms, snapshots received at ${loaded.toFixed(0)} ms; page work: ` +
          ((await page.evaluate(
            `["ui-warm", "ui-decode", "ui-ranges", "ui-aggregate", "ui-update", "ui-compare", "ui-series"].map((n) => n + " " + performance.getEntriesByName(n)[0].duration.toFixed(0) + " ms").join(", ")`,
          )) as string),
      );
    loads.push(loaded);
    fetches.push(
      (await page.evaluate(`(async () => {
        const t = performance.now();
        const r = await fetch("/api/runs/0/snapshots?from=0");
        await r.arrayBuffer();
        return performance.now() - t;
      })()`)) as number,
    );
    await page.focus("canvas.heat");
    if (process.argv.includes("--verbose"))
      console.log(
        `  after open: zoom warm-up ${((await page.evaluate(`performance.getEntriesByName("ui-warm-zoom")[0]?.duration ?? NaN`)) as number).toFixed(0)} ms`,
      );
    let aggregations = 1;
    for (const key of ["+", "+", "x", "t", "ArrowRight", "ArrowDown", "-", "X", "0"] as const) {
      await page.keyboard.press(key);
      const [ms, n, agg] = (await page.evaluate(`(() => {
        const r = performance.getEntriesByName("ui-render");
        const a = performance.getEntriesByName("ui-aggregate");
        return [r[r.length - 1].duration, a.length, a[a.length - 1].duration];
      })()`)) as [number, number, number];
      // a view drawn before (the whole run again, Backspace) is not re-aggregated: not counted
      const fresh = n > aggregations;
      aggregations = n;
      if (fresh) zooms.push(ms);
      else cached++;
      if (process.argv.includes("--verbose"))
        console.log(
          `  key ${key}: ${ms.toFixed(1)} ms (${fresh ? `aggregation ${agg.toFixed(1)} ms` : "drawn before"})`,
        );
    }
  }
  const bytes = store.chunk(0, 0)!.byteLength;
  const o = median(opens);
  const f = median(fetches);
  console.log(
    `record: ${nrSnapshots} snapshots x ${nrRegions} regions (${regions} regions, ${(bytes / 2 ** 20).toFixed(1)} MiB on the wire), seed ${seed}`,
  );
  console.log(`chromium: ${await browser.version()}`);
  console.log(`baseline: fetch of the snapshot bytes  ${f.toFixed(0)} ms (median of 3)`);
  console.log(
    `open (navigation to rendered)      ${o.toFixed(0)} ms (median of 3; ${(o / f).toFixed(1)}x the fetch) goal < 1500 ms: ${o < 1500 ? "met" : "NOT met"}`,
  );
  console.log(
    `  of which: snapshot bytes received at ${median(loads).toFixed(0)} ms, then ${(o - median(loads)).toFixed(0)} ms of page work (decode, ranges, heatmap, charts)`,
  );
  const zm = median(zooms);
  const zx = Math.max(...zooms);
  console.log(
    `zoom/pan re-render                 ${zm.toFixed(1)} ms median, ${zx.toFixed(1)} ms max of ${zooms.length} re-aggregations; ${cached} views drawn before not counted (${(zm / f).toFixed(2)}x the fetch) goal < 100 ms: ${zx < 100 ? "met" : zm < 100 ? "met by the median" : "NOT met"}`,
  );
} finally {
  await browser.close();
  await ui.close();
}
