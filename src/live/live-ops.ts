/**
 * The operations set of live observation: the target is a real process, its
 * layout the three regions of /proc/PID/maps as it was at the kdamond's time
 * (refreshed every update interval), and its accesses come as reports (perf
 * page-fault samples), so there is no checkAccesses: the core drains the
 * reports (report mode).
 */
import type { Context } from "../core/context.js";
import type { Ops } from "../core/ops.js";
import { setRegions, type Target } from "../core/region.js";
import { threeRegionsOf } from "../ops/three-regions.js";
import type { MapsHistory } from "./maps-history.js";
import { processAlive } from "./proc.js";

export class LiveVaddrOps implements Ops {
  readonly name = "live-vaddr";
  /** Real time at which the process was first seen gone. */
  private goneAtNs: number | null = null;

  constructor(
    readonly pid: number,
    readonly maps: MapsHistory,
    /** The kdamond's clock (lags real time by the live latency). */
    private readonly kdNowNs: () => number,
    /** Real time on the same clock base. */
    private readonly realNowNs: () => number,
  ) {}

  init(ctx: Context): void {
    if (this.maps.reads === 0) this.maps.read();
    this.update(ctx);
  }

  update(ctx: Context): void {
    const maps = this.maps.at(this.kdNowNs());
    if (maps.length === 0) return;
    for (const t of ctx.targets) {
      const three = threeRegionsOf(maps, ctx.minRegionSz);
      if (three !== null) setRegions(t, three, ctx.minRegionSz);
    }
  }

  /** Alive, or gone so recently that the kdamond (behind real time) has not reached that moment. */
  targetValid(t: Target): boolean {
    if (t.pid === undefined) return false;
    if (this.goneAtNs === null) {
      if (processAlive(t.pid)) return true;
      this.goneAtNs = this.realNowNs();
    }
    return this.kdNowNs() < this.goneAtNs;
  }
}
