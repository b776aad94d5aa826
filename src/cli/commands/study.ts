/**
 * `damon-ts study interference`: who should take the PROT_NONE hint faults when
 * DAMON, NUMA balancing and userfaultfd RWP all want them — the isolation
 * policies measured side by side on the same workloads (docs/interference.md).
 */
import type { Command } from "commander";
import { ISOLATION_MODES } from "../../mm/hinting/isolation.js";
import type { IsolationMode } from "../../mm/hinting/isolation.js";
import { INTERFERENCE_CONSUMERS } from "../../eval/interference/run-case.js";
import type { InterferenceConsumer, InterferenceRow } from "../../eval/interference/run-case.js";
import { INTERFERENCE_WORKLOADS } from "../../eval/interference/workloads.js";
import type { InterferenceWorkloadName, WorkloadScale } from "../../eval/interference/workloads.js";
import { INTERFERENCE_JSON_SCHEMA, runInterferenceMatrix } from "../../study/interference/matrix.js";
import { runTieringCase, TIERING_POLICIES } from "../../eval/interference/tiering.js";
import type { TieringPolicy, TieringRow } from "../../eval/interference/tiering.js";
import { UsageError } from "../../util/errors.js";
import { parseSeed } from "../../util/units.js";
import { jobsOption, positiveNumberOption } from "../options.js";
import { fmtPct, formatTable } from "../table.js";

interface StudyOptionValues {
  policies?: string;
  workloads?: string;
  consumers: string;
  seconds?: string;
  sizeScale?: string;
  seed: string;
  jobs?: string;
  trace?: string;
  quick?: boolean;
  json?: boolean;
  progress?: boolean;
}

/** The --quick matrix: every policy on the workload where NUMA balancing has work, 1.2 s each, sizes × 0.1. */
const QUICK = { workloads: ["numa-misplaced"] as InterferenceWorkloadName[], seconds: 1.2, sizeScale: 0.1 };

/** A comma-separated subset of `known`, in the order given. */
function listOption<T extends string>(text: string, known: readonly T[], name: string): T[] {
  const items = text.split(",").map((s) => s.trim());
  for (const s of items)
    if (!(known as readonly string[]).includes(s))
      throw new UsageError(`'${s}' is not one of ${known.join(", ")}`, name);
  if (items.length === 0) throw new UsageError("give at least one", name);
  return [...new Set(items)] as T[];
}

const pct = (x: number | null | undefined, d = 1): string =>
  x === null || x === undefined ? "-" : fmtPct(x, d);
const num = (x: number | null | undefined, d = 2): string =>
  x === null || x === undefined ? "-" : x.toFixed(d);
const count = (x: number): string => Math.round(x).toLocaleString("en-US");

/** The one table: a row per policy × workload. */
export function interferenceTable(rows: InterferenceRow[]): string {
  return formatTable(
    [
      "policy",
      "workload",
      "DAMON F1",
      "freq err",
      "local acc",
      "migr+promo",
      "uffd WSS err",
      "hint faults/s",
      "app slowdown",
      "kernel CPU",
      "misrouted",
      "lost (rwp)",
      "double arms",
    ],
    rows.map((r) => [
      r.policy,
      r.workload,
      num(r.damon?.f1),
      num(r.damon?.freqError, 3),
      pct(r.localAccessShare),
      r.numa ? count(r.numa.migrations + r.numa.promotions) : r.refusedRegistrations > 0 ? "refused" : "-",
      pct(r.uffd?.wssMeanRelError),
      count(r.hintFaultsPerSec),
      pct(r.appSlowdown),
      pct(r.kernelCpuShare, 2),
      count(r.misrouted),
      `${count(r.lost)} (${count(r.lostToRwp)})`,
      count(r.doubleArms),
    ]),
  );
}

export const TIERING_JSON_SCHEMA = "damon-ts/tiering-study/1";

/** The tiering comparison's table: a row per promotion policy. */
export function tieringTable(rows: TieringRow[]): string {
  return formatTable(
    [
      "policy",
      "fast share (2nd half)",
      "oracle",
      "pages moved",
      "hot on fast",
      "hint faults/s",
      "kernel CPU",
      "slowdown vs all-fast",
    ],
    rows.map((r) => [
      r.policy,
      pct(r.steadyFastShare),
      pct(r.oracleShare),
      count(r.promotions),
      pct(r.promotedPrecision),
      count(r.hintFaultsPerSec),
      pct(r.kernelCpuShare, 2),
      pct(r.appSlowdownVsAllFast),
    ]),
  );
}

interface TieringOptionValues {
  policies?: string;
  seconds: string;
  seed: string;
  json?: boolean;
  progress?: boolean;
}

