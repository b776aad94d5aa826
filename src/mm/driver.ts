/**
 * The discrete-event driver. CPUs advance in time order: the CPU with the
 * smallest clock runs its thread's accesses for one quantum (or up to the next
 * agent wake-up; a thread alone in the machine runs up to it), and agents (the
 * kdamond, the truth recorder, later NUMA balancing) wake when every running CPU
 * has reached their time. Ties are
 * broken by CPU index, and agents due at the same instant wake in the order of
 * their phase (AgentPhase) and then of registration, so a run is a pure
 * function of its inputs and seeds.
 */
import type { Machine, SimCpu, SimThread } from "./machine.js";

/** A periodic actor woken by the driver in virtual time. */
export interface Agent {
  /** When to wake next (ns); Infinity = never. Must be > the time of the last wake. */
  nextWakeNs(): number;
  /** Do the work due at `nowNs` (charge costs through Machine.charge). */
  wake(nowNs: number): void;
}

/**
 * The phases of one instant, in order. The workload's step comes first: every
 * running CPU has run its accesses up to the instant. Then the kdamonds sample
 * and aggregate (an aggregation closes the truth's window at that same instant);
 * then the truth closes its own due sampling windows; then other kernel activity
 * (NUMA balancing's scanner); last, observers of the run (resident-memory sampling).
 */
export const AGENT_PHASES = ["kdamond", "truth", "kernel", "observer"] as const;
export type AgentPhase = (typeof AGENT_PHASES)[number];

export interface RunOptions {
  /** Stop when the global time reaches this (default: when every thread is finished). */
  untilNs?: number;
  /** Keep waking agents after all threads finished, until `untilNs` (default false). */
  runAgentsWhenIdle?: boolean;
  /** Called every `progressEveryNs` of virtual time (default 1 s) with the global time. */
  onProgress?: (nowNs: number) => void;
  progressEveryNs?: number;
}

export interface RunResult {
  /** Global time at the end (the slowest running CPU's clock, or the last event). */
  endNs: number;
  /** Why it stopped. */
  reason: "threads-finished" | "time-limit";
  /** Agent wake-ups performed. */
  wakeups: number;
}

export interface SimulationOptions {
  /** Longest stretch a CPU runs before the driver picks again (default 10 µs). */
  quantumNs?: number;
  /**
   * When a single thread in the whole machine is still running, run it up to the
   * next agent event (or progress report, or `untilNs`) in one stretch instead of
   * quantum by quantum (default true). The quantum only interleaves CPUs, and the
   * threads of one CPU; alone, a thread runs the same accesses either way, with a
   * return to the driver (and out of the WebAssembly loop) per quantum saved.
   * false keeps the quantum (tests compare the two).
   */
  soloStretch?: boolean;
}

export class Simulation {
  readonly quantumNs: number;
  /** SimulationOptions.soloStretch (may be changed between runs). */
  soloStretch: boolean;
  /** Agents in wake order: by phase, then by registration. */
  private readonly agents: Agent[] = [];
  private readonly phaseRanks: number[] = [];
  /** Global time: every running CPU has reached it and every agent event before it has fired. */
  nowNs = 0;
  /** CPU time at which the last thread to finish finished. */
  private lastFinishNs = 0;

  constructor(
    readonly machine: Machine,
    opts: SimulationOptions = {},
  ) {
    this.quantumNs = opts.quantumNs ?? 10_000;
    this.soloStretch = opts.soloStretch ?? true;
    if (!(this.quantumNs >= 1)) throw new RangeError("quantum must be at least 1 ns");
  }

  /**
   * Registers an agent in a phase (default `kernel`); agents due at the same
   * time wake phase by phase, and in registration order within a phase.
   */
  addAgent(a: Agent, phase: AgentPhase = "kernel"): void {
    const rank = AGENT_PHASES.indexOf(phase);
    let i = this.agents.length;
    while (i > 0 && this.phaseRanks[i - 1] > rank) i--;
    this.agents.splice(i, 0, a);
    this.phaseRanks.splice(i, 0, rank);
  }

  removeAgent(a: Agent): void {
    const i = this.agents.indexOf(a);
    if (i >= 0) {
      this.agents.splice(i, 1);
      this.phaseRanks.splice(i, 1);
    }
  }

