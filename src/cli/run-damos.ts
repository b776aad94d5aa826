/** What `run` prints about DAMOS: per-scheme stats, memory events, and the preset's goal measures. */
import { allSchemes, kdamondCpuProfile, reclaimReport, tieringReport } from "../eval/damos.js";
import type { ExperimentResult } from "../eval/experiment.js";
import { effectiveQuotaBytes } from "../schemes/stats.js";
import { fmtBytes, fmtNs, fmtPct, formatTable } from "./table.js";

const fmtQuota = (b: number | null): string => (b === null ? "-" : fmtBytes(b));

/** The DAMOS tables of a run: per-scheme stats, memory events, and the preset's goal measures. */
export function printDamos(r: ExperimentResult): void {
  const d = r.damos;
  if (!d || d.handle.runners.length === 0) return;
  const schemes = allSchemes(d.handle);
  console.log(`\nDAMOS schemes (${r.ops}):\n`);
  console.log(
    formatTable(
      [
        "#",
        "action",
        "nr_tried",
        "sz_tried",
        "nr_applied",
        "sz_applied",
        "sz_ops_filter_passed",
        "qt_exceeds",
        "eff. quota",
      ],
      schemes.map((s, i) => [
        String(i),
        s.action,
        String(s.stat.nrTried),
        fmtBytes(s.stat.szTried),
        String(s.stat.nrApplied),
        fmtBytes(s.stat.szApplied),
        fmtBytes(s.stat.szOpsFilterPassed),
        String(s.stat.qtExceeds),
        fmtQuota(effectiveQuotaBytes(s.quota)),
      ]),
    ),
  );
  const mem = r.machine.mem;
  const rows: string[][] = [
    ["pages swapped out / in", `${mem.swapOuts} / ${mem.swapIns}`],
    [
      "reclaimed by DAMOS / kswapd / direct",
      `${mem.pageoutReclaimed} / ${mem.kswapdReclaimed} / ${mem.directReclaimed} pages`,
    ],
    ["memory stall (PSI some)", fmtNs(mem.stallNs)],
    [
      "LRU active / inactive at the end",
      `${fmtBytes(r.machine.lru.total(true) * 4096)} / ${fmtBytes(r.machine.lru.total(false) * 4096)}`,
    ],
  ];
  const cpu = kdamondCpuProfile(r, d.handle);
  rows.push([
    "kdamond CPU: sampling + actions",
    `${fmtPct(cpu.monitorShare, 3)} + ${fmtPct(cpu.actionShare, 3)} (regions per sample: ${cpu.kdamonds
      .map((k) => k.regionsPerSample.toFixed(0))
      .join(", ")})`,
  ]);
  if (d.tiers) {
    const t = tieringReport(r, d.tiers, d.handle, d.fastNodeFrames);
    rows.push(
      ["fast-tier share of accesses, whole run", fmtPct(t.fastShare, 2)],
      ["fast-tier share, second half (steady)", fmtPct(t.steadyFastShare, 2)],
      ["oracle fast-tier share (true top-K pages)", fmtPct(t.oracleShare, 2)],
      ["gap to the oracle (steady, relative)", fmtPct(t.gapToOracle, 2)],
      [
        "slowdown vs all-fast memory",
        t.slowdownVsAllFast === null ? "not measured" : fmtPct(t.slowdownVsAllFast, 2),
      ],
      ["migration traffic", `${fmtBytes(t.migratedBytes)} (${fmtBytes(t.migratedBytesPerSec)}/s)`],
    );
  } else {
    const c = reclaimReport(r, d.handle);
    rows.push(
      ["resident, time average", fmtBytes(c.residentAvgBytes)],
      [
        "resident without DAMOS, time average",
        c.baselineResidentAvgBytes === null ? "not measured" : fmtBytes(c.baselineResidentAvgBytes),
      ],
      ["memory saved", c.memorySaved === null ? "not measured" : fmtPct(c.memorySaved, 2)],
      ["slowdown vs no DAMON/DAMOS", c.slowdown === null ? "not measured" : fmtPct(c.slowdown, 2)],
      ["major faults (refaults)", String(c.majorFaults)],
      ["monitoring + scheme CPU (kdamond)", fmtPct(c.kdamondCpuShare, 3)],
      ["kswapd CPU", fmtPct(c.kswapdCpuShare, 3)],
    );
  }
  console.log(`\nWhat the schemes achieved${d.preset ? ` (preset ${d.preset})` : ""}:\n`);
  console.log(formatTable(["measure", "value"], rows));
}
