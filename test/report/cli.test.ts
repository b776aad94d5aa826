/** The `damon-ts report` / `adjust` commands with damo's option names, end to end. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { tmpdir } from "node:os";
import { fileURLToPath } from "node:url";
import { peerPath, peerSkip } from "../helpers/peer.js";

const here = dirname(fileURLToPath(import.meta.url));
const MAIN = resolve(here, "../../src/cli/main.ts");
const PEER = peerPath("damo-report");
const skip = peerSkip("damo-report");
const TSX = import.meta.resolve("tsx");

function run(args: string[], cwd = process.cwd()): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, ["--import", TSX, MAIN, ...args], {
    cwd,
    encoding: "utf8",
    maxBuffer: 1 << 26,
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const expected = (n: string): string => readFileSync(join(PEER, "expects", n), "utf8");

void test("report wss with damo's options and default input (run in the record's folder)", { skip }, () => {
  const r = run(["report", "wss", "-r", "1", "101", "1", "--raw_number"], PEER);
  assert.equal(r.code, 0, r.err);
  assert.equal(r.out, expected("report-wss"));
});

void test("report access --style detailed and --raw_form on perf script text", { skip }, () => {
  const d = run([
    "report",
    "access",
    "--input",
    join(PEER, "damon.data.snapshot.anon"),
    "--style",
    "detailed",
  ]);
  assert.equal(d.code, 0, d.err);
  assert.equal(d.out, expected("report-detailed-anon"));
  const p = run(["report", "access", "--raw_form", "--input", join(PEER, "perf.data.script")]);
  assert.equal(p.out, expected("report-raw_perf_script"));
});

void test("adjust then report, and heatmap images", { skip }, () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-cli-"));
  try {
    const out = join(dir, "damon.adjusted.data");
    const a = run(["adjust", "--aggregate_interval", "1000000", "-i", join(PEER, "damon.data"), "-o", out]);
    assert.equal(a.code, 0, a.err);
    assert.equal(statSync(out).mode & 0o777, 0o600);
    const r = run(["report", "access", "--raw_form", "--input", out]);
    assert.equal(r.out, expected("report-aggr_1s_raw"));
    for (const ext of ["png", "svg"]) {
      const img = join(dir, `heat.${ext}`);
      const h = run([
        "report",
        "heatmap",
        "--input",
        join(PEER, "damon.data"),
        "--output",
        img,
        "--resol",
        "50",
        "60",
      ]);
      assert.equal(h.code, 0, h.err);
      assert.match(h.out, /drew address range 1 of 3/);
      const head = readFileSync(img).subarray(0, 5).toString("latin1");
      assert.equal(head, ext === "png" ? "\x89PNG\r" : "<svg ");
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

void test("bad input: one line on stderr, exit code 2", { skip }, () => {
  const noIntervals = run(["report", "access", "--input", join(PEER, "damon.data")]);
  assert.equal(noIntervals.code, 2);
  assert.match(noIntervals.err, /^damon-ts: .*intervals information.*\n$/);
  const missing = run(["report", "wss", "--input", join(PEER, "no-such-file")]);
  assert.equal(missing.code, 2);
  assert.match(missing.err, /no-such-file: record file not found\n$/);
  const badImage = run(["report", "heatmap", "--input", join(PEER, "damon.data"), "--output", "x.gif"]);
  assert.equal(badImage.code, 2);
  assert.match(badImage.err, /unsupported image type/);
});

void test("report heatmap writes PNG and SVG files (their writers loaded on demand)", () => {
  const dir = mkdtempSync(join(tmpdir(), "damon-ts-heatmap-image-"));
  try {
    const input = resolve(here, "../fixtures/probes/damon.data");
    for (const [name, head] of [
      ["h.png", "\x89PNG"],
      ["h.svg", "<svg"],
    ] as const) {
      const file = join(dir, name);
      const r = run(["report", "heatmap", "-i", input, "--output", file]);
      assert.equal(r.code, 0, r.err);
      assert.match(
        r.err,
        new RegExp(`wrote ${file.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")} \\(5 snapshots drawn`),
      );
      assert.ok(readFileSync(file, "latin1").includes(head), `${name} starts as its format does`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
