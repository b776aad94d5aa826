/**
 * `--probe` (data-attribute probes, docs/probes.md) for simulated runs: the
 * compact form of src/config/probes.ts, repeatable up to DAMON's 4 probes.
 */
import type { Command } from "commander";
import type { Attrs } from "../core/attrs.js";
import { validateProbes, type Probe } from "../core/probe.js";
import { parseProbeSpecs } from "../config/probes.js";
import { UsageError } from "../util/errors.js";

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

/** The probes given with --probe (checked against the run's intervals), or undefined when none. */
export function probesOption(
  o: ProbeOptionValues,
  attrs: Pick<Attrs, "sampleUs" | "aggrUs">,
): Probe[] | undefined {
  if (!o.probe || o.probe.length === 0) return undefined;
  const probes = parseProbeSpecs(o.probe);
  try {
    validateProbes(probes, attrs);
  } catch (e) {
    throw new UsageError(
      `${(e as Error).message} (here ${Math.floor(attrs.aggrUs / attrs.sampleUs)})`,
      "--probe",
    );
  }
  return probes;
}

/** Operation sets whose probes are evaluated (`ops.apply_probes`). */
export const PROBE_OPS: readonly string[] = ["vaddr", "paddr"];

/** Refuses --probe with an operation set that does not evaluate probes (it would record nothing). */
export function requireProbeOps(o: ProbeOptionValues, opsList: readonly string[]): void {
  if (!o.probe || o.probe.length === 0) return;
  const bad = opsList.filter((x) => !PROBE_OPS.includes(x));
  if (bad.length > 0)
    throw new UsageError(
      `probes are evaluated by ${PROBE_OPS.join(" and ")} only, not by ${bad.join(", ")}`,
      "--probe",
    );
}
