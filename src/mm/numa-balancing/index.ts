/** Automatic NUMA balancing on the hinting-fault framework, and NUMA machine shapes. */
import type { Simulation } from "../driver.js";
import type { Machine } from "../machine.js";
import { NumaBalancing } from "./numa-balancing.js";
import type { NumaBalancingOptions } from "./numa-balancing.js";

export * from "./numa-balancing.js";
export * from "./topology.js";

/** The CLI's --numa-balancing values: off, on (NUMA_BALANCING_NORMAL), tiering (NUMA_BALANCING_MEMORY_TIERING). */
export const NUMA_BALANCING_MODES = ["off", "on", "tiering"] as const;
export type NumaBalancingMode = (typeof NUMA_BALANCING_MODES)[number];

/** Options for a mode name, or null for off. */
export function numaBalancingModeOptions(mode: NumaBalancingMode): NumaBalancingOptions | null {
  if (mode === "off") return null;
  return mode === "on" ? { normal: true, tiering: false } : { normal: false, tiering: true };
}

/** Creates NUMA balancing on `m` and adds it to `sim` as an agent. */
export function attachNumaBalancing(
  sim: Simulation,
  m: Machine,
  opts: NumaBalancingOptions = {},
): NumaBalancing {
  const nb = new NumaBalancing(m, opts);
  sim.addAgent(nb, "kernel");
  return nb;
}
