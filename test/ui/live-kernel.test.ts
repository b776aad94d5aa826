/**
 * `--ui` on the commands that watch something real, in chromium: `live -- CMD`
 * on a program the test builds and starts (test/fixtures/live/two-threads.c),
 * and `kernel record` against a fake DAMON sysfs tree (test/kernel/fake-sysfs.ts,
 * never the host's). The page follows each run while it runs, and keeps the
 * final result — the same snapshots as the record the command wrote.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { after, before, describe, test } from "node:test";
import type { Browser, Page } from "puppeteer-core";
import { readRecords } from "../../src/record/read.js";
import type { DamonRecord } from "../../src/record/model.js";
import { fmtBytes } from "../../src/cli/table.js";
import { probePerf } from "../../src/live/perf-source.js";
import { startUiIfAsked, uiRunFeed } from "../../src/cli/ui-options.js";
import { recordKernelToFile } from "../../src/cli/commands/kernel.js";
import { KernelBackend } from "../../src/kernel/backend.js";
import { parseKdamonds } from "../../src/config/kdamonds.js";
import { FakeSysfs } from "../kernel/fake-sysfs.js";
import { tempDir } from "../helpers/temp.js";
import { browserSkip, ensurePage, launchBrowser, openPage, startUi } from "./helpers.js";
import { liveTestArgs } from "../helpers/live-args.js";

const browserMissing = browserSkip();

/** What the page shows of its first run: state, snapshots, and the summary table. */
async function pageState(
  page: Page,
): Promise<{ state: string; snaps: number; rows: Record<string, string> }> {
  return page.evaluate(`({
    state: document.querySelector(".status").dataset.state,
    snaps: Number(document.querySelector(".heatmap")?.dataset.snapshots ?? -1),
    rows: Object.fromEntries([...document.querySelectorAll("table.summary tbody tr")].map((r) => [r.children[0].textContent, r.children[1].textContent])),
  })`) as Promise<{ state: string; snaps: number; rows: Record<string, string> }>;
}

