/**
 * Built-in workloads and the name-or-path lookup the CLI uses. Each has a
 * one-line description for `--help`. Sizes and durations are those of the
 * real experiments (30 s runs); `scale` shrinks them for tests.
 */
import { existsSync } from "node:fs";
import { isAbsolute, resolve } from "node:path";
import { UsageError } from "../util/errors.js";
import { loadMasimConfig, type MasimConfig } from "./masim-config.js";
import { replayWorkload, tracePathOf } from "./trace-replay.js";
import { scaleWorkload, type PhaseSpec, type ScaleOptions, type WorkloadSpec } from "./spec.js";

const MS = 1e6;
const S = 1e9;
const MiB = 2 ** 20;
const GiB = 2 ** 30;

export interface WorkloadOptions extends ScaleOptions {
  /** Threads of the multi-threaded variants (default 2), on CPUs 0..threads-1. */
  threads?: number;
  /** tiny-hot: size of the mostly idle mapping (default 64 GiB; at least 512 MiB). */
  spaceBytes?: number;
  /** `trace:FILE` only: times to replay the trace (default 1). */
  loop?: number;
  /** `trace:FILE` only: simulated ns per traced instruction (default 0.5). */
  nsPerInstruction?: number;
  /** `trace:FILE` only: replay a damaged or partial trace (default: refuse it). */
  allowDamagedTrace?: boolean;
  /** `trace:FILE` only: ReplayOptions.decodeAhead (default: when a second CPU is free). */
  decodeAhead?: boolean;
}

/** masim config → workload: one thread on CPU 0, masim's phases. */
export function masimWorkload(cfg: MasimConfig, name = cfg.source): WorkloadSpec {
  return {
    name,
    description: `masim config ${cfg.source}`,
    regions: cfg.regions.map((r) => ({ name: r.name, sizeBytes: r.sizeBytes })),
    threads: [
      {
        cpu: 0,
        phases: cfg.phases.map((p) => ({
          name: p.name,
          durationNs: p.durationMs * MS,
          patterns: p.patterns.map((pt) => ({
            region: pt.region,
            kind: pt.random ? ("random" as const) : ("seq" as const),
            strideBytes: pt.strideBytes,
            probability: pt.probability,
            mode: pt.mode,
          })),
        })),
      },
    ],
  };
}

/** Stairs over regions [first, first+count): all touched for `initNs`, then each alone for `stepNs`. */
function stairsPhases(
  first: number,
  count: number,
  initNs: number,
  stepNs: number,
  names: string[],
): PhaseSpec[] {
  const seq = (region: number, probability: number) => ({
    region,
    kind: "seq" as const,
    strideBytes: 4096,
    probability,
    mode: "wo" as const,
  });
  const phases: PhaseSpec[] = [
    {
      name: "initial phase",
      durationNs: initNs,
      patterns: names.slice(first, first + count).map((_, i) => seq(first + i, 1)),
    },
  ];
  for (let i = 0; i < count; i++)
    phases.push({ name: `phase ${i}`, durationNs: stepNs, patterns: [seq(first + i, 50)] });
  return phases;
}

function stairs(): WorkloadSpec {
  const names = Array.from({ length: 10 }, (_, i) => `s${i}`);
  return {
    name: "stairs",
    description:
      "masim stairs_30secs: ten 10 MB regions all written for 5 s, then each alone for 2.5 s in turn",
    regions: names.map((n) => ({ name: n, sizeBytes: 10_000_000 })),
    threads: [{ cpu: 0, phases: stairsPhases(0, 10, 5 * S, 2.5 * S, names) }],
  };
}

function stairsMt(o: WorkloadOptions): WorkloadSpec {
  const nt = o.threads ?? 2;
  const per = 5;
  const names = Array.from({ length: nt * per }, (_, i) => `t${Math.floor(i / per)}s${i % per}`);
  return {
    name: "stairs-mt",
    description:
      "stairs per thread: each thread (CPU i) climbs its own five 10 MB regions, 5 s all then 2.5 s each",
    regions: names.map((n) => ({ name: n, sizeBytes: 10_000_000 })),
    threads: Array.from({ length: nt }, (_, t) => ({
      cpu: t,
      phases: stairsPhases(t * per, per, 5 * S, 2.5 * S, names),
    })),
  };
}

