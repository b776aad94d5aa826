/**
 * What the UI server shows: runs (a record's targets, or a simulation streaming
 * in), each a growing list of snapshots plus a JSON description. Changes are
 * announced to listeners (the server's event stream). The same store is driven
 * directly by `damon-ts ui` and through messages (`apply`) when the server lives
 * in a worker thread beside a running simulation.
 */
import type { DamonRecord, DamosStats } from "../record/model.js";
import { encodeSnapshots, type WireSnapshot } from "./wire.js";

/** A table of numbers per run (accuracy/overhead rows of a simulated run). */
export interface UiTable {
  columns: string[];
  rows: string[][];
}

/** One DAMOS scheme's stats per snapshot (cumulative, as the kernel counts). */
export interface UiDamosSeries {
  name: string;
  nrTried: number[];
  szTried: number[];
  nrApplied: number[];
  szApplied: number[];
  qtExceeds: number[];
}

export interface UiRunMeta {
  id: number;
  name: string;
  /** The file it came from, or the command that produced it. */
  source: string;
  live: boolean;
  done: boolean;
  /** Address space: virtual or physical (null: unknown, e.g. a record). */
  space: string | null;
  sampleUs: number | null;
  aggrUs: number | null;
  nrSnapshots: number;
  /** Index of the DAMOS scheme for tried-regions records, else null. */
  schemeIdx: number | null;
  /** Per scheme: stats over time (tried-regions records, simulated runs with schemes). */
  damos: UiDamosSeries[] | null;
  /** Accuracy and overhead against the exact truth (simulated runs, when finished). */
  summary: UiTable | null;
  /** The run's `--json` result when finished (simulated runs). */
  result: unknown;
}

export type UiEvent = { type: "run"; meta: UiRunMeta } | { type: "snapshots"; id: number; nr: number };

/** Messages a worker-hosted store takes from the thread that runs the simulation. */
export type UiMessage =
  | { type: "add"; meta: Omit<UiRunMeta, "id" | "nrSnapshots" | "done"> }
  | { type: "snapshot"; id: number; snap: WireSnapshot; damos?: UiSchemeStats[] }
  | { type: "finish"; id: number; summary: UiTable | null; result: unknown };

/** A scheme's stats at one snapshot. */
export interface UiSchemeStats {
  name: string;
  nrTried: number;
  szTried: number;
  nrApplied: number;
  szApplied: number;
  qtExceeds: number;
}

interface Run {
  meta: UiRunMeta;
  snaps: WireSnapshot[];
  /** The whole run in the wire form, once finished and asked for. */
  whole?: ArrayBuffer;
}

export class UiStore {
  private readonly runs: Run[] = [];
  private readonly listeners = new Set<(e: UiEvent) => void>();

  subscribe(f: (e: UiEvent) => void): () => void {
    this.listeners.add(f);
    return () => this.listeners.delete(f);
  }

  private emit(e: UiEvent): void {
    for (const f of this.listeners) f(e);
  }

  metas(): UiRunMeta[] {
    return this.runs.map((r) => r.meta);
  }

  add(meta: Omit<UiRunMeta, "id" | "nrSnapshots" | "done">, done = false): number {
    const id = this.runs.length;
    const full: UiRunMeta = { ...meta, id, nrSnapshots: 0, done };
    this.runs.push({ meta: full, snaps: [] });
    this.emit({ type: "run", meta: full });
    return id;
  }

  addSnapshot(id: number, snap: WireSnapshot, damos?: UiSchemeStats[]): void {
    const r = this.runs[id];
    if (damos) {
      const series = (r.meta.damos ??= []);
      damos.forEach((st, k) => {
        series[k] ??= {
          name: st.name,
          nrTried: [],
          szTried: [],
          nrApplied: [],
          szApplied: [],
          qtExceeds: [],
        };
        const x = series[k];
        // a scheme that appears later has no stats for the snapshots before it
        for (const key of STAT_KEYS) {
          while (x[key].length < r.snaps.length) x[key].push(NaN);
          x[key].push(st[key]);
        }
      });
    }
    r.snaps.push(snap);
    r.meta.nrSnapshots = r.snaps.length;
    this.emit({ type: "snapshots", id, nr: r.snaps.length });
  }

  finish(id: number, summary: UiTable | null, result: unknown): void {
    const m = this.runs[id].meta;
    m.done = true;
    m.summary = summary;
    m.result = result;
    this.emit({ type: "run", meta: m });
  }

  /** Snapshots `from..` of run `id` in the wire form; null for an unknown run. */
  chunk(id: number, from: number): ArrayBuffer | null {
    const r = this.runs[id];
    if (!r) return null;
    const f = Math.min(Math.max(0, from), r.snaps.length);
    // a finished run's whole record is asked for by every page that opens it: encoded once
    if (f === 0 && r.meta.done) return (r.whole ??= encodeSnapshots(0, r.snaps));
    return encodeSnapshots(f, r.snaps.slice(f));
  }

  /** Encodes the finished runs' records ahead of the first page asking for them. */
  prepare(): void {
    this.runs.forEach((r, id) => r.meta.done && this.chunk(id, 0));
  }

  apply(m: UiMessage): void {
    if (m.type === "add") this.add(m.meta);
    else if (m.type === "snapshot") this.addSnapshot(m.id, m.snap, m.damos);
    else this.finish(m.id, m.summary, m.result);
  }

  /** Adds every record of a file as a finished run. */
  addRecords(path: string, records: readonly DamonRecord[]): void {
    records.forEach((rec, i) => {
      const parts = [
        rec.kdamondIdx !== null && `kdamond ${rec.kdamondIdx}`,
        rec.contextIdx !== null && `context ${rec.contextIdx}`,
        rec.targetId !== null && `target ${rec.targetId}`,
        rec.schemeIdx !== null && `scheme ${rec.schemeIdx}`,
      ].filter((x): x is string => typeof x === "string");
      const name = records.length > 1 ? `${basename(path)} (${parts.join(", ") || `#${i}`})` : basename(path);
      const id = this.add(
        {
          name,
          source: path,
          live: false,
          space: rec.dataSource,
          sampleUs: rec.intervals?.sampleUs ?? null,
          aggrUs: rec.intervals?.aggrUs ?? null,
          schemeIdx: rec.schemeIdx,
          damos: damosSeries(
            `scheme ${rec.schemeIdx ?? "?"}`,
            rec.snapshots.map((s) => s.damosStats),
          ),
          summary: null,
          result: null,
        },
        true,
      );
      const run = this.runs[id];
      run.snaps = rec.snapshots;
      run.meta.nrSnapshots = rec.snapshots.length;
    });
  }
}

function basename(p: string): string {
  return p.slice(p.lastIndexOf("/") + 1);
}

const STAT_KEYS = ["nrTried", "szTried", "nrApplied", "szApplied", "qtExceeds"] as const;

function damosSeries(name: string, stats: (DamosStats | null)[]): UiDamosSeries[] | null {
  if (!stats.some((s) => s !== null)) return null;
  const pick = (f: (s: DamosStats) => number): number[] => stats.map((s) => (s ? f(s) : NaN));
  return [
    {
      name,
      nrTried: pick((s) => s.nrTried),
      szTried: pick((s) => s.szTried),
      nrApplied: pick((s) => s.nrApplied),
      szApplied: pick((s) => s.szApplied),
      qtExceeds: pick((s) => s.qtExceeds),
    },
  ];
}
