import assert from "node:assert/strict";
import { describe, it } from "node:test";
import { preparedRunFromOptions } from "../../src/cli/commands/run.js";
import { checkCells, cellOptions } from "../../src/cli/sweep-cell.js";
import { opsNames, findOps } from "../../src/ops/registry.js";
import { gridCells, parseGrid } from "../../src/sweep/grid.js";
import { ConfigError, UsageError } from "../../src/util/errors.js";
import { cli } from "./helpers.js";

/** `run`'s options parsed by its own parser from `--name=value` arguments, then checked as a run does. */
function prepare(workload: string, ops: string[], args: string[]): void {
  preparedRunFromOptions(workload, cellOptions(args, "test"), ops);
}

function usageError(f: () => unknown): UsageError {
  try {
    f();
  } catch (e) {
    assert.ok(e instanceof UsageError, String(e));
    return e;
  }
  assert.fail("no error");
}

const SMALL = ["--memory=64MiB", "--scale=0.01"];

describe("options only some runs read", () => {
  it("an access source's option is refused when no operation set of the run reads it", () => {
    const cases: [string, string, RegExp][] = [
      ["--ptscan-budget=4096", "--ptscan-budget", /only ptscan reads it, and this run has vaddr/],
      ["--hwsample-period=7", "--hwsample-period", /only hwsample, hwsample-vaddr read it/],
      ["--fault-keep-armed", "--fault-keep-armed", /only vaddr-fault, paddr-fault read it/],
      ["--hinting=partial", "--hinting", /vaddr-fault, paddr-fault read it \(and --numa-balancing\)/],
    ];
    for (const [arg, flag, re] of cases) {
      const e = usageError(() => prepare("stairs", ["vaddr"], [...SMALL, arg]));
      assert.equal(e.where, flag);
      assert.match(e.message, re);
    }
  });

  it("each is accepted when one of the run's operation sets reads it, and by default", () => {
    prepare("stairs", ["ptscan"], [...SMALL, "--ptscan-budget=4096"]);
    prepare("stairs", ["vaddr", "hwsample"], [...SMALL, "--hwsample-period=7"]);
    prepare("stairs", ["paddr-fault"], [...SMALL, "--fault-keep-armed", "--hinting=partial"]);
    // NUMA balancing's faults go through the same framework.
    prepare("stairs", ["vaddr"], [...SMALL, "--hinting=partial", "--numa-balancing=on"]);
    for (const ops of opsNames().filter((x) => !findOps(x)!.fixedRegions)) prepare("stairs", [ops], SMALL);
  });

  it("every option a descriptor takes is one the check knows (a new source option cannot slip past)", () => {
    const known = new Set(["hintingMode", "faultKeepArmed", "hwsamplePeriod", "ptscanBudget"]);
    for (const x of opsNames())
      for (const k of findOps(x)!.takes ?? []) assert.ok(known.has(k), `${x}: ${k}`);
  });

  it("trace options are refused for a workload that is not a trace", () => {
    for (const arg of ["--loop=2", "--ns-per-insn=1", "--allow-damaged-trace", "--decode-ahead=off"]) {
      const e = usageError(() => prepare("stairs", ["vaddr"], [...SMALL, arg]));
      assert.equal(e.where, arg.split("=")[0]);
      assert.match(e.message, /applies to trace:FILE workloads \(a replay\), not to 'stairs'/);
    }
  });

  it("tiering options are refused without the tiering preset, and taken with it", () => {
    for (const arg of ["--fast-memory=32MiB", "--start-tier=slow"]) {
      const e = usageError(() => prepare("stairs", ["paddr"], [...SMALL, arg]));
      assert.equal(e.where, arg.split("=")[0]);
      assert.match(e.message, /tiering preset \(--preset tiering\) only/);
      usageError(() => prepare("stairs", ["paddr"], [...SMALL, "--preset=reclaim", arg]));
      prepare("stairs", ["paddr"], [...SMALL, "--preset=tiering", arg]);
    }
  });

  it("a sweep grid giving a source's option to a cell whose source does not read it fails before any run", () => {
    const grid = {
      workloads: ["stairs"],
      sources: ["ptscan", "vaddr"],
      options: { scale: 0.01, memory: "64MiB", "ptscan-budget": 4096 },
    };
    assert.throws(
      () => checkCells(gridCells(parseGrid(grid, "g.yaml")), "g.yaml"),
      (e: unknown) =>
        e instanceof ConfigError &&
        /^g\.yaml: stairs \/ vaddr \/ default: --ptscan-budget: only ptscan reads it/.test(e.message),
    );
    checkCells(gridCells(parseGrid({ ...grid, sources: ["ptscan"] }, "g.yaml")), "g.yaml");
  });

  it("says where the operation sets came from when --ops did not choose them", () => {
    const e = usageError(() =>
      prepare("stairs", ["vaddr"], [...SMALL, "--preset=reclaim", "--ptscan-budget=4096"]),
    );
    assert.equal(e.message, "--ptscan-budget: only ptscan reads it, and this run has vaddr (--ops)");
    const implicit = usageError(() =>
      preparedRunFromOptions(
        "stairs",
        cellOptions([...SMALL, "--preset=reclaim", "--ptscan-budget=4096"], "t"),
        ["vaddr"],
        false,
      ),
    );
    assert.match(implicit.message, /this run has paddr \(the DAMOS setup's choice\)$/);
  });

  it("an empty --kdamonds is refused naming it (it was taken for a missing --preset)", () => {
    const e = usageError(() => prepare("stairs", ["vaddr"], [...SMALL, "--kdamonds="]));
    assert.equal(e.message, "--kdamonds: the file name is empty");
  });

  it("a sweep grid: tiering options are refused before any run without preset tiering; false for a switch is its default", () => {
    const grid = {
      workloads: ["stairs"],
      sources: ["paddr"],
      options: { scale: 0.01, "fast-memory": "16MiB" },
    };
    assert.throws(
      () => checkCells(gridCells(parseGrid(grid, "g.yaml")), "g.yaml"),
      (e: unknown) =>
        e instanceof ConfigError && /^g\.yaml: stairs \/ paddr \/ default: --fast-memory: /.test(e.message),
    );
    checkCells(
      gridCells(parseGrid({ ...grid, options: { ...grid.options, preset: "tiering" } }, "g.yaml")),
      "g.yaml",
    );
    // `fault-keep-armed: false` is the default: no --no-fault-keep-armed error, nothing given for vaddr.
    const off = {
      workloads: ["stairs"],
      sources: ["vaddr"],
      options: { "fault-keep-armed": false, "allow-damaged-trace": false },
    };
    checkCells(gridCells(parseGrid(off, "g.yaml")), "g.yaml");
    assert.equal(cellOptions(["--no-fault-keep-armed"], "t").faultKeepArmed, undefined);
  });

  it("the CLI says so in one line with exit code 2", () => {
    const r = cli(["run", "stairs", "--ops", "vaddr", "--ptscan-budget", "4096", ...SMALL]);
    assert.equal(r.code, 2);
    assert.equal(r.err, "damon-ts: --ptscan-budget: only ptscan reads it, and this run has vaddr (--ops)\n");
    assert.equal(r.out, "");
  });

  // With --ui the server starts before the options are checked; its URL used to be
  // printed first all the same, for a run that never came.
  it("with --ui, a refused option prints the error alone: no URL of a UI that shows nothing", () => {
    for (const cmd of ["run", "compare"]) {
      const r = cli([cmd, "stairs", "--ui", "--ops", "vaddr", "--ptscan-budget", "4096", ...SMALL]);
      assert.equal(r.code, 2, r.err);
      assert.equal(r.out, "", cmd);
      assert.match(r.err, /^damon-ts: --ptscan-budget: only ptscan reads it/);
    }
  });
});
