/**
 * A captured trace as a workload (`trace:FILE`): the replayed process gets the
 * traced program's own memory map (from the trace's map events, applied at the
 * access index where they happened), one simulated thread per traced thread
 * (in order of first access, on CPUs round-robin: thread k on CPU k mod the
 * machine's CPUs), and simulated time follows the trace's instruction clock at
 * `nsPerInstruction` (default 0.5 ns: a 2 GHz core at one instruction per
 * cycle). The trace is scanned once, then each chunk is read and decoded once
 * per loop for all threads; it is never loaded whole. See docs/replay.md.
 */
import type { Machine, SimThread } from "../mm/machine.js";
import { FormatError, InputError, UsageError } from "../util/errors.js";
import type { InstantiateOptions, WorkloadInstance } from "./instantiate.js";
import { ChunkCache } from "./replay/chunk-cache.js";
import { ReplayLayout } from "./replay/replay-layout.js";
import { ReplayShared, TraceThreadStream } from "./replay/thread-stream.js";
import { scanAccesses, scanTrace, type TraceScan } from "./replay/trace-scan.js";
import type { WorkloadSpec } from "./spec.js";

export const TRACE_PREFIX = "trace:";
export const DEFAULT_NS_PER_INSTRUCTION = 0.5;
/**
 * Simulated cost of a cache-hitting access during replay. The trace's clock
 * already holds the program's real pace (about one access per two
 * instructions), so the machine's default 10 ns per access would stretch it
 * tenfold; 1 ns lets the trace clock set the pace while faults and TLB misses
 * still cost their usual time.
 */
export const REPLAY_ACCESS_NS = 1;

export interface ReplayOptions {
  /** Simulated ns per traced instruction (default 0.5). */
  nsPerInstruction?: number;
  /** Times to run the trace (default 1). */
  loops?: number;
  /**
   * Replay a trace with damaged stretches or without a complete footer (what is
   * readable). Default false: such a trace is refused with a FormatError, as replaying
   * it silently would simulate a different program than the one traced.
   */
  allowDamaged?: boolean;
  /**
   * Decode the trace's chunks ahead on a worker thread (replay/decode-ahead.ts): the
   * same replay, sooner when a core is free. Default: when this process may keep two
   * CPUs busy (usableCpus: the affinity mask and the cgroup quota) and this is the
   * main thread. "patient" (tests): the main thread waits for the
   * worker wherever it can, so the worker's path runs whatever the host's timing.
   */
  decodeAhead?: boolean | "patient";
}

/** What a replay instance adds to WorkloadInstance (for tests and reports). */
export interface ReplayInstance extends WorkloadInstance {
  scan: TraceScan;
  shared: ReplayShared;
  replayStreams: TraceThreadStream[];
}

/** The file of a `trace:FILE` workload name, or null for other names. */
export function tracePathOf(name: string): string | null {
  return name.startsWith(TRACE_PREFIX) ? name.slice(TRACE_PREFIX.length) : null;
}

/** Most traced threads a replay runs: each gets a simulated CPU (TLB, batch buffers). */
export const MAX_REPLAY_THREADS = 1024;

/** Reads the trace once (threads, clock range, map events) and returns it as a workload. */
export function replayWorkload(path: string, opts: ReplayOptions = {}): WorkloadSpec {
  const rate = opts.nsPerInstruction ?? DEFAULT_NS_PER_INSTRUCTION;
  const loops = opts.loops ?? 1;
  if (!(rate > 0) || !Number.isFinite(rate))
    throw new UsageError(`ns per instruction must be a positive number, got ${rate}`, "--ns-per-insn");
  if (!Number.isInteger(loops) || loops < 1)
    throw new UsageError(`loop count must be a positive integer, got ${loops}`, "--loop");
  if (path === "") throw new UsageError("trace: needs a file name (trace:FILE)", "workload");
  // The index is trusted without decoding a chunk, so a payload that passes its checksum
  // but does not decode shows only when the replay reaches it. A replay that may skip
  // damage decodes every chunk first, so it finds all of it and replays the rest.
  const scan = opts.allowDamaged ? scanAccesses(path) : scanTrace(path);
  if (scan.threads.length > MAX_REPLAY_THREADS)
    throw new InputError(
      `the trace has ${scan.threads.length} threads; a replay gives each its own simulated CPU (about 1 MiB of host memory each), at most ${MAX_REPLAY_THREADS}`,
      path,
    );
  if (!opts.allowDamaged) refuseDamaged(scan);
  const problem = damageProblem(scan);
  if (scan.accesses === 0)
    throw new FormatError(`nothing readable to replay: ${problem ?? "no accesses"}`, path);
  refuseHugeMappings(scan);
  const base = path.split("/").pop() ?? path;
  return {
    name: `trace:${base}`,
    description: `replay of ${path} (${scan.accesses} accesses, ${scan.threads.length} threads)`,
    warnings:
      problem === null ? undefined : [`${path}: ${problem}; replaying the rest (--allow-damaged-trace)`],
    regions: [],
    threads: [],
    custom: {
      // Until the threads finish: the trace clock is only a lower bound on the run's length.
      durationNs: Infinity,
      cpus: scan.threads.length,
      costs: { localAccessNs: REPLAY_ACCESS_NS },
      instantiate: (m, io) =>
        instantiateReplay(m, scan, { nsPerInstruction: rate, loops, decodeAhead: opts.decodeAhead }, io),
    },
  };
}

