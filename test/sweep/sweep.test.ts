import assert from "node:assert/strict";
import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, it } from "node:test";
import { checkCells } from "../../src/cli/sweep-cell.js";
import { defaultScheme, simpleKdamonds } from "../../src/config/kdamonds-defaults.js";
import { formatKdamonds } from "../../src/config/kdamonds-write.js";
import {
  gridCells,
  gridId,
  parseGrid,
  parseShard,
  shardCells,
  type SweepGrid,
} from "../../src/sweep/grid.js";
import { runOnWorkers } from "../../src/sweep/pool.js";
import {
  mergeTables,
  parseTable,
  SWEEP_COLUMNS,
  sweepTable,
  tableCsv,
  type SweepRow,
  type SweepTable,
} from "../../src/sweep/table.js";
import { ConfigError, FormatError, InputError } from "../../src/util/errors.js";
import { fileURLToPath } from "node:url";
import { cli } from "../cli/helpers.js";
import { tempDir } from "../helpers/temp.js";

/** The acceptance grid: 2 workloads × 3 sources × 1 attribute set × 2 seeds, tiny runs. */
const TINY = {
  workloads: ["stairs", "zigzag"],
  sources: ["vaddr", "paddr", "hwsample"],
  seeds: [1, 2],
  options: { scale: 0.005, duration: "100ms", memory: "8MiB", baseline: false },
};
const WORKER = new URL("../../src/cli/sweep-cell.ts", import.meta.url);
const ROOT = fileURLToPath(new URL("../../", import.meta.url));

function errorOf(f: () => unknown): Error {
  try {
    f();
  } catch (e) {
    return e as Error;
  }
  assert.fail("no error");
}

