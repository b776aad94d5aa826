import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "./helpers.js";
import { tempDir } from "../helpers/temp.js";

/* eslint-disable no-control-regex -- the tests look for terminal escapes */
function assertOneLineError(r: { code: number; err: string }, pattern: RegExp): void {
  assert.equal(r.code, 2, r.err);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got: ${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /at .*\.ts:\d+/, "no stack trace");
}

test("run: a malformed masim config names the file and line, exit 2", () => {
  const dir = tempDir("damon-ts-cli-");
  const cfg = join(dir, "bad.cfg");
  writeFileSync(cfg, "a, 4096\n\nphase\n1000\nb, 0, 4096, 1\n");
  assertOneLineError(cli(["run", cfg]), /bad\.cfg:5.*'b'/);
});

test("run: an unknown workload lists the built-ins, exit 2", () => {
  assertOneLineError(cli(["run", "no-such-workload"]), /unknown workload 'no-such-workload'.*stairs/);
});

test("run: negative and unit-less durations are refused, exit 2", () => {
  assertOneLineError(cli(["run", "stairs", "--duration", "-5s"]), /--duration: '-5s' is negative/);
  assertOneLineError(cli(["run", "stairs", "--duration", "5"]), /--duration: '5' needs a unit/);
  assertOneLineError(cli(["run", "stairs", "--sample", "10ms", "--aggr", "5ms"]), /sample interval exceeds/);
  assertOneLineError(cli(["run", "stairs", "--ops", "vaddr,nope"]), /unknown operation set 'nope'/);
});

test("run --json: a short stairs run reports convergence and the documented schema", () => {
  const r = cli([
    "run",
    "stairs",
    "--scale",
    "0.1",
    "--duration",
    "2s",
    "--tlb",
    "off",
    "--no-baseline",
    "--json",
  ]);
  assert.equal(r.code, 0, r.err);
  const j = JSON.parse(r.out) as {
    schema: string;
    runs: { ops: string; summary: { convergence: unknown[]; f1: number }; windows: unknown[] }[];
  };
  assert.equal(j.schema, "damon-ts/run/1");
  assert.equal(j.runs[0].ops, "vaddr");
  assert.ok(Array.isArray(j.runs[0].summary.convergence));
  assert.ok(j.runs[0].windows.length >= 15);
});

test("record writes a damo record that report reads back", () => {
  const dir = tempDir("damon-ts-rec-");
  const file = join(dir, "damon.data");
  const r = cli(["record", "stairs", "--scale", "0.05", "--no-baseline", "--no-heatmap", "-o", file]);
  assert.equal(r.code, 0, r.err);
  const info = cli(["report", "record_info", "-i", file]);
  assert.equal(info.code, 0, info.err);
  // absolute times, as damo 3.3 prints them (the span starts at the oldest age); 1.5 s long
  assert.match(info.out, /time: \[-?[0-9.]+ m?s, [0-9.]+ m?s\) \(1\.500 s\)/);
  const wss = cli(["report", "wss", "-i", file, "--exclude_samples", "0"]);
  assert.equal(wss.code, 0, wss.err);
  assert.match(wss.out, /avr:/);
});

// fails before the summary: the table came with no plain-language reading, and the
// heatmap's colour escapes went to a pipe
test("run: a summary of what DAMON found before the table; no colour or progress on a pipe", () => {
  const args = [
    "run",
    "stairs",
    "--scale",
    "0.05",
    "--ops",
    "vaddr,paddr",
    "--memory",
    "256MiB",
    "--no-baseline",
  ];
  const r = cli(args, { env: { NO_COLOR: undefined, FORCE_COLOR: undefined } });
  assert.equal(r.code, 0, r.err);
  const summary = r.out.indexOf("What DAMON found: stairs keeps a working set of about");
  const table = r.out.indexOf("Accuracy against the exact truth");
  assert.ok(summary > 0 && summary < table, r.out);
  assert.match(r.out, /vaddr did (well|fairly well|poorly): hot-set F1 [01]\.\d\d/);
  assert.match(r.out, /\n\(paddr watches all 256\.0 MiB of physical memory/);
  assert.doesNotMatch(r.out, /\x1b\[/, "no ANSI escapes when stdout is not a terminal");
  // The only stderr lines allowed are the miss warnings (a source that missed most of the hot set).
  const notWarnings = r.err
    .split("\n")
    .filter((l) => l !== "" && !/^warning: \S+ missed most of the hot set/.test(l));
  assert.deepEqual(notWarnings, [], "no progress when stderr is not a terminal");
  assert.doesNotMatch(r.err, /\r/, "no carriage-return progress lines");
});

test("run: FORCE_COLOR colours the heatmap on a pipe; NO_COLOR alone does not", () => {
  const args = ["run", "stairs", "--scale", "0.02", "--duration", "1s", "--no-baseline"];
  const forced = cli(args, { env: { FORCE_COLOR: "1", NO_COLOR: undefined } });
  assert.equal(forced.code, 0, forced.err);
  assert.match(forced.out, /\x1b\[48;5;/);
  const no = cli(args, { env: { NO_COLOR: "1", FORCE_COLOR: undefined } });
  assert.doesNotMatch(no.out, /\x1b\[/);
});
