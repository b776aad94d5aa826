/**
 * Parsing of the monitoring options shared by `run`, `compare` and friends, with
 * damo-style units and errors that name the option.
 */
import type { Attrs } from "../core/attrs.js";
import { defaultAttrs, validateAttrs } from "../core/attrs.js";
import { DamonInvalidError, UsageError } from "../util/errors.js";
import { parseCount, parseDurationNs, parseDurationUs, parseSizeBytes } from "../util/units.js";
import type { Command } from "commander";

export interface MonitorOptionValues {
  sample: string;
  aggr: string;
  update: string;
  minRegions: string;
  maxRegions: string;
}

/** Adds --sample/--aggr/--update/--min-regions/--max-regions with DAMON's defaults. */
export function addMonitorOptions(cmd: Command): Command {
  return cmd
    .option("--sample <time>", "sampling interval", "5ms")
    .option("--aggr <time>", "aggregation interval", "100ms")
    .option("--update <time>", "operations update interval (vaddr layout refresh)", "1s")
    .option("--min-regions <n>", "minimum number of regions", "10")
    .option("--max-regions <n>", "maximum number of regions", "1000");
}

/**
 * Most regions a simulation takes. The kernel has no limit but memory; here each
 * region is host memory and per-sample work, and 5 million ran the host out of
 * heap. A million is a thousand times damo's default.
 */
export const MAX_NR_REGIONS_OPTION = 1_000_000;

/**
 * Most worker threads `--jobs` starts. Each holds its own simulator (modules,
 * compiled code, a WebAssembly memory reservation): 100,000 asked for exhausted
 * the host instead of running; past the host's cores more only share them.
 */
export const MAX_JOBS = 256;

/** A `--jobs` value: a whole number from 1 to MAX_JOBS. */
export function jobsOption(text: string, flag = "--jobs"): number {
  const n = parseCount(text, flag);
  if (n < 1) throw new UsageError("must be at least 1", flag);
  if (n > MAX_JOBS)
    throw new UsageError(
      `${n} is more than the ${MAX_JOBS} worker threads it starts (each holds a simulator; past the host's cores they only share them)`,
      flag,
    );
  return n;
}

export function attrsFromOptions(o: MonitorOptionValues): Attrs {
  const a: Attrs = {
    ...defaultAttrs(),
    sampleUs: parseDurationUs(o.sample, "--sample"),
    aggrUs: parseDurationUs(o.aggr, "--aggr"),
    updateUs: parseDurationUs(o.update, "--update"),
    minNrRegions: parseCount(o.minRegions, "--min-regions"),
    maxNrRegions: parseCount(o.maxRegions, "--max-regions"),
  };
  if (a.sampleUs === 0) throw new UsageError("must be at least 1 µs", "--sample");
  for (const [n, flag] of [
    [a.minNrRegions, "--min-regions"],
    [a.maxNrRegions, "--max-regions"],
  ] as const)
    if (n > MAX_NR_REGIONS_OPTION)
      throw new UsageError(
        `${n} is more than the ${MAX_NR_REGIONS_OPTION} regions a simulation takes (each costs host memory and per-sample work)`,
        flag,
      );
  try {
    validateAttrs(a);
  } catch (e) {
    if (e instanceof DamonInvalidError) throw new UsageError(e.message, "monitoring attributes");
    throw e;
  }
  return a;
}

/** A positive duration option in ns. */
export function durationOption(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  const ns = parseDurationNs(text, name);
  if (!(ns > 0)) throw new UsageError(`'${text}' must be longer than zero`, name);
  return ns;
}

/** A positive size option in bytes. */
export function sizeOption(text: string, name: string): number {
  const b = parseSizeBytes(text, name);
  if (!(b > 0)) throw new UsageError(`'${text}' must be larger than zero`, name);
  return b;
}

/** A number in (0, max]. */
export function positiveNumberOption(text: string, name: string, max = Infinity): number {
  const v = Number(text);
  if (!Number.isFinite(v) || v <= 0 || v > max)
    throw new UsageError(`'${text}' must be a number in (0, ${max === Infinity ? "∞" : max}]`, name);
  return v;
}

/** `on`/`off` switches. */
export function onOffOption(text: string, name: string): boolean {
  if (text === "on") return true;
  if (text === "off") return false;
  throw new UsageError(`'${text}' must be on or off`, name);
}