describe("sweep grid file", () => {
  it("expands workloads x sources x attributes x seeds in grid order, options as run arguments", () => {
    const g = parseGrid({
      ...TINY,
      attributes: [{ name: "dflt" }, { name: "fine", sample: "1ms", aggr: "20ms", "max-regions": 200 }],
    });
    const cells = gridCells(g);
    assert.equal(cells.length, 2 * 3 * 2 * 2);
    assert.deepEqual(
      cells.slice(0, 4).map((c) => [c.workload, c.source, c.attrs, c.seed]),
      [
        ["stairs", "vaddr", "dflt", 1],
        ["stairs", "vaddr", "dflt", 2],
        ["stairs", "vaddr", "fine", 1],
        ["stairs", "vaddr", "fine", 2],
      ],
    );
    // One argument per option, so a value can never be taken for an option.
    assert.deepEqual(cells[3].args, [
      "--scale=0.005",
      "--duration=100ms",
      "--memory=8MiB",
      "--no-baseline",
      "--sample=1ms",
      "--aggr=20ms",
      "--max-regions=200",
      "--seed=2",
    ]);
    assert.equal(cells[3].target, "stairs");
    assert.deepEqual(
      cells.map((c) => c.index),
      cells.map((_, i) => i),
    );
  });

  it("names the file and field of bad input", () => {
    const cases: [unknown, RegExp][] = [
      [{ ...TINY, seed: [1] }, /^g\.yaml: seed: unknown key 'seed'/],
      [{ ...TINY, workloads: [] }, /^g\.yaml: workloads: /],
      [{ ...TINY, seeds: [1, 1] }, /^g\.yaml: seeds\[1\]: 1 is listed twice/],
      [{ ...TINY, seeds: ["x"] }, /^g\.yaml: seeds\[0\]: expected number/],
      [
        { ...TINY, attributes: [{ name: "a" }, { name: "a" }] },
        /^g\.yaml: attributes\[1\]\.name: name 'a' is used twice/,
      ],
      [{ ...TINY, attributes: [{ sampel: "1ms" }] }, /^g\.yaml: attributes\[0\]\.sampel: unknown key/],
      [{ ...TINY, options: { seed: 3 } }, /^g\.yaml: options\.seed: 'seed' is a dimension of the grid/],
      [{ ...TINY, options: { json: true } }, /^g\.yaml: options\.json: 'json' does not apply/],
      // A seed is 32 bits: 2^32 would repeat seed 0.
      [{ ...TINY, seeds: [0, 2 ** 32] }, /^g\.yaml: seeds\[1\]: a seed is 32 bits: 0 to 4294967295/],
      [{ ...TINY, attributes: [{ name: "  " }] }, /^g\.yaml: attributes\[0\]\.name: a name needs a visible/],
      [{ ...TINY, attributes: [{ name: "a\nb" }] }, /^g\.yaml: attributes\[0\]\.name: /],
      // A key that smuggles a value or another option past the dimension check.
      [
        { ...TINY, options: { "sample=20ms": true } },
        /^g\.yaml: options\.sample=20ms: 'sample=20ms' is not a run option name/,
      ],
      [{ ...TINY, options: { "seed 7": true } }, /is not a run option name/],
      [{ ...TINY, options: { help: true } }, /^g\.yaml: options\.help: 'help' is not a run option/],
    ];
    for (const [data, re] of cases) {
      const e = errorOf(() => parseGrid(data, "g.yaml"));
      assert.ok(e instanceof ConfigError, String(e));
      assert.match(e.message, re);
    }
  });

  it("checks run options, workloads and sources before running, naming the cell", () => {
    const check = (over: object): Error =>
      errorOf(() => checkCells(gridCells(parseGrid({ ...TINY, ...over }, "g.yaml")), "g.yaml"));
    assert.match(
      check({ options: { memroy: "1GiB" } }).message,
      /^g\.yaml: stairs \/ vaddr \/ default: unknown option '--memroy'/,
    );
    assert.match(
      check({ sources: ["vaddr", "pdadr"] }).message,
      /^g\.yaml: stairs \/ pdadr \/ default: --ops: unknown operation set 'pdadr'/,
    );
    assert.match(check({ workloads: ["stairs", "nope"] }).message, /^g\.yaml: nope \/ vaddr \/ default: /);
    assert.match(
      check({ attributes: [{ sample: "10ms", aggr: "5ms" }] }).message,
      /^g\.yaml: stairs \/ vaddr \/ attrs1: /,
    );
    for (const e of [check({ options: { memroy: 1 } }), check({ workloads: ["nope"] })])
      assert.ok(e instanceof InputError);
    // A source is one operation set: "paddr,vaddr" would fail at its run, after others ran.
    for (const src of ["paddr,vaddr", " vaddr"])
      assert.ok(
        check({ sources: ["vaddr", src] }).message.startsWith(
          `g.yaml: stairs / ${src} / default: '${src}' is not one operation set`,
        ),
      );
    // true on an option that needs a value; a value on a switch; true where run has only --no-X.
    assert.match(
      check({ options: { memory: true } }).message,
      /^g\.yaml: stairs \/ vaddr \/ default: --memory needs a value, not true/,
    );
    assert.match(
      check({ options: { "allow-damaged-trace": 5 } }).message,
      /--allow-damaged-trace is a switch: give true or false, not '5'/,
    );
    checkCells(
      gridCells(parseGrid({ ...TINY, options: { ...TINY.options, baseline: true } }, "g.yaml")),
      "g.yaml",
    );
    checkCells(gridCells(parseGrid(TINY, "g.yaml")), "g.yaml"); // the good grid passes
  });

  it("shards partition the grid: every cell in exactly one slice, for many N", () => {
    const cells = gridCells(parseGrid({ ...TINY, seeds: [1, 2, 3, 4, 5, 6, 7] }));
    for (let n = 1; n <= 9; n++) {
      const got = Array.from({ length: n }, (_, i) => shardCells(cells, { index: i + 1, count: n }))
        .flat()
        .map((c) => c.index)
        .sort((a, b) => a - b);
      assert.deepEqual(
        got,
        cells.map((c) => c.index),
        `N=${n}`,
      );
    }
    assert.deepEqual(parseShard("2/3"), { index: 2, count: 3 });
    for (const bad of ["0/2", "3/2", "1/0", "1-2", "a/b", "", "1/99999999999999999999", "1/1000001"])
      assert.ok(errorOf(() => parseShard(bad)) instanceof InputError);
  });
});

