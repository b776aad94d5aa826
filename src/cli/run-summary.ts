/**
 * The plain-language summary `run` prints before its tables: what DAMON found (the
 * working set it followed), how well each access source did against the exact truth,
 * and at what cost — and, when a physical-address source ran, why it looks worse.
 */
import type { ResultData } from "../eval/experiment.js";
import { PTSCAN_REGIONS_PER_EXTENT } from "../ops/ptscan.js";
import { fmtBytes, fmtNs, fmtPct } from "./table.js";
import { maxOf } from "../util/extremes.js";

/** Bytes DAMON monitored in a run: the regions of its first target at the last window. */
export function monitoredBytes(r: ResultData): number {
  const last = r.snapshots.at(-1);
  return (last?.targets[0]?.regions ?? []).reduce((s, x) => s + (x.end - x.start), 0);
}

function grade(f1: number): string {
  if (f1 >= 0.9) return "well";
  if (f1 >= 0.7) return "fairly well";
  return "poorly";
}

function followed(r: ResultData): string {
  const c = r.summary.convergence;
  if (c.length === 0) return "";
  const missed = c.filter((x) => x.windows === null).length;
  if (missed > 0) return `, and never caught up after ${missed} of ${c.length} phase changes`;
  const worst = maxOf(c.map((x) => x.windows!));
  return `, caught up within ${worst} aggregation window${worst === 1 ? "" : "s"} after every phase change`;
}

/**
 * One sentence per run: how well it found the hot memory, its WSS, and the cost. The
 * grade is the run's F1 (over the active windows, docs/metrics.md), never the plain
 * mean, which scores a window with nothing hot as 1.
 */
export function runSentence(r: ResultData): string {
  const s = r.summary;
  const rest =
    `working set ${fmtBytes(s.estWssMedianBytes)} against a true ${fmtBytes(s.trueWssMedianBytes)}` +
    `${followed(r)}, for ${fmtPct(s.monitorCpuShare, 3)} of one CPU.`;
  if (s.windows === 0) return `${r.ops} used ${fmtPct(s.monitorCpuShare, 3)} of one CPU.`;
  if (s.f1Active === null) {
    const after = s.windowsScored - s.warmupWindows;
    return (
      `${r.ops}: nothing was truly or estimated hot in the ${after} window${after === 1 ? "" : "s"} ` +
      `after the warm-up, so there is no hot set to score (a longer run helps); ${rest}`
    );
  }
  const frac = (x: number | null): string => (x === null ? "none" : x.toFixed(2));
  return (
    `${r.ops} did ${grade(s.f1Active)}: hot-set F1 ${s.f1Active.toFixed(2)} over ${s.activeWindows} active ` +
    `window${s.activeWindows === 1 ? "" : "s"} (byte-weighted precision ${frac(s.precisionBytes)}, ` +
    `recall ${frac(s.recallBytes)}), ${rest}`
  );
}

/** Regions this many times the hot set or bigger hide it: a region's one sampled page rarely lands in it. */
const HIDING_RATIO = 8;

/**
 * Regions per hot piece a source needs to tell the pieces from the cold memory between
 * them: one for the piece and one for the gap after it; ptscan fits its extents into
 * max_nr_regions / PTSCAN_REGIONS_PER_EXTENT (docs/ptscan.md).
 */
function regionsPerPiece(ops: string): number {
  return ops === "ptscan" ? PTSCAN_REGIONS_PER_EXTENT : 2;
}

/** Why a source missed a hot set in more pieces than its regions can separate, or null. */
function piecesWarning(r: ResultData, miss: string): string | null {
  const s = r.summary;
  const pieces = s.trueHotPiecesMedian;
  const per = regionsPerPiece(r.ops);
  const max = r.attrs.maxNrRegions;
  if (!(pieces * per > max)) return null;
  return (
    `warning: ${miss}: the true hot set is in ${pieces} separate pieces (median per window, ` +
    `${fmtBytes(s.trueHotPieceBytesMedian)} each on average), and at most ${max} regions tell about ` +
    `${Math.floor(max / per)} pieces from the cold memory between them (${per} regions a piece` +
    `${r.ops === "ptscan" ? `: ptscan shapes at most max_nr_regions / ${per} extents` : ", the piece and the gap after it"}), ` +
    `so most pieces share a region with cold memory and read as cold; ${r.ops} cannot find this hot set ` +
    `in full with fewer than ${pieces * per} regions (--max-regions; docs/metrics.md, "Hot-set pieces")`
  );
}

/**
 * One line per access source that missed most of the hot set (byte-weighted recall
 * under 0.5: the plain per-window mean lets windows with nothing hot score 1), saying why when the run shows it: a hot set
 * in more separate pieces than the regions can tell apart (sparse-kv-drift), or regions far bigger than the hot set
 * (huge spans with few regions: the terabyte case, docs/scale.md). Also one per source
 * that found it but counted mostly cold bytes hot with it (byte-weighted precision
 * under 0.5, e.g. hwsample: a sampled access marks its whole region).
 */
