import { test } from "node:test";
import assert from "node:assert/strict";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { cli } from "./helpers.js";
import { tempDir } from "../helpers/temp.js";

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
  assert.match(info.out, /time: \[0 ns, 1\.500 s\)/);
  const wss = cli(["report", "wss", "-i", file, "--exclude_samples", "0"]);
  assert.equal(wss.code, 0, wss.err);
  assert.match(wss.out, /avr:/);
});
