/**
 * `damon-ts ui` in a real browser (Debian chromium via puppeteer-core): what a
 * person sees on a generated stairs record — the hot band where the record puts
 * it (canvas pixels), zoom to a selected rectangle, hover text of the region under
 * the cursor — and two records side by side.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import { join } from "node:path";
import type { Browser, Page } from "puppeteer-core";
import { tempDir } from "../helpers/temp.js";
import {
  browserSkip,
  js,
  launchBrowser,
  openPage as open,
  startUi,
  STAIRS,
  texts,
  writeStairs,
  type UiProcess,
} from "./helpers.js";

const skip = browserSkip();
const W = 720;
const H = 320;
const TOTAL = STAIRS.smallSize + STAIRS.steps * STAIRS.step;
const NSNAP = STAIRS.steps * STAIRS.snapsPerStep;

/** Pixel column of a big-range address (the gap before it is not drawn). */
const colOf = (addr: number): number => ((STAIRS.smallSize + addr - STAIRS.base) / TOTAL) * W;
const stepStart = (k: number): number => STAIRS.base + k * STAIRS.step;

/** Luminance of every pixel of the first heatmap canvas, row-major. */
async function luminance(page: Page): Promise<number[]> {
  return js<number[]>(
    page,
    `(() => {
      const c = document.querySelector("canvas.heat");
      const d = c.getContext("2d").getImageData(0, 0, c.width, c.height).data;
      const out = [];
      for (let i = 0; i < d.length; i += 4) out.push(0.2126 * d[i] + 0.7152 * d[i + 1] + 0.0722 * d[i + 2]);
      return out;
    })()`,
  );
}

async function canvasBox(page: Page): Promise<{ x: number; y: number }> {
  const box = await (await page.$("canvas.heat"))!.boundingBox();
  return { x: box!.x, y: box!.y };
}

const dataset = (page: Page): Promise<Record<string, string>> =>
  js(page, `({ ...document.querySelector(".heatmap").dataset })`);

