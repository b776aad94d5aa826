/**
 * `--probe` (data-attribute probes, docs/probes.md) for simulated runs: the
 * compact form of src/config/probes.ts, repeatable up to DAMON's 4 probes.
 */
import type { Command } from "commander";
import type { Probe } from "../core/probe.js";
import { parseProbeSpecs } from "../config/probes.js";

export interface ProbeOptionValues {
  probe?: string[];
}

const collect = (v: string, acc: string[] = []): string[] => [...acc, v];

/** Adds `--probe <spec>` (repeatable). */
export function addProbeOptions(cmd: Command): Command {
  return cmd.option(
    "--probe <spec>",
    "data-attribute probe, repeatable (at most 4): filters such as 'anon', '!anon', 'memcg=/a', " +
      "'hugepage_size=2MiB-2MiB', 'young', joined by ','; 'weight=N' makes the run data-attributes only " +
      "(docs/probes.md)",
    collect,
  );
}

/** The probes given with --probe, or undefined when none. */
export function probesOption(o: ProbeOptionValues): Probe[] | undefined {
  return o.probe && o.probe.length > 0 ? parseProbeSpecs(o.probe) : undefined;
}
