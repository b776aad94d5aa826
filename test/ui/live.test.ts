/**
 * `damon-ts run --ui` in a real browser: the page follows the simulation while it
 * runs, and ends with the same numbers as the run's `--json` output; hover shows
 * the exact truth's frequency of the region.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import type { Browser } from "puppeteer-core";
import { fmtBytes } from "../../src/cli/table.js";
import { browserSkip, launchBrowser, startUi, type UiProcess } from "./helpers.js";

const skip = browserSkip();

interface RunJson {
  runs: {
    summary: {
      freqError: number;
      f1: number;
      estWssMedianBytes: number;
      trueWssMedianBytes: number;
      windowsScored: number;
      windowsUnscored: number;
    };
    damos: { schemes: { action: string; szTried: number }[] };
  }[];
}

describe("run --ui in chromium", { skip }, () => {
  let browser: Browser;
  let ui: UiProcess;
  before(async () => {
    [browser, ui] = await Promise.all([
      launchBrowser(),
      startUi([
        "run",
        "stairs",
        "--time-scale",
        "0.1",
        "--no-baseline",
        "--seed",
        "3",
        "--scheme",
        "stat",
        "--ui",
        "--json",
      ]),
    ]);
  });
  after(async () => {
    await ui?.stop();
    await browser?.close();
  });

  test("the page updates while the run runs and ends with the numbers of --json", async () => {
    const page = await browser.newPage();
    await page.setViewport({ width: 1600, height: 1400 });
    await page.goto(ui.url);
    await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
    const seen = new Set<number>();
    const state = (): Promise<{ state: string; snaps: number }> =>
      page.evaluate(`({
        state: document.querySelector(".status").dataset.state,
        snaps: Number(document.querySelector(".heatmap")?.dataset.snapshots ?? -1),
      })`) as Promise<{ state: string; snaps: number }>;
    const deadline = Date.now() + 240_000;
    for (;;) {
      const s = await state();
      if (s.state === "running" && s.snaps > 0) seen.add(s.snaps);
      if (s.state === "finished") break;
      assert.ok(Date.now() < deadline, `still ${s.state} after 240 s`);
      await new Promise((r) => setTimeout(r, 150));
    }
    assert.ok(
      seen.size >= 2,
      `saw ${[...seen].join(", ")} snapshots while running: the page did not follow the run`,
    );
    // stdout: the URL, then the --json result once the run is done
    let json: RunJson | null = null;
    while (json === null) {
      try {
        json = JSON.parse(ui.stdout().slice(ui.stdout().indexOf("\n") + 1)) as RunJson;
      } catch {
        assert.ok(Date.now() < deadline, "no --json output");
        await new Promise((r) => setTimeout(r, 200));
      }
    }
    const rows = new Map(
      (
        (await page.evaluate(
          `[...document.querySelectorAll("table.summary tbody tr")].map((r) => [...r.children].map((c) => c.textContent))`,
        )) as string[][]
      ).map((r) => [r[0], r[1]]),
    );
    const s = json.runs[0].summary;
    assert.equal(rows.get("frequency error (byte-weighted)"), s.freqError.toFixed(4));
    assert.equal(rows.get("hot-set F1 (mean of all windows; idle = 1)"), s.f1.toFixed(3));
    assert.equal(rows.get("WSS median, estimated"), fmtBytes(s.estWssMedianBytes));
    assert.equal(rows.get("WSS median, true"), fmtBytes(s.trueWssMedianBytes));
    assert.equal(rows.get("windows scored / unscored"), `${s.windowsScored} / ${s.windowsUnscored}`);
    assert.equal(rows.get("state"), "finished");
    assert.equal(Number(rows.get("snapshots")), s.windowsScored + s.windowsUnscored);
    // the DAMOS scheme's stats over time: a chart, and a series that grows up to the final count
    const labels = (await page.evaluate(
      `[...document.querySelectorAll(".damos-bytes .u-legend .u-label")].map((e) => e.textContent)`,
    )) as string[];
    assert.deepEqual(labels.slice(1), ["stairs / vaddr #0 stat tried", "stairs / vaddr #0 stat applied"]);
    const metas = (await (await fetch(new URL("/api/runs", ui.url))).json()) as {
      runs: { damos: { name: string; szTried: number[] }[] }[];
    };
    const tried = metas.runs[0].damos[0].szTried;
    assert.equal(tried.length, s.windowsScored + s.windowsUnscored);
    for (let i = 1; i < tried.length; i++) assert.ok(tried[i] >= tried[i - 1], "cumulative");
    assert.ok(
      tried[tried.length - 1] > 0 && tried[tried.length - 1] <= json.runs[0].damos.schemes[0].szTried,
    );
    // hover in the middle of the heatmap: a simulated run knows the true frequency
    const box = (await (await page.$("canvas.heat"))!.boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    const hover = (await page.evaluate(`document.querySelector(".hover").textContent`)) as string;
    assert.match(hover, /nr_accesses \d+ \/ 20 .* · true frequency \d+\.\d %/);
    await page.close();
  });
});
