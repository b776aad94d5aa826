/**
 * `--machine-profile` (src/mm/machine-profile.ts) and the warning line printed when
 * the TLB hid a large share of the accessed memory from Accessed-bit checks.
 */
import type { ResultData } from "../eval/experiment.js";
import {
  isMachineProfileName,
  MACHINE_PROFILE_NAMES,
  type MachineProfileName,
} from "../mm/machine-profile.js";
import { BLIND_SPOT_WARN_SHARE } from "../mm/tlb-events.js";
import { UsageError } from "../util/errors.js";
import { fmtBytes } from "./table.js";

/** The default of `run` and `compare`: the profile checked against a real kernel (README). */
export const DEFAULT_MACHINE_PROFILE: MachineProfileName = "guest";

export function machineProfileOption(text: string): MachineProfileName {
  if (!isMachineProfileName(text))
    throw new UsageError(
      `'${text}' is not a machine profile (${MACHINE_PROFILE_NAMES.join(", ")})`,
      "--machine-profile",
    );
  return text;
}

/** The one-line warning for a run whose Accessed-bit checks the TLB blinded, or null. */
export function blindSpotWarning(r: ResultData, profile: MachineProfileName): string | null {
  const b = r.tlbBlindSpot;
  if (!(b.hiddenShare >= BLIND_SPOT_WARN_SHARE) || b.accessedPageSamples === 0) return null;
  return (
    `warning: ${r.ops}: ${Math.round(b.hiddenShare * 100)}% of the accessed pages ` +
    `(${fmtBytes(b.hiddenBytesPerSample)} per sampling interval) stayed invisible to Accessed-bit checks: ` +
    `their translations stayed cached in the TLB after DAMON cleared the bit (machine profile ${profile}); ` +
    `try ${profile === "guest" ? "" : "--machine-profile guest (TLB flushed at every tick), "}--ops vaddr-flush, ` +
    `or a fault-based source (--ops vaddr-fault)`
  );
}