describe("sweep merge", () => {
  const grid: SweepGrid = parseGrid(TINY);
  const row = (cell: number): SweepRow => {
    const r = Object.fromEntries(SWEEP_COLUMNS.map((c) => [c, null])) as SweepRow;
    const c = gridCells(grid)[cell];
    return {
      ...r,
      cell,
      workload: c.workload,
      source: c.source,
      attrs: c.attrs,
      seed: c.seed,
      durationNs: 1e8,
    };
  };
  const slice = (index: number, count: number, g: SweepGrid = grid): { file: string; table: SweepTable } => ({
    file: `p${index}.json`,
    table: sweepTable(
      g,
      gridId(g),
      12,
      { index, count },
      shardCells(gridCells(g), { index, count }).map((c) => row(c.index)),
    ),
  });

  it("joins every slice into the whole table, whatever the order", () => {
    const t = mergeTables([slice(3, 3), slice(1, 3), slice(2, 3)]);
    assert.equal(t.shard, null);
    assert.deepEqual(
      t.rows.map((r) => r.cell),
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it("refuses slices of another grid, a missing or repeated shard, a whole table", () => {
    const other = parseGrid({ ...TINY, seeds: [1, 3] });
    const cases: [{ file: string; table: SweepTable }[], RegExp][] = [
      [[slice(1, 2), slice(2, 2, other)], /^p2\.json: grid \w+ differs from p1\.json's grid/],
      [[slice(1, 3), slice(3, 3)], /shard\(s\) 2 of 3 missing/],
      [[slice(1, 2), slice(1, 2)], /^p1\.json: shard 1 is also in p1\.json/],
      [[slice(1, 2), slice(2, 3)], /^p2\.json: is shard of 3, p1\.json of 2/],
      [
        [{ file: "all.json", table: { ...slice(1, 1).table, shard: null } }],
        /^all\.json: holds the whole grid already/,
      ],
    ];
    for (const [slices, re] of cases) {
      const e = errorOf(() => mergeTables(slices));
      assert.ok(e instanceof FormatError);
      assert.match(e.message, re);
    }
  });

  it("refuses slices whose rows are not this grid's: a cell twice, in the wrong shard, columns missing or of the wrong type", () => {
    const bad = (edit: (t: SweepTable) => void): SweepTable => {
      const t = JSON.parse(JSON.stringify(slice(2, 2).table)) as SweepTable;
      edit(t);
      return t;
    };
    const parsed: [SweepTable, RegExp][] = [
      [bad((t) => delete (t as Partial<SweepTable>).shard), /^p2\.json: sweep table without shard/],
      [
        bad((t) => (t.shard = { index: 3, count: 2 })),
        /^p2\.json: shard: \{"index":3,"count":2\} is not a shard/,
      ],
      [bad((t) => (t.shard = { index: 1, count: 1e20 })), /is not a shard/],
      [bad((t) => ((t.rows as unknown[])[0] = 1)), /^p2\.json: rows\[0\]: not a row object/],
      [
        bad((t) => (t.rows[0] = { cell: 1 } as SweepRow)),
        /^p2\.json: rows\[0\]: column 'workload' is missing/,
      ],
      [
        bad((t) => (t.rows[0].f1 = "bogus")),
        /^p2\.json: rows\[0\]: f1: "bogus" is not what the column holds/,
      ],
      [bad((t) => ((t.rows[0] as Record<string, unknown>).extra = 1)), /unknown column 'extra'/],
      [bad((t) => (t.rows[0].cell = 99)), /cell 99 is not in the grid's 12 cells/],
      [bad((t) => (t.cells = -1)), /cells: -1 is not a cell count/],
    ];
    for (const [t, re] of parsed) assert.match(errorOf(() => parseTable(t, "p2.json")).message, re);
    // Rows that parse but do not belong: another shard's cells, a cell twice, an edited grid.
    const a = slice(1, 2);
    const wrongCells = { file: "p2.json", table: bad((t) => (t.rows = a.table.rows)) };
    assert.match(
      errorOf(() => mergeTables([a, wrongCells])).message,
      /^p2\.json: cell 0 does not belong to shard 2\/2/,
    );
    const twice = { file: "p2.json", table: bad((t) => (t.rows[1] = { ...t.rows[0] })) };
    assert.match(errorOf(() => mergeTables([a, twice])).message, /^p2\.json: cell 1 is also in p2\.json/);
    const edited = { file: "p2.json", table: bad((t) => (t.grid.seeds = [7, 8])) };
    assert.match(
      errorOf(() => mergeTables([a, edited])).message,
      /its grid or cell count differs from p1\.json's/,
    );
    // Coordinates that are not the cell's, a grid that is not one, a cell count that is not the grid's.
    const moved = { file: "p2.json", table: bad((t) => (t.rows[0].workload = "zigzag")) };
    assert.match(
      errorOf(() => mergeTables([a, moved])).message,
      /^p2\.json: cell 1 reads zigzag \/ vaddr \/ default \/ seed 2, but the grid's cell 1 is stairs \/ vaddr \/ default \/ seed 2/,
    );
    assert.match(
      errorOf(() =>
        parseTable(
          bad((t) => ((t as { grid: unknown }).grid = "x")),
          "p2.json",
        ),
      ).message,
      /^p2\.json: grid: not a grid object/,
    );
    assert.match(
      errorOf(() =>
        parseTable(
          bad((t) => (t.cells = 11)),
          "p2.json",
        ),
      ).message,
      /^p2\.json: cells: 11, but its grid has 12 cells/,
    );
    // A count past the slices given names the first missing ones, without listing a million.
    const many = (i: number) => ({
      file: `q${i}.json`,
      table: bad((t) => ((t.shard = { index: i, count: 1_000_000 }), (t.rows = []))),
    });
    assert.match(
      errorOf(() => mergeTables([many(1), many(2)])).message,
      /^shard\(s\) 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, \.\.\. of 1000000 missing \(999998\)/,
    );
  });

  it("reads only slices with this version's columns (a version 1 slice lacks the run's F1)", () => {
    const t = JSON.parse(JSON.stringify(slice(1, 2).table)) as SweepTable;
    assert.equal(parseTable(t, "p1.json").gridId, t.gridId);
    assert.deepEqual(t.columns.slice(6, 9), ["f1Active", "activeWindows", "f1Bytes"]);
    const v1 = { ...t, schema: "damon-ts/sweep/1" };
    assert.match(
      errorOf(() => parseTable(v1, "old.json")).message,
      /^old\.json: not a sweep table \(schema damon-ts\/sweep\/2/,
    );
    const fewer = { ...t, columns: t.columns.filter((c) => c !== "f1Active") };
    const e = errorOf(() => parseTable(fewer, "hand.json"));
    assert.ok(e instanceof FormatError);
    assert.match(
      e.message,
      new RegExp(
        `^hand\\.json: sweep table with other columns than this damon-ts writes \\(${SWEEP_COLUMNS.length}\\)`,
      ),
    );
  });

  it("writes CSV with a header and empty fields for null", () => {
    const t = sweepTable(grid, gridId(grid), 12, null, [{ ...row(0), workload: 'a,"b"', appSlowdown: null }]);
    const lines = tableCsv(t).trimEnd().split("\n");
    assert.equal(lines[0], t.columns.join(","));
    assert.equal(lines.length, 2);
    assert.match(lines[1], /^0,"a,""b""",vaddr,default,1,/);
  });
});

describe("sweep on worker threads", () => {
  it("a 2 x 3 x 2 grid: --shard 1/2 + --shard 2/2 + merge equals the unsharded table", async () => {
    const dir = tempDir("sweep-test-");
    const file = join(dir, "grid.json");
    writeFileSync(file, JSON.stringify(TINY));
    const g = parseGrid(TINY, file);
    const cells = gridCells(g);
    const done = new Set<number>();
    const rows = await runOnWorkers<(typeof cells)[number], SweepRow>(WORKER, cells, {
      workers: 2,
      onDone: (d) => done.add(d.index),
    });
    const whole = sweepTable(g, gridId(g), cells.length, null, rows);
    assert.equal(whole.rows.length, 12);
    assert.equal(done.size, 12);
    // Real results: every run did accesses, the scores are fractions.
    for (const r of whole.rows) {
      assert.ok(Number(r.appAccesses) > 0);
      for (const k of ["precision", "recall", "f1"] as const)
        assert.ok(Number(r[k]) >= 0 && Number(r[k]) <= 1);
      // The run's F1: null only when no window was active, else a fraction with its window count.
      if (r.f1Active === null) assert.equal(r.activeWindows, 0);
      else assert.ok(Number(r.f1Active) >= 0 && Number(r.f1Active) <= 1 && Number(r.activeWindows) > 0);
    }
    // The slices through the CLI, merged through the CLI.
    for (const s of ["1/2", "2/2"]) {
      const r = cli(["sweep", file, "--shard", s, "-j", "1", "-o", join(dir, `part${s[0]}.json`)]);
      assert.equal(r.code, 0, r.err);
    }
    const m = cli(["sweep", "merge", join(dir, "part2.json"), join(dir, "part1.json")]);
    assert.equal(m.code, 0, m.err);
    assert.deepEqual(JSON.parse(m.out), JSON.parse(JSON.stringify(whole)));
    // -o and --format after merge's arguments, as docs/sweep.md writes them (the sweep
    // command shares them and used to take them, leaving merge printing to stdout).
    const parts = [join(dir, "part2.json"), join(dir, "part1.json")];
    const toFile = cli(["sweep", "merge", ...parts, "-o", join(dir, "table.json")]);
    assert.equal(toFile.code, 0, toFile.err);
    assert.equal(toFile.out, "");
    assert.equal(readFileSync(join(dir, "table.json"), "utf8"), m.out);
    // CSV by --format, or by the output's extension; an explicit --format wins.
    const csv = cli(["sweep", "merge", ...parts, "--format", "csv"]);
    assert.equal(csv.code, 0, csv.err);
    assert.match(csv.out, /^cell,workload,source,attrs,seed,/);
    assert.equal(cli(["sweep", "merge", ...parts, "-o", join(dir, "table.csv")]).code, 0);
    assert.equal(readFileSync(join(dir, "table.csv"), "utf8"), csv.out);
    assert.equal(cli(["sweep", "merge", "--format", "json", ...parts, "-o", join(dir, "t2.csv")]).code, 0);
    assert.equal(readFileSync(join(dir, "t2.csv"), "utf8"), m.out);
    // sweep's own options are refused, and a CSV slice is named as one.
    const shardOpt = cli(["sweep", "merge", ...parts, "--shard", "1/2"]);
    assert.equal(shardOpt.code, 2);
    assert.match(shardOpt.err, /--shard: is an option of 'sweep', not of 'sweep merge'/);
    const csvSlice = cli(["sweep", "merge", join(dir, "table.csv"), parts[1]]);
    assert.equal(csvSlice.code, 2, csvSlice.err);
    assert.match(csvSlice.err, /table\.csv: a CSV table: merge reads the JSON slices/);
    const part1 = JSON.parse(readFileSync(join(dir, "part1.json"), "utf8")) as SweepTable;
    assert.deepEqual(part1.shard, { index: 1, count: 2 });
    assert.equal(part1.rows.length, 6);
  });

  it("a bad option value stops the sweep in one line with exit code 2, naming file and cell", () => {
    const dir = tempDir("sweep-test-");
    const file = join(dir, "grid.yaml");
    writeFileSync(file, "workloads: [stairs]\nsources: [vaddr]\noptions:\n  memory: lots\n");
    const r = cli(["sweep", file]);
    assert.equal(r.code, 2);
    assert.equal(r.err.trim().split("\n").length, 1, r.err);
    assert.match(r.err, /grid\.yaml: stairs \/ vaddr \/ default \/ seed 1: --memory: 'lots' is not a size/);
    assert.equal(r.out, "");
  });

  it("checks the whole grid and the output before any run, whichever slice a task runs", () => {
    const dir = tempDir("sweep-test-");
    const bad = join(dir, "bad.yaml");
    writeFileSync(bad, "workloads: [stairz]\nsources: [vaddr]\n");
    // Slice 2 of 2 holds none of the one cell: it must fail all the same (a job array's tasks agree).
    for (const shard of ["1/2", "2/2"]) {
      const r = cli(["sweep", bad, "--shard", shard, "-o", join(dir, "p.json")]);
      assert.equal(r.code, 2, `${shard}: ${r.err}`);
      assert.match(r.err, /bad\.yaml: stairz \/ vaddr \/ default: /);
    }
    const good = join(dir, "good.yaml");
    writeFileSync(good, "workloads: [stairs]\nsources: [vaddr]\noptions: {time-scale: 0.001}\n");
    const empty = cli(["sweep", good, "--shard", "2/2", "-o", join(dir, "e.json")]);
    assert.equal(empty.code, 0, empty.err);
    assert.match(empty.err, /shard 2\/2 holds none of the grid's 1 cells: an empty slice/);
    // The grid file as the output, or no name at all: refused before running (no "sweep:" progress).
    for (const out of [good, ""]) {
      const r = cli(["sweep", good, "-o", out, "--progress"]);
      assert.equal(r.code, 2, r.err);
      assert.doesNotMatch(r.err, /sweep: \[/);
      assert.equal(r.err.trim().split("\n").length, 1, r.err);
    }
  });

  it("finds relative workload files beside the grid file, and the grid's id covers their contents", () => {
    const dir = tempDir("sweep-test-");
    const cfg = readFileSync(join(ROOT, "workloads/masim/2mb.cfg"), "utf8");
    writeFileSync(join(dir, "w.cfg"), cfg.replace("5000", "20"));
    const file = join(dir, "grid.yaml");
    writeFileSync(file, "workloads: [w.cfg]\nsources: [vaddr]\noptions: {baseline: false}\n");
    // The CLI runs in the project root, not beside the grid.
    const r = cli(["sweep", file]);
    assert.equal(r.code, 0, r.err);
    const t = JSON.parse(r.out) as SweepTable;
    assert.equal(t.rows[0].workload, "w.cfg");
    assert.ok(Number(t.rows[0].appAccesses) > 0);
    const g = parseGrid({ workloads: ["w.cfg"], sources: ["vaddr"] });
    assert.equal(gridCells(g, dir)[0].target, join(dir, "w.cfg"));
    const before = gridId(g, dir);
    assert.equal(before, gridId(g, dir));
    writeFileSync(join(dir, "w.cfg"), cfg.replace("5000", "30"));
    assert.notEqual(gridId(g, dir), before, "another workload file, another grid");
  });

  it("finds a relative --kdamonds file beside the grid file, and the grid's id covers its contents", () => {
    const dir = tempDir("sweep-test-");
    const kd = (sampleUs: number): string =>
      formatKdamonds(
        simpleKdamonds({ targetPid: 1, sampleUs, aggrUs: 20 * sampleUs, schemes: [defaultScheme("stat")] }),
        "yaml",
      );
    writeFileSync(join(dir, "k.yaml"), kd(1000));
    const file = join(dir, "grid.yaml");
    writeFileSync(
      file,
      "workloads: [stairs]\nsources: [vaddr]\noptions: {kdamonds: k.yaml, time-scale: 0.002, baseline: false}\n",
    );
    // The CLI runs in the project root, where no k.yaml is.
    const r = cli(["sweep", file]);
    assert.equal(r.code, 0, r.err);
    assert.ok(Number((JSON.parse(r.out) as SweepTable).rows[0].appAccesses) > 0);
    const g = parseGrid({ workloads: ["stairs"], sources: ["vaddr"], options: { kdamonds: "k.yaml" } });
    assert.ok(gridCells(g, dir)[0].args.includes(`--kdamonds=${join(dir, "k.yaml")}`));
    const abs = parseGrid({ workloads: ["stairs"], sources: ["vaddr"], options: { kdamonds: "/x/k.yaml" } });
    assert.ok(gridCells(abs, dir)[0].args.includes("--kdamonds=/x/k.yaml"));
    const before = gridId(g, dir);
    assert.equal(before, gridId(g, dir));
    writeFileSync(join(dir, "k.yaml"), kd(2000));
    assert.notEqual(gridId(g, dir), before, "another kdamonds file, another grid");
    // A change in the middle of a large file, its size kept: the whole file counts.
    const pad = `# ${"x".repeat(100_000)}\n`;
    writeFileSync(join(dir, "k.yaml"), pad + kd(1000) + pad);
    const big = gridId(g, dir);
    writeFileSync(join(dir, "k.yaml"), pad + kd(3000) + pad);
    assert.notEqual(gridId(g, dir), big, "a change past the first and last 64 KiB");
  });

  it("a run with no aggregation window has empty scores, not zeros", () => {
    const dir = tempDir("sweep-test-");
    const file = join(dir, "short.yaml");
    writeFileSync(
      file,
      "workloads: [stairs]\nsources: [vaddr]\noptions: {duration: 50ms, baseline: false}\n",
    );
    const r = cli(["sweep", file]);
    assert.equal(r.code, 0, r.err);
    const row = (JSON.parse(r.out) as SweepTable).rows[0];
    for (const k of [
      "f1",
      "precision",
      "recall",
      "freqError",
      "nrRegionsMin",
      "trueHotPiecesMedian",
    ] as const)
      assert.equal(row[k], null, k);
    assert.ok(Number(row.appAccesses) > 0, "the counts stay");
  });
});
