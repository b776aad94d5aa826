/**
 * `damon-ts fidelity <workload>`: the same workload and DAMON configuration on a real
 * kernel (qemu guest) and in the simulator, compared side by side (docs/fidelity.md).
 */
import type { Command } from "commander";
import { readKdamondsFile } from "../../config/kdamonds.js";
import { FIDELITY_SCHEMA, runFidelity, type FidelityReport } from "../../fidelity/run.js";
import { fidelityWorkload } from "../../fidelity/shapes.js";
import { formatSz } from "../../record/damo-fmt.js";
import { UsageError } from "../../util/errors.js";
import { parseCount, parseSeed } from "../../util/units.js";
import { JobFailed } from "../run-cli.js";

interface FidelityOpts {
  kdamonds?: string;
  seed: string;
  sizeScale: string;
  timeScale: string;
  excludeSamples: string;
  tolerance: string;
  memory: string;
  cacheDir?: string;
  json?: boolean;
  check?: boolean;
}

function positive(text: string, flag: string): number {
  const v = Number(text);
  if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`${flag} takes a positive number, got '${text}'`);
  return v;
}

const sz = (v: number | null): string => (v === null ? "-" : formatSz(v, false));
const pct = (v: number | null): string => (v === null ? "-" : `${(v * 100).toFixed(1)}%`);

/** The side-by-side table. */
export function fidelityTable(r: FidelityReport): string {
  const out: string[] = [];
  const row = (a: string, k: string, s: string, note = "") =>
    out.push(`${a.padEnd(24)}${k.padStart(16)}  ${s.padStart(16)}${note ? `  ${note}` : ""}`);
  const a = r.attrs;
  out.push(
    `workload ${r.workload.name}: ${r.workload.regions.length} regions, ${r.workload.phases.length} phases, ${(r.workload.durationMs / 1000).toFixed(1)} s`,
  );
  out.push(
    `attrs: sample ${a.sampleUs / 1000} ms, aggr ${a.aggrUs / 1000} ms, update ${a.updateUs / 1000} ms, regions ${a.minNrRegions}..${a.maxNrRegions}; seed ${r.seed}`,
  );
  row("", `kernel ${r.kernelVersion.split("+")[0]}`, "simulator");
  row("snapshots", String(r.sides.kernel.snapshots), String(r.sides.simulator.snapshots));
  const iv = (v: number | null) => (v === null ? "-" : `${v.toFixed(1)} ms`);
  row("snapshot interval", iv(r.sides.kernel.meanIntervalMs), iv(r.sides.simulator.meanIntervalMs));
  r.wss.percentiles.forEach((p, i) => row(`wss p${p}`, sz(r.wss.kernel[i]), sz(r.wss.simulator[i])));
  out.push(
    `  simulator's median wss differs from the kernel's by ${pct(r.wss.medianDiff)} of the kernel's (tolerance ${pct(r.checks.wssTolerance)}): ${r.checks.wssWithin ? "ok" : "FAIL"}; first ${r.wss.excludeSamples} snapshots excluded, regions with nr_accesses >= 1`,
  );
  const nr = (x: FidelityReport["nrRegions"]["kernel"]) => (x ? `${x.min}/${x.median}/${x.max}` : "-");
  row("nr_regions min/med/max", nr(r.nrRegions.kernel), nr(r.nrRegions.simulator));
  row(
    "  within bounds",
    pct(r.nrRegions.kernel?.withinBounds ?? null),
    pct(r.nrRegions.simulator?.withinBounds ?? null),
    r.checks.nrRegionsWithin ? "ok" : "FAIL (every snapshot must be within bounds)",
  );
  out.push("hottest region per phase (settled snapshots; share agreeing):");
  for (const p of r.phases) {
    const side = (x: { hottest: string | null; agreement: number; snapshots: number }) =>
      `${x.hottest ?? "-"} ${Math.round(x.agreement * 100)}% of ${x.snapshots}`;
    const mark =
      p.expected === null
        ? "(not judged: no single hot region)"
        : `${p.same ? "same" : "DIFFERENT"}; workload's: ${p.expected}${p.kernelAsExpected && p.simulatorAsExpected ? "" : " (MISSED)"}`;
    row(`  ${p.phase}`, side(p.kernel), side(p.simulator), mark);
  }
  out.push(
    `  same hot region in all ${r.checks.judgedPhases} judged phases: ${r.checks.hotSame ? "ok" : "FAIL"}`,
  );
  out.push(
    `  both sides find the workload's hot region in all ${r.checks.judgedPhases} judged phases: ${r.checks.hotExpected ? "ok" : "FAIL"}`,
  );
  const h = r.heatmap;
  const f3 = (v: number | null) => (v === null ? "-" : v.toFixed(3));
  out.push(
    `heatmap similarity (${h.rows} x ${h.cols} grid, ${h.binMs} ms x workload-region columns, ${h.cells} cells): Pearson ${f3(h.pearson)}, 1-L1 ${f3(h.l1Similarity)}`,
  );
  out.push(
    `  phase-aligned time: Pearson ${f3(h.phaseAligned.pearson)}, 1-L1 ${f3(h.phaseAligned.l1Similarity)}`,
  );
  for (const s of r.schemes) {
    out.push(`scheme ${s.index} (${s.action}):`);
    const f = (x: number | undefined, bytes: boolean) => (x === undefined ? "-" : bytes ? sz(x) : String(x));
    row("  nr_tried", f(s.kernel?.nrTried, false), f(s.simulator.nrTried, false));
    row("  sz_tried", f(s.kernel?.szTried, true), f(s.simulator.szTried, true));
    row("  nr_applied", f(s.kernel?.nrApplied, false), f(s.simulator.nrApplied, false));
    row("  sz_applied", f(s.kernel?.szApplied, true), f(s.simulator.szApplied, true));
  }
  const t = r.timings;
  out.push(
    `time: guest ${(t.guestMs / 1000).toFixed(1)} s, simulator ${(t.simulatorMs / 1000).toFixed(1)} s, compare ${(t.compareMs / 1000).toFixed(2)} s`,
  );
  out.push(`result: ${r.checks.pass ? "PASS" : "FAIL"}`);
  return out.join("\n");
}

