/**
 * Per-region probe hits in records (damo 3.3's `probe_hits` region list,
 * docs/probes.md). A snapshot keeps them as columns, one per probe index; a
 * region whose list is shorter has NaN there. Snapshots without probe hits have
 * no columns at all, so records without probes cost nothing.
 */
import type { DamonRecord, Snapshot } from "./model.js";
import { InputError } from "../util/errors.js";

/** The probe hits of region `i` of `s` (empty when the snapshot has none). */
export function regionProbeHits(s: Pick<Snapshot, "probeHits">, i: number): number[] {
  const cols = s.probeHits;
  if (!cols) return [];
  const out: number[] = [];
  for (const c of cols) if (!Number.isNaN(c[i])) out.push(c[i]);
  return out;
}

/** Whether any region of the snapshot has probe hits (damo picks its probe layout by this). */
export function hasProbeHits(s: Pick<Snapshot, "probeHits">): boolean {
  return s.probeHits !== undefined && s.probeHits.length > 0;
}

/** Builds probe-hit columns region by region while a snapshot is read or made. */
export class ProbeHitsBuilder {
  private cols: number[][] = [];
  private any = false;

  /** Sets region `i`'s list (call in region order; absent lists leave NaN). */
  set(i: number, hits: readonly number[] | null | undefined): void {
    if (!hits || hits.length === 0) return;
    this.any = true;
    while (this.cols.length < hits.length) this.cols.push([]);
    for (let k = 0; k < hits.length; k++) this.cols[k][i] = hits[k];
  }

  /** The columns for `n` regions (undefined when no region had hits), and a reset. */
  take(n: number): Float64Array[] | undefined {
    const cols = this.cols;
    const any = this.any;
    this.cols = [];
    this.any = false;
    if (!any) return undefined;
    return cols.map((c) => {
      const a = new Float64Array(n).fill(NaN);
      for (let i = 0; i < n; i++) if (c[i] !== undefined) a[i] = c[i];
      return a;
    });
  }
}

/** A `probe_hits` JSON value as a list of non-negative integers, or a reason it is not one. */
export function parseProbeHitsValue(v: unknown): number[] | string {
  if (!Array.isArray(v)) return "'probe_hits' must be a list of integers";
  for (const x of v)
    if (typeof x !== "number" || !Number.isInteger(x) || x < 0)
      return `'probe_hits' entry ${JSON.stringify(x)} is not a non-negative integer`;
  return v as number[];
}

/**
 * The records with each region's access count replaced by probe `idx`'s hits, so
 * every access report (heatmap, wss) can be drawn for a data attribute. Regions
 * without that probe count 0. Throws InputError when no snapshot has the probe.
 */
export function probeHitsAsAccesses(records: readonly DamonRecord[], idx: number): DamonRecord[] {
  const most = Math.max(0, ...records.flatMap((r) => r.snapshots.map((s) => s.probeHits?.length ?? 0)));
  if (!(idx >= 0 && idx < most))
    throw new InputError(
      most === 0
        ? "the record has no probe hits (record with --probe to get them)"
        : `no probe ${idx}: the record has probes 0..${most - 1}`,
      "--probe",
    );
  return records.map((r) => ({
    ...r,
    snapshots: r.snapshots.map((s) => {
      const col = s.probeHits?.[idx];
      const samples = new Float64Array(s.nr);
      if (col) for (let i = 0; i < s.nr; i++) samples[i] = Number.isNaN(col[i]) ? 0 : col[i];
      return { ...s, samples };
    }),
  }));
}