function zigzag(): WorkloadSpec {
  const seq = (region: number, probability: number) => ({
    region,
    kind: "seq" as const,
    strideBytes: 4096,
    probability,
    mode: "wo" as const,
  });
  const phases: PhaseSpec[] = [
    { name: "initial phase", durationNs: 5 * S, patterns: [seq(0, 1), seq(1, 1)] },
  ];
  for (let i = 0; i < 4; i++) {
    phases.push({ name: `low phase ${i}`, durationNs: 2.5 * S, patterns: [seq(0, 50)] });
    phases.push({ name: `high phase ${i}`, durationNs: 2.5 * S, patterns: [seq(1, 50)] });
  }
  return {
    name: "zigzag",
    description: "masim zigzag_30secs: two 100 MB regions, both for 5 s, then alternating every 2.5 s",
    regions: [
      { name: "a", sizeBytes: 100_000_000 },
      { name: "b", sizeBytes: 100_000_000 },
    ],
    threads: [{ cpu: 0, phases }],
  };
}

const KV_ITEM = { itemBytes: 1024, skew: 0.99, linesPerItem: 16 };

function kvPhase(index: number, values: number): PhaseSpec {
  return {
    name: "serve",
    durationNs: 30 * S,
    patterns: [
      { region: index, kind: "random", strideBytes: 0, probability: 2, mode: "ro" },
      { region: values, kind: "zipf", strideBytes: 0, probability: 7, mode: "ro", zipf: KV_ITEM },
      { region: values, kind: "zipf", strideBytes: 0, probability: 1, mode: "wo", zipf: KV_ITEM },
    ],
  };
}

function zipfKv(): WorkloadSpec {
  return {
    name: "zipf-kv",
    description:
      "key-value store: random hash-index probes plus Zipf(0.99) reads/writes of 1 KiB values in a 1 GiB heap",
    regions: [
      { name: "index", sizeBytes: 64 * MiB },
      { name: "values", sizeBytes: GiB },
    ],
    threads: [{ cpu: 0, phases: [kvPhase(0, 1)] }],
  };
}

function zipfKvMt(o: WorkloadOptions): WorkloadSpec {
  const nt = o.threads ?? 2;
  return {
    name: "zipf-kv-mt",
    description: "zipf-kv sharded: thread i (CPU i) serves its own 512 MiB value shard and 32 MiB index",
    regions: Array.from({ length: nt }, (_, t) => [
      { name: `index${t}`, sizeBytes: 32 * MiB },
      { name: `values${t}`, sizeBytes: 512 * MiB },
    ]).flat(),
    threads: Array.from({ length: nt }, (_, t) => ({ cpu: t, phases: [kvPhase(2 * t, 2 * t + 1)] })),
  };
}

function gups(): WorkloadSpec {
  return {
    name: "gups",
    description: "GUPS: uniform random read-modify-write of a 1 GiB table for 30 s",
    regions: [{ name: "table", sizeBytes: GiB }],
    threads: [
      {
        cpu: 0,
        phases: [
          {
            name: "update",
            durationNs: 30 * S,
            patterns: [{ region: 0, kind: "random", strideBytes: 0, probability: 1, mode: "rw" }],
          },
        ],
      },
    ],
  };
}

function phaseSwap(): WorkloadSpec {
  const phases: PhaseSpec[] = [];
  for (let i = 0; i < 6; i++) {
    const hot = i % 2;
    phases.push({
      name: `${hot === 0 ? "A" : "B"} hot ${i}`,
      durationNs: 5 * S,
      patterns: [
        { region: hot, kind: "random", strideBytes: 0, probability: 99, mode: "rw" },
        { region: 1 - hot, kind: "random", strideBytes: 0, probability: 1, mode: "ro" },
      ],
    });
  }
  return {
    name: "phase-swap",
    description: "two 128 MiB sets: one hot (99% of accesses), one cold (1%); they swap every 5 s, 30 s",
    regions: [
      { name: "A", sizeBytes: 128 * MiB },
      { name: "B", sizeBytes: 128 * MiB },
    ],
    threads: [{ cpu: 0, phases }],
  };
}

