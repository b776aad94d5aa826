/**
 * The top-level commands as help lists them (term and description), so that help,
 * did-you-mean and `--version` need not load every command's modules (0.5 CPU-s).
 * Each command's own module stays the source of its description;
 * test/cli/command-index.test.ts checks that this index says the same.
 */
export interface CommandSummary {
  name: string;
  /** How help lists it: the name, `[options]`, its arguments. */
  term: string;
  description: string;
}

export const COMMAND_INDEX: readonly CommandSummary[] = [
  {
    name: "demo",
    term: "demo [options]",
    description:
      "DAMON's core on a synthetic address space with a moving hot range (quick look, no simulator)",
  },
  {
    name: "run",
    term: "run [options] <workload>",
    description: "simulate a workload with DAMON watching it; show the heatmap, accuracy and overhead",
  },
  {
    name: "record",
    term: "record [options] <workload>",
    description: "the same as run, writing DAMON's snapshots to a damo record (default damon.data)",
  },
  {
    name: "race",
    term: "race [options]",
    description:
      "run seeded interleavings of CPUs faulting, NUMA balancing and DAMON arming pages and switching on/off,\nin the generic fault-then-restore framework and in the rejected piggyback design; count misrouted faults",
  },
  {
    name: "compare",
    term: "compare [options] <workload>",
    description:
      "run one workload under several access sources and compare accuracy and overhead in one table",
  },
  {
    name: "kernel",
    term: "kernel",
    description:
      "drive a real kernel's DAMON through sysfs (needs root; never touches kdamonds it did not create)",
  },
  {
    name: "vm",
    term: "vm",
    description: "check against a real kernel DAMON in a qemu guest (Debian 6.12 kernel, TCG)",
  },
  {
    name: "fidelity",
    term: "fidelity [options] <workload>",
    description: "run a workload on a real kernel's DAMON (qemu guest) and in the simulator; compare",
  },
  {
    name: "trace",
    term: "trace",
    description: "capture a real program's memory accesses (valgrind), inspect and convert traces",
  },
  {
    name: "report",
    term: "report",
    description: "reports on damo-compatible record files",
  },
  {
    name: "adjust",
    term: "adjust [options]",
    description: "re-aggregate a record to a longer interval and skip its first snapshots (as damo adjust)",
  },
  {
    name: "live",
    term: "live [options] [command...]",
    description:
      "observe a live process with DAMON: page faults from perf, the layout from /proc, a refreshing view",
  },
  {
    name: "sweep",
    term: "sweep [options] <grid-file>",
    description:
      "run a grid of simulations on worker threads across the cores; print one table (docs/sweep.md)",
  },
  {
    name: "ui",
    term: "ui [options] [record...]",
    description:
      "view records in a web browser: heatmap (zoom, pan, hover), working set, regions, DAMOS stats",
  },
  {
    name: "exporter",
    term: "exporter [options] [run-options...]",
    description:
      "serve DAMON metrics for Prometheus (DAMON_STAT, damon-ts kdamonds, a live process or a simulated run)",
  },
  {
    name: "export",
    term: "export",
    description: "export records for other tools (Parquet for DuckDB, Spark, Trino, ...)",
  },
  {
    name: "study",
    term: "study",
    description: "experiment matrices that answer one question with numbers (see `study <name> --help`)",
  },
];