export function registerFidelity(program: Command): void {
  program
    .command("fidelity")
    .description("run a workload on a real kernel's DAMON (qemu guest) and in the simulator; compare")
    .argument(
      "<workload>",
      "stairs or zigzag (shapes scaled for emulation), or a masim config file, or the name of one in workloads/masim",
    )
    .option(
      "--kdamonds <file>",
      "damo kdamonds configuration for both sides (one vaddr context; schemes allowed)",
    )
    .option("--seed <n>", "simulator seed", "1")
    .option("--size-scale <x>", "multiply the workload's region sizes", "1")
    .option("--time-scale <x>", "multiply the workload's phase durations", "1")
    .option(
      "--exclude-samples <n>",
      "snapshots dropped before the WSS percentiles (as damo report wss)",
      "20",
    )
    .option("--tolerance <x>", "allowed relative difference of the median WSS", "0.15")
    .option("--memory <MiB>", "guest memory in MiB", "512")
    .option("--cache-dir <dir>", "where the kernel image and workload binary are cached")
    .option(
      "--check",
      "exit 1 unless the median WSS agrees, every judged phase has the workload's hot region on both sides, and region counts stay within bounds",
    )
    .option("--json", `print the comparison as JSON (schema "${FIDELITY_SCHEMA}")`)
    .action(async (workload: string, o: FidelityOpts) => {
      const w = fidelityWorkload(workload, {
        sizeScale: positive(o.sizeScale, "--size-scale"),
        timeScale: positive(o.timeScale, "--time-scale"),
      });
      const r = await runFidelity({
        workload: w,
        kdamonds: o.kdamonds ? readKdamondsFile(o.kdamonds) : undefined,
        seed: parseSeed(o.seed, "--seed"),
        excludeSamples: parseCount(o.excludeSamples, "--exclude-samples"),
        wssTolerance: positive(o.tolerance, "--tolerance"),
        vm: { cacheDir: o.cacheDir, memoryMiB: parseCount(o.memory, "--memory") },
        progress: (m) => process.stderr.write(`${m}\n`),
      });
      console.log(o.json ? JSON.stringify(r, null, 2) : fidelityTable(r));
      if (o.check && !r.checks.pass)
        throw new JobFailed("the kernel and the simulator disagree (see the table)");
    });
}