function tinyHot(o: WorkloadOptions): WorkloadSpec {
  const space = Math.max(512 * MiB, Math.round((o.spaceBytes ?? 64 * GiB) / 4096) * 4096);
  const gib = space / GiB;
  return {
    name: "tiny-hot",
    description: `4 MiB hot set in the middle of a ${gib >= 1 ? `${+gib.toFixed(2)} GiB` : `${space / MiB} MiB`} mapping; 0.1% of accesses hit a 256 MiB cold part; rest never touched`,
    regions: [{ name: "space", sizeBytes: space }],
    threads: [
      {
        cpu: 0,
        phases: [
          {
            name: "hot",
            durationNs: 30 * S,
            patterns: [
              {
                region: 0,
                kind: "random",
                strideBytes: 0,
                probability: 999,
                mode: "rw",
                offsetBytes: Math.floor(space / 2 / 4096) * 4096,
                lengthBytes: 4 * MiB,
              },
              {
                region: 0,
                kind: "random",
                strideBytes: 0,
                probability: 1,
                mode: "ro",
                offsetBytes: 0,
                lengthBytes: 256 * MiB,
              },
            ],
          },
        ],
      },
    ],
  };
}

/** sparse-kv-drift: keys the hottest set moves by per phase, and the phases. */
const DRIFT_KEYS = 4096;
const DRIFT_PHASES = 8;

/**
 * A huge sparse key-value heap (64 GiB by default; --scale 64 is 4 TiB): Zipf(0.99)
 * keys hashed over the whole heap, so the hot set is a scatter of 1 KiB values with
 * most of the heap never touched, and the hottest keys drift every 3.75 s.
 */
function sparseKvDrift(): WorkloadSpec {
  const phases: PhaseSpec[] = [];
  for (let i = 0; i < DRIFT_PHASES; i++) {
    const zipf = { ...KV_ITEM, scatter: true, rankOffset: i * DRIFT_KEYS };
    phases.push({
      name: `drift ${i}`,
      durationNs: (30 * S) / DRIFT_PHASES,
      patterns: [
        { region: 0, kind: "random", strideBytes: 0, probability: 2, mode: "ro" },
        { region: 1, kind: "zipf", strideBytes: 0, probability: 7, mode: "ro", zipf },
        { region: 1, kind: "zipf", strideBytes: 0, probability: 1, mode: "wo", zipf },
      ],
    });
  }
  return {
    name: "sparse-kv-drift",
    description: `sparse key-value heap: Zipf(0.99) 1 KiB values hashed over 64 GiB (most never touched), the hottest keys drift by ${DRIFT_KEYS} every 3.75 s`,
    regions: [
      { name: "index", sizeBytes: 256 * MiB },
      { name: "values", sizeBytes: 64 * GiB },
    ],
    threads: [{ cpu: 0, phases }],
  };
}

function mmapChurn(): WorkloadSpec {
  const phases: PhaseSpec[] = [];
  for (let i = 0; i < 15; i++) {
    const withBuf = i % 2 === 0;
    phases.push({
      name: withBuf ? `buffer mapped ${i}` : `buffer unmapped ${i}`,
      durationNs: 2 * S,
      patterns: [
        { region: 0, kind: "random", strideBytes: 0, probability: 1, mode: "rw" },
        ...(withBuf
          ? [{ region: 1, kind: "seq" as const, strideBytes: 4096, probability: 1, mode: "wo" as const }]
          : []),
      ],
      ...(withBuf ? { map: [1] } : { unmap: [1] }),
    });
  }
  return {
    name: "mmap-churn",
    description:
      "layout changes mid-run: a 64 MiB buffer is mmap'd, written and munmap'd every 2 s beside a hot 32 MiB table",
    regions: [
      { name: "table", sizeBytes: 32 * MiB },
      { name: "buffer", sizeBytes: 64 * MiB, mapped: false },
    ],
    threads: [{ cpu: 0, phases }],
  };
}

/**
 * Half of the memory goes cold: both 256 MiB halves are filled for 1 s, then
 * only the hot half is used (uniform random read/write) for 29 s — what
 * proactive reclaim (DAMON_RECLAIM) is for.
 */
