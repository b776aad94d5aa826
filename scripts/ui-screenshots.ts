/**
 * Screenshots of `damon-ts ui` for the docs (docs/ui-*.png): the stairs workload
 * simulated under vaddr and paddr with two data-attribute probes (anonymous pages;
 * pages accessed during the sample), recorded, and opened side by side in the
 * system chromium; the probe-hits charts and a heatmap drawn for a probe's hits;
 * then one heatmap zoomed into the hot range with the hover details.
 *
 *   npx tsx scripts/ui-screenshots.ts [--time-scale F]
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import puppeteer, { type Page } from "puppeteer-core";
import { readRecords } from "../src/record/read.js";
import { UiStore } from "../src/ui/store.js";
import { startUiServer } from "../src/ui/server.js";
import { writeFileAtomic } from "../src/util/atomic-write.js";
import { buildUiPage } from "./build-ui.js";

const root = fileURLToPath(new URL("..", import.meta.url));
const i = process.argv.indexOf("--time-scale");
const timeScale = i >= 0 ? process.argv[i + 1] : "0.2";
const CHROMIUM = process.env.DAMON_TS_CHROMIUM ?? "/usr/bin/chromium";

async function shot(page: Page, selector: string, name: string): Promise<void> {
  const el = await page.$(selector);
  if (!el) throw new Error(`no ${selector} on the page`);
  const png = await el.screenshot({ type: "png" });
  writeFileAtomic(join(root, "docs", name), png);
  process.stderr.write(`wrote docs/${name}\n`);
}

const dir = mkdtempSync(join(tmpdir(), "damon-ts-shots-"));
try {
  await buildUiPage();
  const rec = join(dir, "stairs.data");
  const run = spawnSync(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "record",
      "stairs",
      "--ops",
      "vaddr,paddr",
      "--time-scale",
      timeScale,
    ].concat(["--probe", "anon", "--probe", "young,prep=mkold", "--no-baseline", "--no-heatmap", "-o", rec]),
    { cwd: root, stdio: ["ignore", "ignore", "inherit"] },
  );
  if (run.status !== 0) throw new Error(`damon-ts record failed (exit ${run.status})`);
  const store = new UiStore();
  for (const ops of ["vaddr", "paddr"]) store.addRecords(`${rec}.${ops}`, await readRecords(`${rec}.${ops}`));
  const ui = await startUiServer(store);
  const browser = await puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1700, height: 1400 });
    await page.goto(ui.url);
    await page.waitForSelector("body[data-ready]", { timeout: 120_000 });
    await shot(page, ".heatmaps", "ui-heatmaps.png");
    await shot(page, ".compare", "ui-compare.png");
    await shot(page, ".series", "ui-series.png");
    await shot(page, ".probes", "ui-probes.png");
    // the vaddr heatmap drawn for probe 1's hits (pages accessed during the sample), then back
    await page.select(".heatmap:first-child select.heat-source", "1");
    await shot(page, ".heatmap:first-child", "ui-probe-heatmap.png");
    await page.select(".heatmap:first-child select.heat-source", "-1");
    // zoom the vaddr heatmap into its biggest range (click its row), then a third of the time, and hover
    const sizes = (await page.evaluate(
      `[...document.querySelectorAll(".heatmap:first-child table.ranges tbody tr")].map((r) => r.children[3].textContent)`,
    )) as string[];
    const mib = sizes.map(
      (t) => parseFloat(t) * (t.includes("GiB") ? 1024 : t.includes("MiB") ? 1 : 1 / 1024),
    );
    const rows = await page.$$(".heatmap:first-child table.ranges tbody tr");
    const best = rows[mib.indexOf(Math.max(...mib))];
    await best.click();
    await page.focus(".heatmap:first-child canvas.heat");
    await page.keyboard.press("t");
    const box = (await (await page.$(".heatmap:first-child canvas.heat"))!.boundingBox())!;
    await page.mouse.move(box.x + box.width * 0.45, box.y + box.height * 0.5);
    await shot(page, ".heatmap:first-child", "ui-zoom-hover.png");
  } finally {
    await browser.close();
    await ui.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
