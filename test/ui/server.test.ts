/**
 * The UI server without a browser: routes (anything else is a 404), the loopback
 * bind, the access token on other addresses, the wire form of snapshots, and the
 * CLI's errors for bad records and options.
 */
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { request } from "node:http";
import { writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { join } from "node:path";
import { before, describe, test } from "node:test";
import type { AddressInfo } from "node:net";
import { UiStore } from "../../src/ui/store.js";
import { startUiServer } from "../../src/ui/server.js";
import { decodeSnapshots, encodeSnapshots } from "../../src/ui/wire.js";
import { RunData } from "../../src/ui/page/data.js";
import { recordOf } from "../helpers/records.js";
import { tempDir } from "../helpers/temp.js";
import { cli } from "../cli/helpers.js";
import { ensurePage, stairsSnapshots } from "./helpers.js";

describe("ui server", () => {
  before(ensurePage);

  test("serves the page, the run list and snapshots; 404 for anything else; binds 127.0.0.1", async () => {
    const store = new UiStore();
    store.addRecords("/x/st.data", [recordOf(stairsSnapshots())]);
    const ui = await startUiServer(store);
    try {
      assert.equal((ui.server.address() as AddressInfo).address, "127.0.0.1");
      assert.match(ui.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
      const get = (p: string, init?: RequestInit): Promise<Response> => fetch(new URL(p, ui.url), init);
      const page = await get("/");
      assert.equal(page.status, 200);
      assert.match(await page.text(), /<script type="module" src="app.js">/);
      assert.equal((await get("/app.js")).status, 200);
      assert.equal((await get("/app.css")).status, 200);
      const runs = (await (await get("/api/runs")).json()) as {
        runs: { name: string; nrSnapshots: number }[];
      };
      assert.deepEqual(
        runs.runs.map((r) => [r.name, r.nrSnapshots]),
        [["st.data", 40]],
      );
      const bin = decodeSnapshots(await (await get("/api/runs/0/snapshots?from=38")).arrayBuffer());
      assert.equal(bin.first, 38);
      assert.equal(bin.count, 2);
      assert.equal(bin.offsets[2], 22);
      for (const p of [
        "/nope",
        "/api/runs/1/snapshots",
        "/api/runs/x/snapshots",
        "/app.js/",
        "/../package.json",
        "/api",
      ])
        assert.equal((await get(p)).status, 404, p);
      assert.equal((await get("/", { method: "POST", body: "x" })).status, 404);
      // another host name (DNS rebinding) is refused
      const rebound = await new Promise<number>((resolve, reject) => {
        const u = new URL(ui.url);
        request(
          { host: u.hostname, port: u.port, path: "/api/runs", headers: { host: `evil.example:${u.port}` } },
          (r) => {
            r.resume();
            resolve(r.statusCode ?? 0);
          },
        )
          .on("error", reject)
          .end();
      });
      assert.equal(rebound, 403);
    } finally {
      await ui.close();
    }
  });

  test("on another address every request needs the random token of the printed URL", async () => {
    const ui = await startUiServer(new UiStore(), { host: "127.0.0.2" });
    try {
      const url = new URL(ui.url);
      const token = url.searchParams.get("token");
      assert.match(token ?? "", /^[0-9a-f]{32}$/);
      assert.equal((await fetch(ui.url)).status, 200);
      assert.equal((await fetch(new URL("/api/runs", url.origin))).status, 403);
      assert.equal((await fetch(new URL(`/api/runs?token=${token}`, url.origin))).status, 200);
      assert.equal((await fetch(new URL("/api/runs?token=0", url.origin))).status, 403);
    } finally {
      await ui.close();
    }
  });

  test("the wire form round-trips regions, ages and true frequencies", () => {
    const snaps = stairsSnapshots();
    const c = decodeSnapshots(encodeSnapshots(5, snaps.slice(5, 9)));
    assert.equal(c.first, 5);
    assert.equal(c.count, 4);
    for (let i = 0; i < 4; i++) {
      const s = snaps[5 + i];
      assert.equal(c.startNs[i], s.startNs);
      assert.equal(c.endNs[i], s.endNs);
      for (let j = 0; j < s.nr; j++) {
        const r = c.offsets[i] + j;
        assert.equal(c.start[r], s.start[j]);
        assert.equal(c.end[r], s.end[j]);
        assert.equal(c.samples[r], s.samples[j]);
        assert.equal(c.age[r], s.age[j]);
      }
    }
    const t = decodeSnapshots(
      encodeSnapshots(0, [{ ...snaps[0], trueFreq: new Float64Array(11).fill(0.25) }]),
    );
    assert.equal(c.trueFreq.length, 0, "no truth, no column");
    assert.equal(t.trueFreq[3], 0.25);
    // on the page: a chunk without truth, then one with it
    const d = new RunData();
    d.append(decodeSnapshots(encodeSnapshots(0, snaps.slice(0, 9))));
    d.append(
      decodeSnapshots(encodeSnapshots(9, [{ ...snaps[9], trueFreq: new Float64Array(11).fill(0.5) }])),
    );
    d.append(decodeSnapshots(encodeSnapshots(10, [snaps[10]])));
    assert.equal(d.nSnap, 11);
    assert.ok(Number.isNaN(d.truthAt(d.offsets[9] - 1)));
    for (let i = d.offsets[9]; i < d.offsets[10]; i++) assert.equal(d.truthAt(i), 0.5);
    assert.ok(Number.isNaN(d.truthAt(d.offsets[10])));
    assert.equal(d.start[d.offsets[10]], snaps[10].start[0]);
    assert.equal(d.end[d.nReg - 1], snaps[10].end[snaps[10].nr - 1]);
    assert.throws(() => decodeSnapshots(new ArrayBuffer(36)), /not damon-ts ui snapshot data/);
  });

  test("a malformed record gives the same one-line error as report; bad options exit 2", () => {
    const dir = tempDir("damon-ts-ui-");
    const bad = join(dir, "bad.data");
    writeFileSync(bad, '[{"kdamond_idx": 0, "records": [');
    const ui = cli(["ui", bad]);
    const report = cli(["report", "heatmap", "-i", bad]);
    assert.equal(ui.code, 2);
    assert.equal(ui.out, "");
    assert.equal(ui.err, report.err);
    assert.equal(ui.err.split("\n").length, 2, ui.err);
    assert.match(ui.err, /bad\.data/);
    const missing = cli(["ui", join(dir, "none.data")]);
    assert.equal(missing.code, 2);
    assert.match(missing.err, /none\.data: record file not found/);
    const port = cli(["ui", "--port", "70000"]);
    assert.equal(port.code, 2);
    assert.match(port.err, /--port: '70000' is not a port/);
  });
});

test("without chromium the browser tests skip with a NOTICE; under CI=true they fail", () => {
  const run = (ci: string): { code: number | null; out: string } => {
    const r = spawnSync(process.execPath, ["--import", "tsx", "--test", "test/ui/browser.test.ts"], {
      cwd: fileURLToPath(new URL("../../", import.meta.url)),
      env: {
        ...Object.fromEntries(Object.entries(process.env).filter(([k]) => k !== "NODE_TEST_CONTEXT")),
        DAMON_TS_CHROMIUM: "/nonexistent/chromium",
        CI: ci,
      },
      encoding: "utf8",
      timeout: 120_000,
    });
    return { code: r.status, out: r.stdout + r.stderr };
  };
  const local = run("");
  assert.equal(local.code, 0, local.out);
  assert.match(
    local.out,
    /NOTICE: skipping the browser tests: chromium not found at \/nonexistent\/chromium/,
  );
  assert.match(local.out, /# SKIP chromium not found/);
  const ci = run("true");
  assert.notEqual(ci.code, 0);
  assert.match(ci.out, /not ok .* chromium is present \(required when CI=true\)/);
});