describe("damon-ts ui in chromium", { skip }, () => {
  let browser: Browser;
  let ui: UiProcess;
  let dir: string;
  before(async () => {
    dir = tempDir("damon-ts-ui-");
    writeStairs(join(dir, "a.data"));
    writeStairs(join(dir, "b.data"), 7);
    [browser, ui] = await Promise.all([launchBrowser(), startUi(["ui", join(dir, "a.data")])]);
  });
  after(async () => {
    await ui?.stop();
    await browser?.close();
  });

  test("the hot band of the stairs record is where the record says, in every snapshot", async () => {
    const page = await open(browser, ui.url);
    const lum = await luminance(page);
    for (let s = 0; s < NSNAP; s++) {
      const y = Math.floor(((s + 0.5) / NSNAP) * H);
      const hot = Math.floor(s / STAIRS.snapsPerStep);
      const row = lum.slice(y * W, (y + 1) * W);
      const inHot = (x: number): boolean =>
        x >= colOf(stepStart(hot)) + 1 && x < colOf(stepStart(hot + 1)) - 1;
      const inBig = (x: number): boolean => x >= colOf(stepStart(0)) + 1;
      for (let x = 0; x < W; x++) {
        if (inHot(x))
          assert.ok(row[x] > 200, `snapshot ${s}: column ${x} of the hot step is dark (${row[x]})`);
        else if (inBig(x) && (x < colOf(stepStart(hot)) - 1 || x > colOf(stepStart(hot + 1)) + 1))
          assert.ok(row[x] < 20, `snapshot ${s}: cold column ${x} is bright (${row[x]})`);
      }
    }
    const ranges = await texts(page, "table.ranges tbody tr");
    assert.equal(ranges.length, 2, "two address ranges; the 2 TiB gap between them is not drawn");
    assert.match(ranges[0], /0x10000000.*2\.0 MiB/);
    assert.match(ranges[1], /0x7f0000000000.*100\.0 MiB/);
    await page.close();
  });

  test("dragging a rectangle zooms to the selected addresses and time; 0 resets, + zooms in", async () => {
    const page = await open(browser, ui.url);
    const box = await canvasBox(page);
    const [x0, x1, y0, y1] = [300, 500, 80, 240];
    await page.mouse.move(box.x + x0, box.y + y0);
    await page.mouse.down();
    await page.mouse.move(box.x + x1, box.y + y1, { steps: 5 });
    await page.mouse.up();
    const d = await dataset(page);
    const bytesPerCol = TOTAL / W;
    const addrAt = (x: number): number => STAIRS.base + (x / W) * TOTAL - STAIRS.smallSize;
    assert.ok(Math.abs(Number(d.addrStart) - addrAt(x0)) <= bytesPerCol, `start ${d.addrStart}`);
    assert.ok(Math.abs(Number(d.addrEnd) - addrAt(x1)) <= bytesPerCol, `end ${d.addrEnd}`);
    const ns = NSNAP * STAIRS.aggrNs;
    assert.ok(Math.abs(Number(d.t0) - (y0 / H) * ns) <= ns / H);
    assert.ok(Math.abs(Number(d.t1) - (y1 / H) * ns) <= ns / H);
    const text = (await texts(page, ".view-range"))[0];
    assert.match(text, new RegExp(`0x${Math.round(Number(d.addrStart)).toString(16)}`));
    // re-aggregated, not scaled: the zoomed view still has sharp step edges at the new scale
    const lum = await luminance(page);
    const zx = (addr: number): number =>
      ((addr - Number(d.addrStart)) / (Number(d.addrEnd) - Number(d.addrStart))) * W;
    const t = (Number(d.t0) + Number(d.t1)) / 2;
    const hot = Math.floor(t / STAIRS.aggrNs / STAIRS.snapsPerStep);
    const y = Math.floor(((t - Number(d.t0)) / (Number(d.t1) - Number(d.t0))) * H);
    const edge = zx(stepStart(hot));
    if (edge > 2 && edge < W - 2) {
      assert.ok(lum[y * W + Math.ceil(edge) + 1] > 200, "inside the hot step is bright after zooming");
      assert.ok(lum[y * W + Math.floor(edge) - 2] < 20, "just before it is dark after zooming");
    }
    await page.focus("canvas.heat");
    await page.keyboard.press("0");
    const reset = await dataset(page);
    assert.equal(Number(reset.addrStart), STAIRS.smallStart);
    assert.equal(Number(reset.addrEnd), stepStart(STAIRS.steps));
    await page.keyboard.press("+");
    const zoomed = await dataset(page);
    assert.ok(Math.abs(Number(zoomed.addrStart) - addrAt(W / 4)) <= bytesPerCol);
    assert.ok(Math.abs(Number(zoomed.addrEnd) - addrAt((3 * W) / 4)) <= bytesPerCol);
    await page.keyboard.press("Backspace");
    assert.equal(Number((await dataset(page)).addrStart), STAIRS.smallStart);
    await page.close();
  });

  test("hover shows the time, region, frequency and age under the cursor", async () => {
    const page = await open(browser, ui.url);
    const box = await canvasBox(page);
    const s = 13;
    const k = 3;
    const x = Math.round((colOf(stepStart(k)) + colOf(stepStart(k + 1))) / 2);
    const y = Math.floor(((s + 0.5) / NSNAP) * H);
    await page.mouse.move(box.x + x, box.y + y);
    const text = (await texts(page, ".hover"))[0];
    const hex = (a: number): string => `0x${a.toString(16)}`;
    assert.match(text, new RegExp(`\\(snapshot ${s}\\)`));
    assert.ok(text.includes(`region ${hex(stepStart(k))} – ${hex(stepStart(k + 1))} (10.0 MiB)`), text);
    assert.ok(text.includes("nr_accesses 20 / 20 (frequency 100.0 %)"), text);
    assert.ok(text.includes(`age ${s % STAIRS.snapsPerStep} (`), text);
    assert.ok(text.includes("time 1.300 s – 1.400 s"), text);
    await page.close();
  });

  test("two records open side by side with the comparison table", async () => {
    const two = await startUi(["ui", join(dir, "a.data"), join(dir, "b.data")]);
    try {
      const page = await open(browser, two.url);
      const names = await texts(page, ".heatmap h3");
      assert.deepEqual(names, ["a.data", "b.data"]);
      const head = await texts(page, "table.summary thead th");
      assert.deepEqual(head, ["", "a.data", "b.data"]);
      const snaps = (await texts(page, "table.summary tbody tr")).filter((t) => t.startsWith("snapshots"));
      assert.deepEqual(snaps, [`snapshots${NSNAP}${NSNAP}`]);
      assert.equal((await texts(page, "canvas.heat")).length, 2);
      // on the same axes: zooming one zooms the other (same ranges: both axes)
      await page.focus("canvas.heat");
      await page.keyboard.press("+");
      const views = await js<Record<string, string>[]>(
        page,
        `[...document.querySelectorAll(".heatmap")].map((h) => ({ ...h.dataset }))`,
      );
      assert.notEqual(Number(views[0].addrStart), STAIRS.smallStart, "zoomed");
      for (const k of ["addrStart", "addrEnd", "t0", "t1"]) assert.equal(views[1][k], views[0][k], k);
      await page.close();
    } finally {
      await two.stop();
    }
  });
});
