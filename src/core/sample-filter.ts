/**
 * Sample filters (damon-spec.md §5.5.5, RFC v3): decide per access report whether
 * it counts, by CPU, thread or write. The first filter whose property test equals
 * its `matching` decides (`allow` keeps the report); when none matches, the
 * default is the opposite of the last filter's `allow` (§5.8, mirroring DAMOS
 * filters); with no filters every report counts.
 */

export const SAMPLE_FILTER_TYPES = ["cpumask", "threads", "write"] as const;
export type SampleFilterType = (typeof SAMPLE_FILTER_TYPES)[number];

export type SampleFilterKind =
  | { type: "cpumask"; cpus: readonly number[] }
  | { type: "threads"; tids: readonly number[] }
  | { type: "write" };

export type SampleFilter = SampleFilterKind & { matching: boolean; allow: boolean };

/** A filter list prepared for per-report evaluation without allocation. */
export class SampleFilterSet {
  private readonly types: Uint8Array;
  private readonly matching: Uint8Array;
  private readonly allow: Uint8Array;
  private readonly sets: (Set<number> | null)[];
  private readonly defaultAllow: boolean;
  readonly length: number;

  constructor(filters: readonly SampleFilter[]) {
    this.length = filters.length;
    this.types = new Uint8Array(filters.length);
    this.matching = new Uint8Array(filters.length);
    this.allow = new Uint8Array(filters.length);
    this.sets = [];
    filters.forEach((f, i) => {
      this.types[i] = f.type === "cpumask" ? 0 : f.type === "threads" ? 1 : 2;
      this.matching[i] = f.matching ? 1 : 0;
      this.allow[i] = f.allow ? 1 : 0;
      this.sets.push(f.type === "cpumask" ? new Set(f.cpus) : f.type === "threads" ? new Set(f.tids) : null);
    });
    this.defaultAllow = filters.length === 0 ? true : !filters[filters.length - 1].allow;
  }

  /** Whether a report from (cpu, tid, isWrite) passes the filters. */
  allows(cpu: number, tid: number, isWrite: boolean): boolean {
    for (let i = 0; i < this.length; i++) {
      const t = this.types[i];
      const has = t === 0 ? this.sets[i]!.has(cpu) : t === 1 ? this.sets[i]!.has(tid) : isWrite;
      if (has === (this.matching[i] === 1)) return this.allow[i] === 1;
    }
    return this.defaultAllow;
  }
}
