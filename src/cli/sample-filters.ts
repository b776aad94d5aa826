/**
 * `--filter` on the command line: keep only some access reports (fault- and
 * sample-based sources), e.g. `--filter cpu=1 --filter write` for CPU 1's writes.
 * Several filters must all hold; they become the core's first-match sample
 * filters: reject what fails each condition but the last, allow what passes the
 * last, reject the rest.
 */
import type { SampleFilter, SampleFilterKind } from "../core/sample-filter.js";
import { UsageError } from "../util/errors.js";
import { parseCount } from "../util/units.js";

interface Condition {
  kind: SampleFilterKind;
  /** The report must have the property (false: must not). */
  has: boolean;
}

function parseCondition(text: string): Condition {
  const t = text.trim();
  const ints = (v: string, what: string): number[] =>
    v.split(",").map((x) => parseCount(x, `--filter ${what}`));
  if (t === "write") return { kind: { type: "write" }, has: true };
  if (t === "read") return { kind: { type: "write" }, has: false };
  const m = /^(!?)(cpu|tid)=(.+)$/.exec(t);
  if (m) {
    const kind: SampleFilterKind =
      m[2] === "cpu"
        ? { type: "cpumask", cpus: ints(m[3], "cpu") }
        : { type: "threads", tids: ints(m[3], "tid") };
    return { kind, has: m[1] !== "!" };
  }
  throw new UsageError(
    `'${text}' is not a filter (cpu=N[,N..], tid=N[,N..], !cpu=.., !tid=.., write, read)`,
    "--filter",
  );
}

/** Turns `--filter` conditions (all must hold) into sample filters. */
export function sampleFiltersFrom(conditions: readonly string[]): SampleFilter[] {
  const cs = conditions.map(parseCondition);
  return cs.map(
    (c, i) =>
      i < cs.length - 1
        ? { ...c.kind, matching: !c.has, allow: false } // reject reports failing this condition
        : { ...c.kind, matching: c.has, allow: true }, // allow those passing the last; the rest is rejected
  );
}
