/**
 * The sweep's parallel speed-up: the acceptance grid (2 workloads × 3 sources ×
 * 2 seeds, short runs) on one worker thread and on one per core, in the same
 * process. Prints wall time against the summed run time of each (the runs'
 * own host time inside their workers): with two cores the wall time of the
 * parallel sweep should be well under the sum.
 *
 *   npx tsx bench/sweep.ts [time-scale]
 */
import { usableCpus } from "../src/util/usable-cpus.js";
import { gridCells, parseGrid, type SweepCell } from "../src/sweep/grid.js";
import { runOnWorkers } from "../src/sweep/pool.js";
import type { SweepRow } from "../src/sweep/table.js";

const grid = parseGrid({
  workloads: ["stairs", "zigzag"],
  sources: ["vaddr", "paddr", "hwsample"],
  seeds: [1, 2],
  options: { scale: Number(process.argv[2] ?? 0.01), memory: "16MiB", baseline: false },
});
const cells = gridCells(grid);
const worker = new URL("../src/cli/sweep-cell.ts", import.meta.url);

async function sweep(workers: number): Promise<{ wallMs: number; runMs: number; rows: SweepRow[] }> {
  let runMs = 0;
  const t0 = performance.now();
  const rows = await runOnWorkers<SweepCell, SweepRow>(worker, cells, {
    workers,
    onDone: (d) => (runMs += d.hostMs),
  });
  return { wallMs: performance.now() - t0, runMs, rows };
}

const cores = usableCpus();
console.log(`bench/sweep: ${cells.length} runs, ${cores} usable CPUs (affinity and cgroup quota)`);
let first: SweepRow[] | null = null;
for (const workers of [1, cores]) {
  const r = await sweep(workers);
  first ??= r.rows;
  const same = JSON.stringify(first) === JSON.stringify(r.rows);
  console.log(
    `  ${workers} worker(s): wall ${(r.wallMs / 1000).toFixed(1)} s, sum of runs ${(r.runMs / 1000).toFixed(1)} s, ` +
      `sum/wall ${(r.runMs / r.wallMs).toFixed(2)}x; same table as 1 worker: ${same}`,
  );
}
