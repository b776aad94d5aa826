/**
 * The exporter's view of a simulated run, on the server's thread: the latest
 * state of each kdamond and every snapshot's WSS per target, for the quantiles.
 */
import { quantilesOf } from "./quantiles.js";
import type { ContextReading, Reading, ReadingSource } from "./reading.js";
import type { SimUpdate } from "./sim-update.js";

export class RunAccumulator implements ReadingSource {
  private readonly latest = new Map<string, SimUpdate["context"]>();
  private readonly snapshots = new Map<string, number>();
  /** `${kdamond}/${target}` → WSS of every snapshot. */
  private readonly wss = new Map<string, number[]>();
  private running = true;
  constructor(readonly name: string) {}

  observe(u: SimUpdate): void {
    const c = u.context;
    this.latest.set(c.kdamond, c);
    if (!u.aggregated) return;
    this.snapshots.set(c.kdamond, (this.snapshots.get(c.kdamond) ?? 0) + 1);
    for (const t of c.targets) {
      const key = `${c.kdamond}/${t.target}`;
      let h = this.wss.get(key);
      if (!h) this.wss.set(key, (h = []));
      h.push(t.wssBytes);
    }
  }

  /** The run ended (the exporter keeps serving its last state). */
  finish(): void {
    this.running = false;
  }

  read(): Reading {
    const contexts: ContextReading[] = [...this.latest.values()].map((c) => ({
      ...c,
      snapshots: this.snapshots.get(c.kdamond) ?? null,
      targets: c.targets.map((t) => ({
        ...t,
        wssQuantiles: quantilesOf(this.wss.get(`${c.kdamond}/${t.target}`) ?? []),
      })),
    }));
    return { running: this.running, contexts };
  }
}
