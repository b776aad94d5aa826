/**
 * The refreshing terminal view of `damon-ts live`: DAMON's regions of the
 * latest aggregation window with a heat bar each, faults per CPU and per
 * thread, and which sources are in use (and why the others are not).
 */
import pc from "picocolors";
import { nrSamplesPerAggr } from "../core/attrs.js";
import { fmtBytes, fmtNs, formatTable } from "../cli/table.js";
import type { LiveState } from "./session.js";

const BAR = 20;

function heat(frac: number): string {
  const n = Math.round(Math.min(1, Math.max(0, frac)) * BAR);
  const bar = "█".repeat(n) + "·".repeat(BAR - n);
  return frac >= 0.5 ? pc.red(bar) : frac > 0 ? pc.yellow(bar) : pc.dim(bar);
}

const hex = (x: number): string => `0x${x.toString(16)}`;

/** Renders the whole view as text (the caller clears the screen). */
export function renderLiveView(s: LiveState, maxRegions = 16): string {
  const out: string[] = [];
  const secs = s.elapsedNs / 1e9;
  out.push(
    pc.bold(`damon-ts live: pid ${s.pid} (${s.comm})`) +
      `  ${fmtNs(s.elapsedNs)}  faults ${s.faults} (${secs > 0 ? Math.round(s.faults / secs) : 0}/s)` +
      `  windows ${s.snapshots}`,
  );
  out.push("");
  out.push(pc.bold("Sources"));
  for (const src of s.sources)
    out.push(`  ${src.inUse ? pc.green("●") : pc.dim("○")} ${src.name}: ${src.detail}`);
  out.push("");
  const snap = s.latest;
  const spa = Math.max(1, nrSamplesPerAggr(s.attrs));
  if (snap === null) out.push(pc.dim("(no aggregation window completed yet)"));
  else {
    const regions = snap.targets[0]?.regions ?? [];
    out.push(
      pc.bold(
        `Regions, window ${snap.index} (${regions.length} regions; heat = nr_accesses / ${spa} samples)`,
      ),
    );
    const shown = [...regions].sort((a, b) => b.nrAccesses - a.nrAccesses).slice(0, maxRegions);
    shown.sort((a, b) => a.start - b.start);
    out.push(
      formatTable(
        ["start", "end", "size", "accesses", "age", "heat"],
        shown.map((r) => [
          hex(r.start),
          hex(r.end),
          fmtBytes(r.end - r.start),
          String(r.nrAccesses),
          String(r.age),
          heat(r.nrAccesses / spa),
        ]),
      ),
    );
    if (regions.length > shown.length)
      out.push(pc.dim(`  (${regions.length - shown.length} cooler regions not shown)`));
  }
  out.push("");
  out.push(pc.bold("Faults per CPU: ") + s.faultsPerCpu.map((n, c) => `cpu${c} ${n}`).join("  "));
  out.push(pc.bold("Faults per thread"));
  out.push(
    formatTable(
      ["tid", "name", "faults", "per CPU", "top mapping"],
      s.threads.slice(0, 12).map((t) => [
        String(t.tid),
        t.comm,
        String(t.faults),
        t.byCpu
          .map((n, c) => (n ? `${c}:${n}` : ""))
          .filter(Boolean)
          .join(" "),
        t.mappings[0] ? `${t.mappings[0].name || hex(t.mappings[0].start)} (${t.mappings[0].faults})` : "",
      ]),
    ),
  );
  if (s.referenced) {
    const top = [...s.referenced].sort((a, b) => b.referencedBytes - a.referencedBytes).slice(0, 5);
    out.push(pc.bold("Referenced (smaps), top VMAs"));
    for (const v of top)
      out.push(
        `  ${hex(v.start)}-${hex(v.end)} ${fmtBytes(v.referencedBytes)} of ${fmtBytes(v.rssBytes)} rss  ${v.name}`,
      );
  }
  const r = s.reports;
  out.push(
    pc.dim(
      `reports: ${r.received} received, ${r.counted} counted, ${r.duplicate} duplicate, ${r.outOfRange} outside regions, ` +
        `${r.stale} stale, ${r.overflowed} overflowed; perf lag max ${fmtNs(s.perf.maxLagNs)}` +
        (s.perf.lost ? `; perf: ${s.perf.lost}` : ""),
    ),
  );
  return out.join("\n");
}

/**
 * One line when perf delivered samples later than the latency window DAMON runs
 * behind real time (DAMON had already passed their time, so it counts them stale
 * instead of in their regions), with a --latency that would have covered the worst
 * lag; null when none was late.
 */
export function lateSamplesNote(s: LiveState): string | null {
  const p = s.perf;
  if (p.late === 0) return null;
  const share = p.samples > 0 ? p.late / p.samples : 0;
  const suggestMs = Math.ceil((p.maxLagNs * 1.5) / 1e8) * 100;
  return (
    `${p.late} of ${p.samples} perf samples (${(share * 100).toFixed(1)} %) arrived later than the ` +
    `${fmtNs(p.latencyNs)} latency window (worst ${fmtNs(p.maxLagNs)}), too late for DAMON to count ` +
    `in their regions; a loaded machine needs a longer window: try --latency ${suggestMs}ms`
  );
}