function coldHalf(): WorkloadSpec {
  const fill = (region: number) => ({
    region,
    kind: "seq" as const,
    strideBytes: 4096,
    probability: 1,
    mode: "wo" as const,
  });
  return {
    name: "cold-half",
    description: "two 256 MiB halves filled for 1 s, then only the hot half used (random r/w) for 29 s",
    regions: [
      { name: "hot", sizeBytes: 256 * MiB },
      { name: "cold", sizeBytes: 256 * MiB },
    ],
    threads: [
      {
        cpu: 0,
        phases: [
          { name: "fill", durationNs: 1 * S, patterns: [fill(0), fill(1)] },
          {
            name: "serve",
            durationNs: 29 * S,
            patterns: [{ region: 0, kind: "random", strideBytes: 0, probability: 1, mode: "rw" }],
          },
        ],
      },
    ],
  };
}

export interface BuiltinWorkload {
  name: string;
  description: string;
  build(opts: WorkloadOptions): WorkloadSpec;
}

const BUILDERS: ((o: WorkloadOptions) => WorkloadSpec)[] = [
  stairs,
  zigzag,
  zipfKv,
  gups,
  phaseSwap,
  tinyHot,
  mmapChurn,
  stairsMt,
  zipfKvMt,
  coldHalf,
  sparseKvDrift,
];

/** Every built-in workload, in the order `--help` lists them. */
export const BUILTIN_WORKLOADS: readonly BuiltinWorkload[] = BUILDERS.map((b) => {
  const probe = b({});
  return {
    name: probe.name,
    description: probe.description,
    build: (o: WorkloadOptions) => scaleWorkload(b(o), o),
  };
});

/** A built-in workload by name; UsageError listing the names when unknown. */
export function builtinWorkload(name: string, opts: WorkloadOptions = {}): WorkloadSpec {
  const b = BUILTIN_WORKLOADS.find((w) => w.name === name);
  if (!b) {
    throw new UsageError(
      `unknown workload '${name}' (built-ins: ${BUILTIN_WORKLOADS.map((w) => w.name).join(", ")}; or a path to a masim config)`,
      "workload",
    );
  }
  if (opts.threads !== undefined && !(Number.isInteger(opts.threads) && opts.threads >= 1)) {
    throw new UsageError(`threads must be a positive integer, got ${opts.threads}`, "threads");
  }
  return b.build(opts);
}

/** `name` is a built-in name, or a path to a masim config (anything with a slash or an existing file). */
/**
 * The file a workload name reads (a trace, or a masim config as resolveWorkload
 * tells one: a path with a slash, a .cfg name, an existing file), resolved in
 * `folder`; null for a built-in or an unknown name.
 */
export function workloadFileOf(nameOrPath: string, folder = "."): string | null {
  const trace = tracePathOf(nameOrPath);
  const at = (p: string): string => (isAbsolute(p) ? p : resolve(folder, p));
  if (trace !== null) return at(trace);
  if (BUILTIN_WORKLOADS.some((w) => w.name === nameOrPath)) return null;
  if (nameOrPath.includes("/") || nameOrPath.endsWith(".cfg") || existsSync(at(nameOrPath)))
    return at(nameOrPath);
  return null;
}

export function resolveWorkload(nameOrPath: string, opts: WorkloadOptions = {}): WorkloadSpec {
  const trace = tracePathOf(nameOrPath);
  if (trace !== null)
    return replayWorkload(trace, {
      loops: opts.loop,
      nsPerInstruction: opts.nsPerInstruction,
      allowDamaged: opts.allowDamagedTrace,
      decodeAhead: opts.decodeAhead,
    });
  if (BUILTIN_WORKLOADS.some((w) => w.name === nameOrPath)) return builtinWorkload(nameOrPath, opts);
  if (nameOrPath.includes("/") || nameOrPath.endsWith(".cfg") || existsSync(nameOrPath)) {
    return scaleWorkload(masimWorkload(loadMasimConfig(nameOrPath)), opts);
  }
  return builtinWorkload(nameOrPath, opts);
}