function registerTieringStudy(study: Command): void {
  study
    .command("tiering")
    .description(
      "promote hot slow-tier memory three ways on one tiered machine: NUMA balancing tiering,\n" +
        "pghot (per-frame hotness from hint faults, kmigrated with a rate limit), DAMOS migrate_hot/cold",
    )
    .option("--policies <list>", `promotion policies (${TIERING_POLICIES.join(", ")})`)
    .option("--seconds <s>", "simulated seconds per run", "2")
    .option("--seed <n>", "seed of every run", "1")
    .option("--json", `print rows as JSON (schema ${TIERING_JSON_SCHEMA})`)
    .option("--progress", "report each finished run on stderr even when it is not a terminal")
    .addHelpText(
      "after",
      "\nThe workload is zipf-kv (256 MiB heap) with all of its memory first placed on the slow node\n" +
        "(1 GiB, 2.5x latency); the fast node (64 MiB) has the CPUs. 'hot on fast' is the share of the pages\n" +
        "on the fast node at the end that are among the run's hottest (docs/interference.md).\n",
    )
    .action((o: TieringOptionValues) => {
      const policies: TieringPolicy[] = o.policies
        ? listOption(o.policies, TIERING_POLICIES, "--policies")
        : [...TIERING_POLICIES];
      const seconds = positiveNumberOption(o.seconds, "--seconds", 3600);
      const seed = parseSeed(o.seed, "--seed");
      const show = o.progress === true || process.stderr.isTTY === true;
      const rows = policies.map((p, i) => {
        const t0 = performance.now();
        const row = runTieringCase(p, { seed, seconds });
        if (show)
          process.stderr.write(
            `[${i + 1}/${policies.length}] ${p} (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
          );
        return row;
      });
      if (o.json)
        process.stdout.write(
          `${JSON.stringify({ schema: TIERING_JSON_SCHEMA, options: { seconds, seed }, rows }, null, 2)}\n`,
        );
      else console.log(tieringTable(rows));
    });
}

export function registerStudy(program: Command): void {
  const study = program
    .command("study")
    .description("experiment matrices that answer one question with numbers (see `study <name> --help`)");
  registerTieringStudy(study);
  study
    .command("interference")
    .description(
      "run isolation policy × workload with DAMON (fault sampling), NUMA balancing and a userfaultfd-RWP " +
        "working-set tracker sharing hint faults; one table of accuracy, outcome, cost and misrouted/lost hints",
    )
    .option("--policies <list>", `isolation policies (${ISOLATION_MODES.join(", ")})`)
    .option("--workloads <list>", `workloads (${INTERFERENCE_WORKLOADS.join(", ")})`)
    .option(
      "--consumers <list>",
      `hint-fault consumers on (${INTERFERENCE_CONSUMERS.join(", ")})`,
      "damon,numa,uffd",
    )
    .option("--seconds <s>", "simulated seconds per run (default 4; --quick 1.2)")
    .option("--size-scale <f>", "workload region sizes, relative to their own (default 0.25; --quick 0.1)")
    .option("--seed <n>", "seed of every run", "1")
    .option(
      "-j, --jobs <n>",
      "worker threads (default: the CPUs this process may use, affinity and cgroup quota; 1 = no workers)",
    )
    .option("--trace <file>", "the real trace the `trace` workload replays (default: the shipped sort trace)")
    .option(
      "--quick",
      `reduced matrix: every policy on ${QUICK.workloads.join(", ")}, ${QUICK.seconds} s each`,
    )
    .option("--json", `print rows as JSON (schema ${INTERFERENCE_JSON_SCHEMA}, docs/json-output.md)`)
    .option("--progress", "report each finished run on stderr even when it is not a terminal")
    .addHelpText(
      "after",
      "\nPolicies (docs/interference.md): generic = per-page owners; run-time = the RFC (handler picked by\n" +
        "'NUMA balancing on now'); build-time = the kernel has DAMON's fault sampling, not NUMA balancing;\n" +
        "partial = DAMON consumes NUMA balancing's faults while it is on, arms its own while it is off;\n" +
        "ignore = one shared protnone state, every fault to every active consumer.\n" +
        "\nExamples:\n" +
        "  damon-ts study interference --quick\n" +
        "  damon-ts study interference --workloads stairs,zipf-kv --policies generic,partial --json\n",
    )
    .action(async (o: StudyOptionValues) => {
      const policies: IsolationMode[] = o.policies
        ? listOption(o.policies, ISOLATION_MODES, "--policies")
        : [...ISOLATION_MODES];
      const workloads: InterferenceWorkloadName[] = o.workloads
        ? listOption(o.workloads, INTERFERENCE_WORKLOADS, "--workloads")
        : o.quick
          ? QUICK.workloads
          : [...INTERFERENCE_WORKLOADS];
      const consumers: InterferenceConsumer[] = listOption(
        o.consumers,
        INTERFERENCE_CONSUMERS,
        "--consumers",
      );
      const scale: WorkloadScale = {
        seconds: o.seconds ? positiveNumberOption(o.seconds, "--seconds", 3600) : o.quick ? QUICK.seconds : 4,
        sizeScale: o.sizeScale
          ? positiveNumberOption(o.sizeScale, "--size-scale", 1)
          : o.quick
            ? QUICK.sizeScale
            : 0.25,
        tracePath: o.trace,
      };
      const seed = parseSeed(o.seed, "--seed");
      const jobs = o.jobs === undefined ? undefined : jobsOption(o.jobs);
      const show = o.progress === true || process.stderr.isTTY === true;
      const rows = await runInterferenceMatrix({
        policies,
        workloads,
        consumers,
        scale,
        seed,
        jobs,
        onProgress: show
          ? (done, total, what, s) => process.stderr.write(`[${done}/${total}] ${what} (${s.toFixed(1)} s)\n`)
          : undefined,
      });
      if (o.json) {
        const out = {
          schema: INTERFERENCE_JSON_SCHEMA,
          options: { policies, workloads, consumers, seed, ...scale },
          rows,
        };
        process.stdout.write(`${JSON.stringify(out, null, 2)}\n`);
      } else console.log(interferenceTable(rows));
    });
}
