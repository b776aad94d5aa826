/**
 * Live observation of one process the user names (or starts): perf's page-fault
 * samples are fed through the core's report API into a Context whose target is
 * the process's three regions, driven by a Kdamond on the wall clock.
 *
 * The kdamond's clock is CLOCK_MONOTONIC minus a fixed latency (default 500 ms),
 * advanced exactly one sample interval per iteration with real sleeping in
 * between: samples then land in the sample interval they happened in (perf's
 * timestamps are CLOCK_MONOTONIC too), and a sample that reaches us later than
 * the latency is counted stale by the core, not silently moved.
 *
 * Safety: only the named (or started) process is observed; nothing is written
 * to it unless `clearRefs` is set; a started command is spawned stopped, perf is
 * attached, then it is continued, so no early fault is missed.
 */
import { constants as osConstants } from "node:os";
import { spawn, type ChildProcess } from "node:child_process";
import { cpus } from "node:os";
import { setTimeout as sleep } from "node:timers/promises";
import type { Attrs } from "../core/attrs.js";
import { VirtualClock } from "../core/clock.js";
import { createContext } from "../core/context.js";
import { Kdamond } from "../core/kdamond.js";
import { Target } from "../core/region.js";
import type { ReportStats } from "../core/report.js";
import type { TargetSnapshot } from "../core/snapshot.js";
import { InputError } from "../util/errors.js";
import { LiveVaddrOps } from "./live-ops.js";
import { PerfFaultSource, probePerf } from "./perf-source.js";
import {
  clearRefs,
  processAlive,
  processComm,
  processState,
  readSmapsReferenced,
  readThreads,
} from "./proc.js";
import type { VmaReferenced } from "./proc.js";
import { SampleQueue } from "./sample-queue.js";
import { MapsHistory, mappingOf } from "./maps-history.js";
import type { ProcMapping } from "./proc.js";
import { describeSources, type SourceStatus } from "./sources.js";

/** perf script needs a few hundred ms to start streaming; later samples arrive within ms. */
export const DEFAULT_LATENCY_NS = 500e6;
/** How often /proc/PID/maps is read (DAMON's updates then see the map of their own time). */
const MAPS_POLL_NS = 20e6;

export interface LiveOptions {
  /** An existing process to observe (read-only). */
  pid?: number;
  /** Or a command to start and observe. */
  command?: string[];
  attrs: Attrs;
  /** How far the kdamond runs behind real time, waiting for perf's samples (default 500 ms). */
  latencyNs?: number;
  /** Stop after this long (default: when the process exits, or on abort). */
  durationNs?: number;
  /** How often `onView` is called and smaps re-read (default 1 s). */
  refreshNs?: number;
  /** Clear the process's Referenced bits after each smaps read (writes /proc/PID/clear_refs). */
  clearRefs?: boolean;
  /** Per-CPU report ring capacity (default 4096 per sample interval). */
  ringCapacity?: number;
  /** Where a started command's stdout goes (default: inherited). */
  commandStdout?: "inherit" | "ignore" | number;
  perfPath?: string;
  signal?: AbortSignal;
  onSnapshot?: (s: LiveSnapshot) => void;
  onView?: (s: LiveState) => void;
}

export interface LiveSnapshot {
  index: number;
  startNs: number;
  endNs: number;
  targets: TargetSnapshot[];
}

export interface LiveThread {
  tid: number;
  comm: string;
  faults: number;
  /** Faults per CPU (index = CPU). */
  byCpu: number[];
  /** Mappings this thread faulted in, most faults first (at most 8). */
  mappings: { start: number; end: number; name: string; faults: number }[];
}

/** What the view shows and `--json` prints. */
export interface LiveState {
  pid: number;
  comm: string;
  /** Since the target was continued / attached. */
  elapsedNs: number;
  sources: SourceStatus[];
  attrs: Attrs;
  faults: number;
  faultsPerCpu: number[];
  threads: LiveThread[];
  reports: ReportStats;
  /** `late`: samples that arrived more than `latencyNs` after their fault (DAMON had moved past them). */
  perf: {
    samples: number;
    badLines: number;
    lost: string;
    maxLagNs: number;
    late: number;
    latencyNs: number;
  };
  latest: LiveSnapshot | null;
  snapshots: number;
  referenced: VmaReferenced[] | null;
  mapsReads: number;
}

export interface LiveResult extends LiveState {
  endReason: string;
  /** The started command's exit status (null for --pid). */
  exitCode: number | null;
}

interface ThreadAcc {
  faults: number;
  byCpu: number[];
  /** By interned mapping id (-1: in no mapping). */
  byMapping: Map<number, { start: number; end: number; name: string; faults: number }>;
}

function monoNs(): number {
  return Number(process.hrtime.bigint());
}