  /** Runs until every thread finished or `untilNs`. Can be called again to continue. */
  run(opts: RunOptions = {}): RunResult {
    const until = opts.untilNs ?? Infinity;
    const every = opts.progressEveryNs ?? 1e9;
    let nextProgress = opts.onProgress ? this.nowNs + every : Infinity;
    const cpus = this.machine.cpus;
    let wakeups = 0;
    for (;;) {
      // The running CPU with the smallest clock (lowest index on ties).
      let cpu: SimCpu | null = null;
      let running = 0;
      for (const c of cpus) {
        if (!this.prepareCpu(c)) continue;
        running++;
        if (cpu === null || c.timeNs < cpu.timeNs) cpu = c;
      }
      let tEvent = Infinity;
      for (const a of this.agents) tEvent = Math.min(tEvent, a.nextWakeNs());
      if (cpu === null && !(opts.runAgentsWhenIdle && until < Infinity)) {
        // The run ends as its last thread finishes, not at the start of the
        // stretch it finished in (every event before that time has fired: a
        // stretch ends at the next event).
        this.nowNs = Math.max(this.nowNs, this.lastFinishNs);
        return { endNs: this.nowNs, reason: "threads-finished", wakeups };
      }
      const tCpu = cpu === null ? Infinity : cpu.timeNs;
      if (tEvent <= tCpu && tEvent < until) {
        this.nowNs = Math.max(this.nowNs, tEvent);
        this.machine.nowNs = tEvent;
        for (const a of this.agents) {
          if (a.nextWakeNs() <= tEvent) {
            a.wake(tEvent);
            wakeups++;
            if (a.nextWakeNs() <= tEvent) throw new Error("agent did not move its next wake-up past now");
          }
        }
        continue;
      }
      if (tCpu >= until || cpu === null) {
        this.nowNs = Math.max(this.nowNs, Math.min(until, tCpu));
        return { endNs: this.nowNs, reason: "time-limit", wakeups };
      }
      this.nowNs = Math.max(this.nowNs, tCpu);
      if (this.nowNs >= nextProgress) {
        opts.onProgress!(this.nowNs);
        nextProgress += every;
      }
      const solo = this.soloStretch && running === 1 && liveThreads(cpu) === 1;
      this.runCpu(cpu, Math.min(solo ? nextProgress : tCpu + this.quantumNs, tEvent, until));
    }
  }

  /**
   * Whether `c` has a thread to run; a CPU whose threads all sleep jumps its
   * clock to the earliest wake-up (idle time).
   */
  private prepareCpu(c: SimCpu): boolean {
    let sleeping = Infinity;
    for (const t of c.threads) {
      if (t.done) continue;
      if (t.resumeNs <= c.timeNs) return true;
      sleeping = Math.min(sleeping, t.resumeNs);
    }
    if (sleeping === Infinity) return false;
    c.idleNs += sleeping - c.timeNs;
    c.timeNs = sleeping;
    this.machine.cpuIdled(c);
    return true;
  }

  /** Runs `c`'s threads round-robin until its clock reaches `limitNs`. */
  private runCpu(c: SimCpu, limitNs: number): void {
    const m = this.machine;
    const n = c.threads.length;
    while (c.timeNs < limitNs) {
      let th: SimThread | null = null;
      for (let k = 0; k < n; k++) {
        const t = c.threads[(c.rr + k) % n];
        if (!t.done && t.resumeNs <= c.timeNs) {
          th = t;
          c.rr = (c.rr + k + 1) % n;
          break;
        }
      }
      if (th === null) return;
      if (th.pos === th.len) {
        const got = th.stream.fill(th.addrs, th.writes, c.timeNs, m.batchFill);
        if (got === 0) {
          if (th.stream.finished) {
            th.done = true;
            this.lastFinishNs = Math.max(this.lastFinishNs, c.timeNs);
          } else if (th.stream.resumeNs > c.timeNs) th.resumeNs = th.stream.resumeNs;
          else throw new Error(`thread ${th.tid}: stream returned no accesses without finishing or sleeping`);
          continue;
        }
        th.pos = 0;
        th.len = got;
      }
      th.pos = m.exec(th, th.addrs, th.writes, th.pos, th.len, limitNs);
    }
  }
}

/** Threads of `c` not finished (running or sleeping). */
function liveThreads(c: SimCpu): number {
  let n = 0;
  for (const t of c.threads) if (!t.done) n++;
  return n;
}
