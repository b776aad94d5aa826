import { runExperiment } from "./src/eval/experiment.js";
import { resolveWorkload } from "./src/workload/builtins.js";
for (const [cfg, tlb] of [["stairs_30secs", true], ["zigzag_30secs", true], ["stairs_30secs", false]] as const) {
  const t0 = Date.now();
  const w = resolveWorkload(`../shared/workloads/masim/${cfg}.cfg`);
  const r = runExperiment({ workload: w, ops: "vaddr", baseline: false, machine: { tlb: tlb ? undefined : false } });
  const s = r.summary;
  // damo: exclude the first 20 snapshots, median of est WSS (regions with nr_accesses >= 1)
  const est = r.snapshots.slice(20).map((x) => x.targets[0].regions.filter((q) => q.nrAccesses > 0).reduce((a, q) => a + q.end - q.start, 0)).sort((a, b) => a - b);
  console.log(cfg, "tlb", tlb, (Date.now() - t0) / 1000, "s", "damoWssMedianMB", est[Math.floor(est.length / 2)] / 1e6, JSON.stringify({ f1: s.f1, prec: s.precision, rec: s.recall, trueMed: s.trueWssMedianBytes / 1e6, conv: s.convergence.map((c) => c.windows), regions: [s.nrRegionsMin, s.nrRegionsMax], cpu: s.monitorCpuShare }));
}
