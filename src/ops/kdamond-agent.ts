/**
 * Runs a Kdamond as an agent of the memory system's discrete-event driver: it
 * wakes at the start of each sampling interval (prepare) and at its end (check
 * and the rest of the iteration, then the next prepare), so the workload runs
 * for exactly one sample interval between the two halves.
 */
import type { Clock } from "../core/clock.js";
import type { Context } from "../core/context.js";
import { Kdamond } from "../core/kdamond.js";
import type { Agent } from "../mm/driver.js";

/** The driver's time as the engine's clock. */
class AgentClock implements Clock {
  now = 0;
  nowNs(): number {
    return this.now;
  }
}

export class KdamondAgent implements Agent {
  readonly kdamond: Kdamond;
  private readonly clock = new AgentClock();
  private next: number;
  private inSample = false;

  constructor(ctx: Context, startNs = 0) {
    this.clock.now = startNs;
    this.kdamond = new Kdamond(ctx, this.clock);
    this.next = startNs;
  }

  nextWakeNs(): number {
    return this.next;
  }

  wake(nowNs: number): void {
    this.clock.now = nowNs;
    if (this.inSample) {
      this.kdamond.endIteration();
      this.inSample = false;
    }
    if (this.kdamond.isStopped) {
      this.next = Infinity;
      return;
    }
    const plan = this.kdamond.beginIteration();
    if (this.kdamond.isStopped) {
      this.next = Infinity;
      return;
    }
    this.inSample = plan.sampling;
    this.next = nowNs + Math.max(1, plan.durationNs);
  }
}
