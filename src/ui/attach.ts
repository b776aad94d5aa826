/**
 * `--ui` for commands that produce runs (run, compare, live, kernel record): the
 * UI server starts in a worker thread before the work, its URL is stdout's first
 * line, each run streams its snapshots into the page as they are taken (with the
 * exact truth's frequency per region for simulated runs), and when the work is done
 * the page keeps the final result until Ctrl-C.
 */
import { Worker } from "node:worker_threads";
import type { TruthWindow } from "../truth/ground-truth.js";
import type { RegionInput } from "../record/model.js";
import type { UiMessage, UiRunMeta, UiSchemeStats, UiTable } from "./store.js";
import type { UiServerOptions } from "./server.js";
import type { WireSnapshot } from "./wire.js";
import { moduleBeside, startModuleWorker, untilInterrupted } from "../util/worker-thread.js";

/** A snapshot as the run loops produce it (the first target's regions are shown). */
export interface RegionsSnapshot {
  startNs: number;
  endNs: number;
  targets: readonly { regions: readonly RegionInput[] }[];
}

export class UiSession {
  private constructor(
    private readonly worker: Worker,
    readonly url: string,
  ) {}

  static async start(o: UiServerOptions): Promise<UiSession> {
    const worker = startModuleWorker(moduleBeside(import.meta.url, "worker"), { workerData: o });
    const url = await new Promise<string>((resolve, reject) => {
      worker.once("message", (m: { type: string; url?: string; message?: string }) =>
        m.type === "ready" ? resolve(m.url!) : reject(new Error(`UI server: ${m.message}`)),
      );
      worker.once("error", reject);
    });
    // the worker must not keep the process alive by itself once the work is done
    worker.unref();
    return new UiSession(worker, url);
  }

  private nextId = 0;

  private post(m: UiMessage, transfer: ArrayBuffer[] = []): void {
    this.worker.postMessage(m, transfer);
  }

  /** Registers a run; returns its feed. */
  run(
    meta: Omit<UiRunMeta, "id" | "nrSnapshots" | "done" | "summary" | "result" | "damos" | "schemeIdx">,
    damos: (() => UiSchemeStats[]) | null = null,
  ): UiRunFeed {
    this.post({ type: "add", meta: { ...meta, summary: null, result: null, damos: null, schemeIdx: null } });
    return new UiRunFeed(this.nextId++, (m, t) => this.post(m, t), damos);
  }

  /** Serves the final state until SIGINT/SIGTERM, then stops the worker. */
  async serveUntilInterrupted(): Promise<void> {
    this.worker.ref();
    process.stderr.write(`damon-ts ui: the run is done; still serving ${this.url} (Ctrl-C stops)\n`);
    await untilInterrupted();
    await this.close();
  }

  async close(): Promise<void> {
    this.worker.postMessage({ type: "close" });
    await new Promise<void>((resolve) => this.worker.once("exit", () => resolve()));
  }
}

/**
 * One run's stream. A snapshot waits for its truth window (which closes right after
 * it at the same aggregation) so both travel together; `flush` sends it without.
 */
export class UiRunFeed {
  private pending: WireSnapshot | null = null;
  private pendingDamos: UiSchemeStats[] | undefined;
  constructor(
    readonly id: number,
    private readonly post: (m: UiMessage, transfer: ArrayBuffer[]) => void,
    /** DAMOS stats of the run's schemes now (taken with each snapshot), when it has schemes. */
    private readonly damos: (() => UiSchemeStats[]) | null = null,
  ) {}

  snapshot(s: RegionsSnapshot): void {
    this.flush();
    const regions = s.targets[0]?.regions ?? [];
    const n = regions.length;
    const w: WireSnapshot = {
      startNs: s.startNs,
      endNs: s.endNs,
      nr: n,
      start: new Float64Array(n),
      end: new Float64Array(n),
      samples: new Float64Array(n),
      age: new Float64Array(n),
      trueFreq: null,
    };
    const probes = Math.max(0, ...regions.map((r) => r.probeHits?.length ?? 0));
    const hits = Array.from({ length: probes }, () => new Float64Array(n).fill(NaN));
    regions.forEach((r, i) => {
      (w.start as Float64Array)[i] = r.start;
      (w.end as Float64Array)[i] = r.end;
      (w.samples as Float64Array)[i] = r.nrAccesses;
      (w.age as Float64Array)[i] = r.age ?? NaN;
      r.probeHits?.forEach((h, k) => (hits[k][i] = h));
    });
    if (probes > 0) w.probeHits = hits;
    this.pending = w;
    this.pendingDamos = this.damos?.();
  }

  /** The exact truth of the pending snapshot's window: each region's true access frequency. */
  truth(t: TruthWindow, space: "vaddr" | "paddr"): void {
    const w = this.pending;
    if (!w || t.startNs !== w.startNs || t.endNs !== w.endNs || t.samples <= 0) return;
    w.trueFreq = regionTrueFrequency(w, space === "vaddr" ? t.vaddr : t.paddr, t.positive, t.n, t.samples);
    this.flush();
  }

  flush(): void {
    const w = this.pending;
    if (!w) return;
    this.pending = null;
    const bufs = [w.start, w.end, w.samples, w.age, w.trueFreq, ...(w.probeHits ?? [])]
      .filter((a): a is Float64Array => a instanceof Float64Array)
      .map((a) => a.buffer as ArrayBuffer);
    this.post({ type: "snapshot", id: this.id, snap: w, damos: this.pendingDamos }, bufs);
  }

  finish(summary: UiTable | null, result: unknown): void {
    this.flush();
    this.post({ type: "finish", id: this.id, summary, result }, []);
  }
}

const PAGE = 4096;

/**
 * Per region: accessed samples of its pages / (pages x samples), i.e. the true
 * fraction of sampling intervals in which a page of the region was accessed.
 */
export function regionTrueFrequency(
  w: WireSnapshot,
  addr: Float64Array,
  positive: Uint16Array,
  n: number,
  samples: number,
): Float64Array {
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => addr[a] - addr[b]);
  const out = new Float64Array(w.nr);
  let p = 0;
  for (let r = 0; r < w.nr; r++) {
    const a = w.start[r];
    const b = w.end[r];
    while (p < n && addr[order[p]] < a) p++;
    let sum = 0;
    for (let q = p; q < n && addr[order[q]] < b; q++) sum += positive[order[q]];
    out[r] = sum / (Math.max(1, Math.round((b - a) / PAGE)) * samples);
  }
  return out;
}
