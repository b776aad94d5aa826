/**
 * Options that only some runs read: an access source's own settings (read by the
 * operation sets whose descriptor `takes` them), the trace replay's, and the
 * tiering preset's. Given to a run that does not read them, they used to be
 * ignored without a word (`--ops vaddr --ptscan-budget 4096` ran plain vaddr);
 * they are refused instead, naming who reads them. These options have no
 * parser default, so "given" is "not undefined"; their defaults apply in
 * runPlanFromOptions.
 */
import { findOps, opsNames, type OpsBuildOptions } from "../ops/registry.js";
import { UsageError } from "../util/errors.js";
import { tracePathOf } from "../workload/trace-replay.js";

/** The values these options arrive with from the parser (undefined when not given). */
export interface SourceOptionValues {
  hinting?: string;
  faultKeepArmed?: boolean;
  hwsamplePeriod?: string;
  ptscanBudget?: string;
  loop?: string;
  nsPerInsn?: string;
  allowDamagedTrace?: boolean;
  decodeAhead?: string;
  fastMemory?: string;
  startTier?: string;
}

const BY_SOURCE: { flag: string; key: keyof OpsBuildOptions; given: (o: SourceOptionValues) => boolean }[] = [
  { flag: "--hinting", key: "hintingMode", given: (o) => o.hinting !== undefined },
  { flag: "--fault-keep-armed", key: "faultKeepArmed", given: (o) => o.faultKeepArmed !== undefined },
  { flag: "--hwsample-period", key: "hwsamplePeriod", given: (o) => o.hwsamplePeriod !== undefined },
  { flag: "--ptscan-budget", key: "ptscanBudget", given: (o) => o.ptscanBudget !== undefined },
];

/**
 * Refuses an access source's option when none of `ops` reads it. `--hinting` also
 * serves automatic NUMA balancing, whose faults go through the same framework.
 */
export function requireSourceOptions(
  o: SourceOptionValues,
  ops: readonly string[],
  numaBalancing: boolean,
  /** Where the operation sets came from, for the message. */
  opsFrom = "--ops",
): void {
  for (const { flag, key, given } of BY_SOURCE) {
    if (!given(o) || ops.some((x) => findOps(x)?.takes?.includes(key) === true)) continue;
    if (key === "hintingMode" && numaBalancing) continue;
    const readers = opsNames().filter((x) => findOps(x)!.takes?.includes(key) === true);
    throw new UsageError(
      `only ${readers.join(", ")} read${readers.length === 1 ? "s" : ""} it${key === "hintingMode" ? " (and --numa-balancing)" : ""}, ` +
        `and this run has ${ops.join(", ")} (${opsFrom})`,
      flag,
    );
  }
}

/** Refuses the trace replay's options for a workload that is not a trace. */
export function requireTraceOptions(o: SourceOptionValues, workload: string): void {
  if (tracePathOf(workload) !== null) return;
  const flag =
    o.loop !== undefined
      ? "--loop"
      : o.nsPerInsn !== undefined
        ? "--ns-per-insn"
        : o.allowDamagedTrace !== undefined
          ? "--allow-damaged-trace"
          : o.decodeAhead !== undefined
            ? "--decode-ahead"
            : null;
  if (flag !== null)
    throw new UsageError(`it applies to trace:FILE workloads (a replay), not to '${workload}'`, flag);
}

/** Refuses the tiering preset's options in a run without that preset. */
export function requireTieringOptions(o: SourceOptionValues, tiering: boolean): void {
  if (tiering) return;
  const flag =
    o.fastMemory !== undefined ? "--fast-memory" : o.startTier !== undefined ? "--start-tier" : null;
  if (flag !== null) throw new UsageError("it applies to the tiering preset (--preset tiering) only", flag);
}