/**
 * Largest mapping a replay builds (256 GiB). The simulated page tables are dense per
 * mapping (5 bytes per 4 KiB page once touched), so a map event of 256 TiB, valid
 * in the format, would fail deep in the simulator; it is refused up front instead.
 */
export const MAX_REPLAY_MAPPING_BYTES = 2 ** 38;

/** Throws a FormatError naming the first map/remap event too large to replay. */
export function refuseHugeMappings(scan: TraceScan): void {
  scan.events.forEach((ev, k) => {
    if ((ev.type === "map" || ev.type === "remap") && ev.length > MAX_REPLAY_MAPPING_BYTES)
      throw new FormatError(
        `map event ${k} (${ev.type} at access ${ev.index}) maps ${ev.length} bytes; a replay simulates mappings of at most ${MAX_REPLAY_MAPPING_BYTES} bytes (256 GiB)`,
        scan.path,
      );
  });
}

/** What `trace info` would report as damage or a partial trace, in one sentence; null for a sound trace. */
export function damageProblem(scan: TraceScan): string | null {
  if (scan.damage.length > 0) {
    const d = scan.damage[0];
    const lost = scan.damage.reduce((n, x) => n + (x.lostAccesses ?? 0), 0);
    return `the trace is damaged: ${scan.damage.length} damaged stretch(es), ${lost} accesses lost, first at offset ${d.offset}: ${d.message}`;
  }
  if (scan.partial)
    return `the trace is partial: ${scan.footerMissing ? "it has no footer (cut short)" : `the capture was interrupted (${scan.endReason ?? "no reason given"})`}`;
  return null;
}

/** Throws when `trace info` would report damage or a partial trace (see ReplayOptions.allowDamaged). */
export function refuseDamaged(scan: TraceScan): void {
  const problem = damageProblem(scan);
  if (problem !== null)
    throw new FormatError(
      `${problem} (see damon-ts trace info; --allow-damaged-trace replays what is readable)`,
      scan.path,
    );
}

/** Builds the replayed process and its threads on `m` from a scanned trace. */
export function instantiateReplay(
  m: Machine,
  scan: TraceScan,
  opts: ReplayOptions = {},
  io: InstantiateOptions = {},
): ReplayInstance {
  if (scan.events.length === 0) {
    throw new InputError(
      `${scan.path}: the trace has no memory-map events, so its layout is unknown (capture it with damon-ts trace capture, or convert with events)`,
    );
  }
  const program = (scan.header.command?.[0] ?? "").split("/").pop();
  const comm = io.comm ?? (program || "replay");
  const as = m.createProcess(comm);
  // The process starts empty: only the trace's own mappings exist.
  for (const v of [...as.vmas]) as.munmap(v.start, v.end - v.start);
  const layout = new ReplayLayout(as, scan.events, scan.threads.length, {
    stackGrowthBytes: scan.stackGrowthBytes,
    program: program || undefined,
  });
  // Start-up mappings exist before the first access (and before DAMON's first look).
  layout.reach(0);
  const onPhase = io.onPhase;
  const firstTid = m.threads.length;
  const chunks = new ChunkCache(
    scan.path,
    scan.chunkOffsets,
    scan.threads.map((t) => t.chunks),
    { loops: opts.loops ?? 1, decodeAhead: opts.decodeAhead, largestChunk: scan.largestChunk },
  );
  const shared = new ReplayShared(
    scan.path,
    layout,
    chunks,
    scan.threads.length,
    opts.loops ?? 1,
    scan.firstClock,
    opts.nsPerInstruction ?? DEFAULT_NS_PER_INSTRUCTION,
    onPhase
      ? (loop, now) => onPhase({ timeNs: now, tid: firstTid, phase: loop, name: `loop ${loop}` })
      : null,
  );
  onPhase?.({ timeNs: 0, tid: firstTid, phase: 0, name: "loop 0" });
  const streams: TraceThreadStream[] = [];
  const threads: SimThread[] = scan.threads.map((t, i) => {
    const s = new TraceThreadStream(shared, i, t.tid, t.chunks);
    streams.push(s);
    return m.spawnThread(as, i % m.cpus.length, s, `${comm}/${t.tid}`);
  });
  return {
    spec: { name: `trace:${comm}`, description: "", regions: [], threads: [] },
    process: as,
    pid: as.pid,
    threads,
    streams: [],
    regions: [],
    layout: { bases: new Float64Array(0), map: () => {}, unmap: () => {} },
    scan,
    shared,
    replayStreams: streams,
  };
}
