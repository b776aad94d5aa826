/**
 * Which ways of seeing a live process's accesses this machine offers, each
 * with whether it is in use and, when not, why. Shown in the view and in the
 * JSON output, so a user knows what the numbers are made of.
 */
import { existsSync } from "node:fs";
import { probePerf } from "./perf-source.js";

export interface SourceStatus {
  name: string;
  inUse: boolean;
  /** What it gives, or why it is not used. */
  detail: string;
}

const PMU = "/sys/bus/event_source/devices";

/** Hardware memory-access sampling (Intel PEBS mem-loads, AMD IBS): why it cannot be used here. */
export function probeHardwareSamples(): SourceStatus {
  const name = "hardware memory samples (perf mem: PEBS / IBS)";
  const intel = existsSync(`${PMU}/cpu/events/mem-loads`);
  const amd = existsSync(`${PMU}/ibs_op`);
  if (!intel && !amd) {
    const why = existsSync(`${PMU}/cpu`)
      ? "the CPU's PMU has no mem-loads event and there is no ibs_op PMU"
      : "no hardware PMU is exposed (no cpu or ibs_op event source: usual in a virtual machine)";
    return { name, inUse: false, detail: `unavailable: ${why}` };
  }
  return {
    name,
    inUse: false,
    detail: `available (${intel ? "mem-loads" : "ibs_op"}) but not used yet: damon-ts live feeds page faults only`,
  };
}

export interface SourceChoice {
  perf: { ok: boolean; reason?: string };
  clearRefs: boolean;
}

/** The status lines for a session's sources. */
export function describeSources(c: SourceChoice): SourceStatus[] {
  return [
    {
      name: "perf page-fault samples",
      inUse: c.perf.ok,
      detail: c.perf.ok
        ? "every page fault: address, CPU, thread, time (perf record -e page-faults -c 1 -d)"
        : `unavailable: ${c.perf.reason ?? "unknown"}`,
    },
    {
      name: "/proc/PID/maps",
      inUse: true,
      detail: "the layout: DAMON's three regions, re-read every update interval",
    },
    {
      name: "/proc/PID/smaps Referenced",
      inUse: true,
      detail: c.clearRefs
        ? "bytes referenced per VMA since the last read (Referenced bits cleared after each read)"
        : "bytes referenced per VMA since the process started (read-only; --clear-refs for per-interval)",
    },
    {
      name: "/proc/PID/clear_refs",
      inUse: c.clearRefs,
      detail: c.clearRefs
        ? "writes 1 after each smaps read (asked for with --clear-refs)"
        : "off: it writes to the process's page tables; enable with --clear-refs",
    },
    probeHardwareSamples(),
  ];
}

export { probePerf };