export function missWarnings(results: ResultData[]): string[] {
  const out: string[] = [];
  for (const r of results) {
    const s = r.summary;
    if (s.monitorCpuShare > 1)
      out.push(
        `warning: ${r.ops}: monitoring took ${fmtPct(s.monitorCpuShare, 1)} of one CPU: its work per sampling ` +
          `interval is longer than the interval. A real kdamond sleeps a full interval after its work, so its ` +
          `intervals would stretch; this simulation charges the work without stretching them, so its scores are ` +
          `those of a kdamond faster than any CPU (a longer --sample or a smaller --max-regions help; ` +
          `with --scheme, its actions count too: "kdamond CPU: sampling + actions" below says which, and a quota bounds them)`,
      );
    // The true hot set (of the median window by pieces), not the working set: a warm
    // region in the working set would make giant regions look close to its size.
    const hot = s.trueHotPiecesMedian * s.trueHotPieceBytesMedian;
    const recall = s.recallBytes ?? s.recall;
    const span = monitoredBytes(r);
    const regions = (s.nrRegionsMin + s.nrRegionsMax) / 2;
    const avg = regions > 0 ? span / regions : span;
    if (hot > 0 && recall >= 0.5 && s.precisionBytes !== null && s.precisionBytes < 0.5) {
      // Found the hot set but drowned it: hot regions far bigger than what is hot in them.
      out.push(
        `warning: ${r.ops} counted mostly cold memory as hot (byte-weighted precision ` +
          `${s.precisionBytes.toFixed(2)}): a region is hot or not as a whole, and its ` +
          `${s.nrRegionsMin}..${s.nrRegionsMax} regions average ${fmtBytes(avg)}` +
          (avg >= 2 * hot
            ? `, ${Math.round(avg / hot)}× the ${fmtBytes(hot)} true hot set (more --min-regions or a narrower target help; docs/scale.md)`
            : ` against a ${fmtBytes(hot)} true hot set, so the cold memory it counted is beside the hot set, not inside its regions`),
      );
      continue;
    }
    if (!(recall < 0.5) || hot <= 0) continue;
    const miss = `${r.ops} missed most of the hot set (byte-weighted recall ${recall.toFixed(2)})`;
    const scattered = piecesWarning(r, miss);
    if (scattered !== null) {
      out.push(scattered);
    } else if (r.ops === "ptscan") {
      // No sampled page per region: what it misses, no walk marked (docs/ptscan.md).
      out.push(
        `warning: ${miss}: its page-table walk found the Accessed bits above the hot set clear, so no ` +
          `translation of it was loaded (a hot set whose translations stay in the TLB is never walked: ` +
          `see --machine-profile) or the budget did not reach it (--ptscan-budget; docs/ptscan.md)`,
      );
    } else if (r.ops.startsWith("hwsample")) {
      // Samples need no sampled page: a sampled access marks its whole region hot,
      // so a miss means too few samples landed in the hot set.
      out.push(
        `warning: ${miss}: too few of its hardware samples (one per --hwsample-period accesses) landed in ` +
          `the ${fmtBytes(hot)} true hot set to mark it (a smaller --hwsample-period or a longer run helps; docs/scale.md)`,
      );
    } else if (avg >= HIDING_RATIO * hot) {
      out.push(
        `warning: ${miss}: its ${s.nrRegionsMin}..${s.nrRegionsMax} regions over ${fmtBytes(span)} average ` +
          `${fmtBytes(avg)}, ${Math.round(avg / hot)}× the ${fmtBytes(hot)} true hot set, so a region's one sampled ` +
          `page per interval rarely lands in it and random splits need many windows to narrow down ` +
          `(more --min-regions, a longer run or a narrower target help; docs/scale.md)`,
      );
    } else {
      out.push(
        `warning: ${miss} although its regions (${fmtBytes(avg)} on average) are not much bigger than the ` +
          `${fmtBytes(hot)} true hot set: the access source itself saw too few of the accesses`,
      );
    }
  }
  return out;
}

/** The summary paragraph, then one line on the paddr column when paddr ran. */
export function runSummaryText(results: ResultData[]): string {
  if (results.length === 0) return "";
  const first = results[0];
  const footprint = first.workloadRegions.reduce((s, x) => s + (x.end - x.start), 0);
  const changes = first.phaseChangesNs.length;
  if (first.summary.windows === 0)
    return (
      `What DAMON found: nothing to score — no aggregation window completed in ${fmtNs(first.durationNs)} ` +
      `(a run shorter than --aggr, or watermarks that kept the kdamond off). ` +
      results.map(runSentence).join(" ")
    );
  const lines = [
    `What DAMON found: ${first.workload} keeps a working set of about ` +
      `${fmtBytes(first.summary.trueWssMedianBytes)} in its ${fmtBytes(footprint)} of memory` +
      (changes > 0
        ? `, moving it ${changes} time${changes === 1 ? "" : "s"} in ${fmtNs(first.durationNs)}`
        : "") +
      `. ` +
      results.map(runSentence).join(" "),
  ];
  // Said only where physical memory is much bigger than the process (not of 4 TiB against 4 TiB).
  const paddr = results.find((r) => r.space === "paddr" && monitoredBytes(r) > 2 * footprint);
  if (paddr) {
    lines.push(
      `(paddr watches all ${fmtBytes(monitoredBytes(paddr))} of physical memory, not just the process's ` +
        `${fmtBytes(footprint)}: its regions start far wider than the hot set and each samples one page, ` +
        `so finding and following the hot frames takes longer — a property of the physical view, not a fault.)`,
    );
  }
  return lines.join("\n");
}