/** Polls the page until its run finished; returns the snapshot counts seen while it ran. */
async function followUntilFinished(page: Page, timeoutMs: number): Promise<number[]> {
  const seen = new Set<number>();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = await pageState(page);
    if (s.state === "running" && s.snaps > 0) seen.add(s.snaps);
    if (s.state === "finished") return [...seen];
    assert.ok(Date.now() < deadline, `still ${s.state} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The page's final numbers are the record's: snapshots, and the WSS median the page computes. */
async function assertPageIsRecord(page: Page, rec: DamonRecord): Promise<void> {
  const s = await pageState(page);
  assert.equal(s.state, "finished");
  assert.equal(s.snaps, rec.snapshots.length, "every snapshot of the record is on the page");
  assert.equal(s.rows.snapshots, String(rec.snapshots.length));
  const wss = rec.snapshots
    .map((sn) => {
      let w = 0;
      for (let i = 0; i < sn.nr; i++) if (sn.samples[i] > 0) w += sn.end[i] - sn.start[i];
      return w;
    })
    .sort((a, b) => a - b);
  assert.equal(s.rows["WSS median (record)"], fmtBytes(wss[Math.ceil(wss.length / 2) - 1]));
  const counts = rec.snapshots.map((sn) => sn.nr);
  assert.equal(s.rows["regions (min..max)"], `${Math.min(...counts)}..${Math.max(...counts)}`);
}

const perf = probePerf();
const gcc = spawnSync("gcc", ["--version"]).status === 0;
const liveSkip =
  browserMissing || (!gcc ? "gcc is not installed" : !perf.ok ? `perf unusable: ${perf.reason}` : false);
if (liveSkip && !browserMissing) process.stderr.write(`NOTICE: skipping live --ui: ${liveSkip}\n`);

describe("--ui on live and kernel record, in chromium", { skip: browserMissing }, () => {
  let browser: Browser;
  let dir: string;
  before(async () => {
    dir = tempDir("damon-ts-ui-live-");
    [browser] = await Promise.all([launchBrowser(), ensurePage()]);
  });
  after(async () => {
    await browser?.close();
  });

  test(
    "live --ui follows a program while it runs and keeps its final record",
    { skip: liveSkip },
    async () => {
      const bin = join(dir, "two-threads");
      const src = fileURLToPath(new URL("../fixtures/live/two-threads.c", import.meta.url));
      const cc = spawnSync("gcc", ["-O1", "-pthread", "-o", bin, src], { encoding: "utf8" });
      assert.equal(cc.status, 0, cc.stderr);
      const record = join(dir, "live.json");
      // 30 rounds of 100 ms: a few seconds of snapshots every 100 ms
      const ui = await startUi([
        ...liveTestArgs(record, ["--ui"]),
        "--",
        bin,
        join(dir, "live.out"),
        "30",
        "4",
      ]);
      try {
        const page = await openPage(browser, ui.url);
        const seen = await followUntilFinished(page, 240_000);
        assert.ok(
          seen.length >= 2,
          `saw ${seen.join(", ")} snapshots while running: the page did not follow`,
        );
        // the command printed its --json after the URL, and wrote the record
        const deadline = Date.now() + 60_000;
        const parsed = (): { endReason: string } | null => {
          try {
            return JSON.parse(ui.stdout().slice(ui.stdout().indexOf("\n") + 1)) as { endReason: string };
          } catch {
            return null;
          }
        };
        while (parsed() === null) {
          assert.ok(Date.now() < deadline, "no --json output");
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.equal(parsed()?.endReason, "target exited");
        const [rec] = await readRecords(record);
        await assertPageIsRecord(page, rec);
        // the result stays: a page opened after the end shows the same
        const later = await openPage(browser, ui.url);
        await assertPageIsRecord(later, rec);
        const runs = (await (await fetch(new URL("/api/runs", ui.url))).json()) as {
          runs: { done: boolean; result: { schema: string } }[];
        };
        assert.equal(runs.runs[0].done, true);
        assert.equal(runs.runs[0].result.schema, "damon-ts/live/1");
        await page.close();
        await later.close();
      } finally {
        await ui.stop();
      }
    },
  );

  test("kernel record --ui on a fake sysfs tree: the page follows and keeps the record", async () => {
    // the command's own pieces, in this process: the fake kernel lives here
    const fake = new FakeSysfs();
    const out = join(dir, "kernel.data");
    const config = parseKdamonds({
      kdamonds: [
        {
          contexts: [
            {
              ops: "vaddr",
              targets: [{ pid: 1234, regions: [{ start: 0x100000, end: 0x500000 }] }],
            },
          ],
        },
      ],
    });
    const session = await startUiIfAsked({ ui: true });
    assert.ok(session);
    try {
      const page = await openPage(browser, session.url);
      const feed = uiRunFeed("kernel record", out, null, config.kdamonds[0].contexts[0].intervals);
      assert.ok(feed);
      const b = new KernelBackend({ root: fake.root, io: fake, ownershipFile: join(dir, "own.json") });
      const following = followUntilFinished(page, 120_000);
      // real time: 100 ms aggregation intervals for 3 s
      const n = await recordKernelToFile(b, config, out, "json_compressed", {
        durationMs: 3000,
        onSnapshot: (s) => feed.snapshot({ ...s, targets: [s] }),
      });
      feed.finish(null, null);
      const seen = await following;
      assert.ok(seen.length >= 2, `saw ${seen.join(", ")} snapshots while recording`);
      const [rec] = await readRecords(out);
      assert.equal(rec.snapshots.length, n);
      await assertPageIsRecord(page, rec);
      // hover: the region under the cursor is the record's, with its nr_accesses
      const box = (await (await page.$("canvas.heat"))!.boundingBox())!;
      await page.mouse.move(box.x + 10, box.y + box.height - 2);
      const hover = (await page.evaluate(`document.querySelector(".hover").textContent`)) as string;
      const last = rec.snapshots[rec.snapshots.length - 1];
      const hex = (a: number): string => `0x${a.toString(16)}`;
      assert.ok(hover.includes(`region ${hex(last.start[0])} – ${hex(last.end[0])}`), hover);
      assert.ok(hover.includes(`nr_accesses ${last.samples[0]} / 20`), hover);
      await page.close();
    } finally {
      await session.close();
    }
  });
});
