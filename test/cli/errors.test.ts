/**
 * One rule for every command (CONVENTIONS.md "Errors and exit codes"): usage
 * errors exit 2, runtime failures 1, each as one line on stderr naming the
 * problem — never a raw Node message or a temporary file name.
 */
import assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { cli } from "./helpers.js";
import { tempDir } from "../helpers/temp.js";
import { writeRecords } from "../../src/record/write.js";
import { emptyRecord, makeSnapshot } from "../../src/record/model.js";

function oneLine(r: { code: number; err: string }, code: number, pattern: RegExp): void {
  assert.equal(r.code, code, r.err);
  const lines = r.err.trim().split("\n");
  assert.equal(lines.length, 1, `one line, got: ${r.err}`);
  assert.match(lines[0], pattern);
  assert.doesNotMatch(r.err, /E[A-Z]+: |\.tmp-\d+|at .*\.ts:\d+/, "no raw Node message");
}

/** A small damo record of `n` snapshots. */
function record(path: string, n = 3): void {
  const rec = emptyRecord("0", { sampleUs: 5000, aggrUs: 100000, updateUs: 1000000, goal: null });
  for (let i = 0; i < n; i++)
    rec.snapshots.push(
      makeSnapshot(i * 1e8, (i + 1) * 1e8, [{ start: 4096, end: 8192, nrAccesses: i, age: 1 }]),
    );
  writeRecords(path, [rec]);
}

// fails before configureCommandTree: the subcommands exited 1 (exitOverride was set after they were made)
test("usage errors exit 2 at every level, one line naming the command", () => {
  oneLine(cli(["--bogus"]), 2, /^damon-ts: unknown option '--bogus'/);
  oneLine(cli(["report", "wsss"]), 2, /^damon-ts report: unknown command 'wsss' \(Did you mean wss\?\)/);
  oneLine(cli(["report", "access", "--style", "bogus"]), 2, /--style.*'bogus' is invalid.*detailed/);
  oneLine(cli(["run", "stairs", "--style", "bogus"]), 2, /^damon-ts run: unknown option '--style'/);
  oneLine(cli(["trace", "capture"]), 2, /^damon-ts trace capture: required option '-o, --output <file>'/);
  const help = cli(["report", "wss", "--help"]);
  assert.equal(help.code, 0);
});

// fails before: `--version` was an unknown option
test("--version prints the package version", () => {
  const r = cli(["--version"]);
  assert.equal(r.code, 0, r.err);
  const pkg = JSON.parse(readFileSync(new URL("../../package.json", import.meta.url), "utf8")) as {
    version: string;
  };
  assert.equal(r.out.trim(), pkg.version);
});

// fails before: raw EISDIR / ENOENT, and the temporary file's name
test("no raw Node messages: folders, missing files, missing output folders", () => {
  oneLine(cli(["report", "wss", "-i", "/tmp"]), 2, /\/tmp: is a folder, not a record file/);
  oneLine(cli(["trace", "info", "nope.dtrace"]), 2, /nope\.dtrace: trace file not found/);
  oneLine(
    cli(["run", "stairs", "--record", "/nonexistent/dir/x.data", "--scale", "0.02", "--no-baseline"]),
    2,
    /--record: cannot write \/nonexistent\/dir\/x\.data: folder \/nonexistent\/dir does not exist/,
  );
});

// fails before: the whole file was quoted, --nodes was blamed, --tier/--threads were ignored
test("messages name the option the user gave and quote at most an excerpt", () => {
  const dir = tempDir("damon-ts-err-");
  const big = join(dir, "notarecord.txt");
  writeFileSync(big, "hello ".repeat(20000));
  const k = cli(["run", "stairs", "--kdamonds", big]);
  oneLine(k, 2, /notarecord\.txt: .*expected object, got string "hello hello.*…" \(120001 chars\)/);
  assert.ok(k.err.length < 300, `short message, got ${k.err.length} chars`);
  oneLine(
    cli(["run", "stairs", "--memory", "10"]),
    2,
    /^damon-ts: --memory: '10' is less than one 4 KiB page/,
  );
  oneLine(cli(["run", "stairs", "--tier", "1GiB,2GiB", "--memory", "1GiB"]), 2, /--tier: .*drop --memory/);
  oneLine(cli(["run", "stairs", "--threads", "4"]), 2, /--threads: 'stairs' .*applies to .*stairs-mt/);
  oneLine(
    cli(["fidelity", "stiars"]),
    2,
    /stiars: no such workload file; choose one of stairs, zigzag, .*stairs_30secs/,
  );
});

// fails before: report access had only --input; adjust overwrote its input silently and said nothing
test("report access -i; adjust refuses to overwrite its input and announces what it wrote", () => {
  const dir = tempDir("damon-ts-adj-");
  const st = join(dir, "st.data");
  record(st, 3);
  const acc = cli(["report", "access", "-i", st, "--raw_form"]);
  assert.equal(acc.code, 0, acc.err);
  assert.match(acc.out, /nr_accesses|0000000000001000/);

  const before = readFileSync(st);
  oneLine(cli(["adjust", "-i", st, "-o", st]), 2, /--output: .*st\.data is also the input/);
  assert.deepEqual(readFileSync(st), before, "the input is untouched");

  const out = join(dir, "out.data");
  const a = cli(["adjust", "-i", st, "-o", out]);
  assert.equal(a.code, 0, a.err);
  assert.equal(
    a.err.trim(),
    `wrote ${out} (3 snapshots, ${statSync(out).size} B); an unchanged copy: no --aggregate_interval given`,
  );
  const b = cli(["adjust", "-i", st, "-o", out, "--aggregate_interval", "200000", "--skip", "0"]);
  assert.equal(b.code, 0, b.err);
  assert.match(b.err, new RegExp(`^overwrote ${out} \\(\\d+ snapshots?, \\d+ B\\)\\n$`));
});

test("record -o announces the file, and says when it overwrote one", () => {
  const dir = tempDir("damon-ts-rec-");
  const file = join(dir, "damon.data");
  const args = [
    "record",
    "stairs",
    "--scale",
    "0.02",
    "--duration",
    "1s",
    "--no-baseline",
    "--no-heatmap",
    "-o",
    file,
  ];
  const first = cli(args);
  assert.equal(first.code, 0, first.err);
  assert.match(first.err, new RegExp(`^wrote ${file} \\(\\d+ snapshots, [\\d.]+ (?:B|KiB|MiB)\\)$`, "m"));
  const second = cli(args);
  assert.match(
    second.err,
    new RegExp(`^overwrote ${file} \\(\\d+ snapshots, [\\d.]+ (?:B|KiB|MiB)\\)$`, "m"),
  );
});

test("a workload region bigger than the address space: one line naming the workload, the region and the room left", () => {
  // tiny-hot's space is 64 GiB × --scale: 128 TiB at 2048, the whole of x86-64 user space.
  const r = cli(["run", "tiny-hot", "--scale", "2048", "--memory", "64TiB", "--no-baseline"]);
  assert.equal(r.code, 2);
  assert.equal(r.out, "");
  assert.equal(r.err.trim().split("\n").length, 1, r.err);
  assert.match(
    r.err.trim(),
    /^damon-ts: workload tiny-hot: region 'space' \(128\.0 TiB\): mmap: no room for 128\.0 TiB: the largest free range .* is \d+\.\d TiB \(--scale sets the regions' sizes\)$/,
  );
});