/** Starts `command` stopped (so perf attaches before it runs); returns the child. */
function spawnStopped(command: string[], stdout: LiveOptions["commandStdout"]): ChildProcess {
  // The shell stops itself, then execs the command in the same process (same pid).
  return spawn("sh", ["-c", 'kill -STOP $$; exec "$@"', "damon-ts-live", ...command], {
    stdio: ["inherit", stdout ?? "inherit", "inherit"],
  });
}

async function waitFor(cond: () => boolean, timeoutMs: number, stepMs = 5): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (cond()) return true;
    await sleep(stepMs);
  }
  return cond();
}

export async function runLive(o: LiveOptions): Promise<LiveResult> {
  if ((o.pid === undefined) === (o.command === undefined || o.command.length === 0)) {
    throw new InputError("give either a process id (--pid) or a command to start (-- CMD ARGS)");
  }
  const perfOk = probePerf(o.perfPath);
  if (!perfOk.ok) throw new InputError(perfOk.reason ?? "perf cannot be used");
  const sources = describeSources({ perf: perfOk, clearRefs: o.clearRefs === true });

  let child: ChildProcess | null = null;
  let exitCode: number | null = null;
  let pid: number;
  if (o.command) {
    child = spawnStopped(o.command, o.commandStdout);
    const spawnError = new Promise<Error>((resolve) => child!.once("error", resolve));
    child.once("exit", (code, sig) => {
      // killed by a signal: 128 + its number, as a shell reports it
      exitCode = code ?? (sig ? 128 + (osConstants.signals[sig] ?? 0) : null);
    });
    if (child.pid === undefined)
      throw new InputError(`cannot start ${o.command[0]}: ${String(await spawnError)}`);
    pid = child.pid;
    if (!(await waitFor(() => processState(pid) === "T", 5000))) {
      child.kill("SIGKILL");
      throw new Error(`${o.command[0]}: the started command did not reach its stopped state`);
    }
  } else {
    pid = o.pid!;
    if (!processAlive(pid)) throw new InputError(`no running process with pid ${pid}`, "--pid");
  }

  const queue = new SampleQueue();
  let maxLagNs = 0;
  let late = 0;
  const latency = o.latencyNs ?? DEFAULT_LATENCY_NS;
  const history = new MapsHistory(pid, monoNs);
  history.read();
  // Mappings faults fell in, interned: the queue keeps an index per sample.
  const mappings: ProcMapping[] = [];
  const mappingIds = new Map<string, number>();
  const attribute = (timeNs: number, addr: number): number => {
    // The map as it was when the fault happened, else as it is now.
    let m = mappingOf(history.at(timeNs), addr) ?? mappingOf(history.latest, addr);
    // Newer than the last read (and that read is not from this very moment): read again.
    if (m === null && monoNs() - history.latestTimeNs > 1e6) m = mappingOf(history.read(), addr);
    if (m === null) return -1;
    const key = `${m.start}-${m.end}-${m.name}`;
    let id = mappingIds.get(key);
    if (id === undefined) {
      id = mappings.length;
      mappings.push(m);
      mappingIds.set(key, id);
    }
    return id;
  };
  const perf = new PerfFaultSource({
    pid,
    perfPath: o.perfPath,
    onSample: (t, a, tid, cpu) => {
      queue.push(t, a, tid, cpu, attribute(t, a));
      const lag = monoNs() - t;
      if (lag > maxLagNs) maxLagNs = lag;
      if (lag > latency) late++;
    },
  });
  let perfExited = false;
  void perf.done.then(() => {
    perfExited = true;
  });
  const enabled = await perf.enable();
  if (!enabled || perfExited) {
    child?.kill("SIGKILL");
    perf.stop();
    await perf.done;
    const msg = perf.stderr.find((l) => !l.startsWith("[ perf record")) ?? "perf exited";
    throw new InputError(`perf could not attach to pid ${pid}: ${msg}`);
  }
  const comm = o.command ? (o.command[0].split("/").pop() ?? o.command[0]) : processComm(pid);
  if (child) child.kill("SIGCONT");

  const refresh = o.refreshNs ?? 1e9;
  const startReal = monoNs();
  // The kdamond's clock starts `latency` behind the real one; snapshot times count
  // from its start, so they are never negative (records refuse negative times).
  const origin = startReal - latency;
  const clock = new VirtualClock(origin);
  const nrCpus = Math.max(1, cpus().length);
  const ctx = createContext({ attrs: o.attrs, nrCpus, reportRingCapacity: o.ringCapacity ?? 4096 });
  const ops = new LiveVaddrOps(pid, history, () => clock.nowNs(), monoNs);
  ctx.ops = ops;
  ctx.targets.push(new Target(pid));
  const kd = new Kdamond(ctx, clock);
  let latest: LiveSnapshot | null = null;
  let nrSnapshots = 0;
  kd.onAggregated((ev) => {
    latest = {
      index: ev.index,
      startNs: ev.startNs - origin,
      endNs: ev.endNs - origin,
      targets: ev.targets,
    };
    nrSnapshots++;
    o.onSnapshot?.(latest);
  });

  const perThread = new Map<number, ThreadAcc>();
  const threadNames = new Map<number, string>();
  const perCpu: number[] = new Array<number>(nrCpus).fill(0);
  let faults = 0;
  const feed = (upTo: number): void => {
    while (queue.count > 0 && queue.peekTime() < upTo) {
      const i = queue.front;
      const t = queue.time[i];
      const addr = queue.addr[i];
      const tid = queue.tid[i];
      const cpu = queue.cpu[i];
      const tag = queue.tag[i];
      queue.pop();
      // Page-fault samples do not say read or write.
      ctx.reports.push(cpu, addr, 1, tid, pid, false, t);
      faults++;
      while (perCpu.length <= cpu) perCpu.push(0);
      perCpu[cpu]++;
      let acc = perThread.get(tid);
      if (acc === undefined) {
        acc = { faults: 0, byCpu: [], byMapping: new Map() };
        perThread.set(tid, acc);
        threadNames.set(tid, processComm(tid));
      }
      acc.faults++;
      while (acc.byCpu.length <= cpu) acc.byCpu.push(0);
      acc.byCpu[cpu]++;
      const m = tag < 0 ? null : mappings[tag];
      const bm = acc.byMapping.get(tag);
      if (bm) bm.faults++;
      else
        acc.byMapping.set(tag, {
          start: m?.start ?? 0,
          end: m?.end ?? 0,
          name: m === null ? "(in no mapping /proc showed)" : m.name,
          faults: 1,
        });
    }
  };

  let referenced: VmaReferenced[] | null = null;
  const state = (): LiveState => {
    for (const t of readThreads(pid)) if (t.comm !== "?") threadNames.set(t.tid, t.comm);
    return {
      pid,
      comm,
      elapsedNs: monoNs() - startReal,
      sources,
      attrs: ctx.attrs,
      faults,
      faultsPerCpu: [...perCpu],
      threads: [...perThread.entries()]
        .map(([tid, a]) => ({
          tid,
          comm: threadNames.get(tid) ?? "?",
          faults: a.faults,
          byCpu: [...a.byCpu],
          mappings: [...a.byMapping.values()].sort((x, y) => y.faults - x.faults).slice(0, 8),
        }))
        .sort((a, b) => b.faults - a.faults),
      reports: { ...ctx.reports.stats },
      perf: {
        samples: perf.samples,
        badLines: perf.badLines,
        lost: perf.lostReport,
        maxLagNs,
        late,
        latencyNs: latency,
      },
      latest,
      snapshots: nrSnapshots,
      referenced,
      mapsReads: history.reads,
    };
  };
  const readRefs = (): void => {
    const r = readSmapsReferenced(pid);
    if (r === null) return;
    referenced = r;
    if (o.clearRefs) {
      try {
        clearRefs(pid);
      } catch {
        // The process may be exiting.
      }
    }
  };

  let endReason = "target exited";
  let nextRefresh = startReal + refresh;
  readRefs();
  try {
    for (;;) {
      const plan = kd.beginIteration();
      if (kd.isStopped) break;
      const target = clock.nowNs() + plan.durationNs;
      const wait = (target + latency - monoNs()) / 1e6;
      if (wait > 0) await sleep(wait);
      clock.advanceTo(target);
      if (plan.sampling) {
        feed(target);
        kd.endIteration();
      }
      const now = monoNs();
      if (now - history.latestTimeNs >= MAPS_POLL_NS) history.read();
      if (now >= nextRefresh) {
        nextRefresh = now + refresh;
        readRefs();
        o.onView?.(state());
      }
      if (o.signal?.aborted) {
        endReason = "interrupted";
        break;
      }
      if (o.durationNs !== undefined && now - startReal >= o.durationNs) {
        endReason = "duration reached";
        break;
      }
    }
  } finally {
    perf.stop();
    await Promise.race([perf.done, sleep(5000, undefined, { ref: false })]);
    if (child && endReason !== "target exited" && exitCode === null) {
      // Interrupted or out of time with a command we started: it is ours, so stop it too.
      child.kill(endReason === "interrupted" ? "SIGINT" : "SIGTERM");
    }
  }
  if (child && exitCode === null)
    await Promise.race([new Promise((r) => child.once("exit", r)), sleep(2000, undefined, { ref: false })]);
  feed(Infinity);
  return { ...state(), endReason, exitCode };
}
