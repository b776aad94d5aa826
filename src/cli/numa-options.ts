/** The CLI's NUMA machine shapes (--nodes, --tier) and --numa-balancing. */
import {
  equalNodes,
  NUMA_BALANCING_MODES,
  numaBalancingModeOptions,
  tieredNodes,
} from "../mm/numa-balancing/index.js";
import type { NumaBalancingMode, NumaBalancingOptions } from "../mm/numa-balancing/index.js";
import type { MachineOptions } from "../mm/machine.js";
import type { WorkloadSpec } from "../workload/spec.js";
import { UsageError } from "../util/errors.js";
import { parseCount } from "../util/units.js";
import { sizeOption } from "./options.js";

/** The machine's nodes (and CPUs for --tier) from --memory, --nodes and --tier. */
export function machineShapeOptions(
  o: { nodes?: string; tier?: string; memory?: string },
  memory: number,
  workload: WorkloadSpec,
): MachineOptions {
  if (o.nodes !== undefined && o.tier !== undefined)
    throw new UsageError("give either --nodes or --tier, not both", "--tier");
  if (o.tier !== undefined) {
    if (o.memory !== undefined)
      throw new UsageError("sets both memory sizes itself (fast,slow); drop --memory", "--tier");
    const parts = o.tier.split(",").map((s) => s.trim());
    if (parts.length < 2 || parts.length > 3)
      throw new UsageError(`'${o.tier}' is not <fast-size>,<slow-size>[,<slow-access-ns>]`, "--tier");
    const fastBytes = sizeOption(parts[0], "--tier (fast size)");
    const slowBytes = sizeOption(parts[1], "--tier (slow size)");
    const slowAccessNs = parts[2] === undefined ? undefined : parseCount(parts[2], "--tier (slow access ns)");
    if (slowAccessNs === 0)
      throw new UsageError("the slow tier's access time must be at least 1 ns", "--tier");
    const cpus = Math.max(4, ...workload.threads.map((t) => t.cpu + 1));
    return tieredNodes({ fastBytes, slowBytes, slowAccessNs }, cpus);
  }
  const n = o.nodes === undefined ? 1 : parseCount(o.nodes, "--nodes");
  if (n < 1 || n > 64) throw new UsageError("must be 1 to 64", "--nodes");
  if (memory / n < 4096) {
    if (o.nodes === undefined)
      throw new UsageError(
        `'${o.memory}' is less than one 4 KiB page${/^\s*\d+\s*$/.test(o.memory ?? "") ? ` (a bare number is bytes: did you mean ${o.memory}MiB?)` : ""}`,
        "--memory",
      );
    throw new UsageError(
      `--memory ${o.memory ?? ""} is too small for ${n} nodes of at least 4 KiB`,
      "--nodes",
    );
  }
  return equalNodes(n, memory);
}

/** --numa-balancing off|on|tiering → options, or undefined for off. */
export function numaBalancingOption(text: string): NumaBalancingOptions | undefined {
  if (!(NUMA_BALANCING_MODES as readonly string[]).includes(text))
    throw new UsageError(
      `'${text}' is not a NUMA balancing mode (${NUMA_BALANCING_MODES.join(", ")})`,
      "--numa-balancing",
    );
  return numaBalancingModeOptions(text as NumaBalancingMode) ?? undefined;
}
