/**
 * Workloads for fidelity runs, as masim config text: the one text goes to the guest's
 * native workload and, parsed, to the simulator, so both run the same thing. The
 * built-in `stairs` and `zigzag` shapes are the shipped configs' shapes scaled to
 * finish in well under two minutes of emulation; any masim config can be scaled too.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseMasimConfig, type MasimConfig } from "../workload/masim-config.js";
import { resolveWorkload as resolveMasimFile } from "../vm/run.js";
import { UsageError } from "../util/errors.js";

const MiB = 2 ** 20;

export interface ShapeOptions {
  /** Regions (stairs; zigzag always has two). */
  regions?: number;
  regionBytes?: number;
  /** The initial phase, every region touched lightly (ms). */
  initialMs?: number;
  phaseMs?: number;
  /** Hot phases (zigzag: alternations; stairs: one per region). */
  phases?: number;
}

export const FIDELITY_SHAPES = ["stairs", "zigzag"] as const;
export type FidelityShape = (typeof FIDELITY_SHAPES)[number];

/** Stairs: each region hot in turn; 5 x 8 MiB, 2 s warm-up, 3 s per step (17 s). */
export function stairsConfigText(o: ShapeOptions = {}): string {
  const n = o.regions ?? 5;
  const sz = o.regionBytes ?? 8 * MiB;
  const names = Array.from({ length: n }, (_, i) => `s${i}`);
  const lines = [`# stairs for fidelity runs: ${n} x ${sz} bytes`, "#regions"];
  for (const r of names) lines.push(`${r}, ${sz}`);
  lines.push("", "#phases", "initial phase", String(o.initialMs ?? 2000));
  for (const r of names) lines.push(`${r}, 0, 4096, 1`);
  const steps = o.phases ?? n;
  for (let i = 0; i < steps; i++)
    lines.push("", `phase ${i}`, String(o.phaseMs ?? 3000), `${names[i % n]}, 0, 4096, 50`);
  return `${lines.join("\n")}\n`;
}

/** Zigzag: two regions hot in alternation; 2 x 16 MiB, 2 s warm-up, 6 phases of 3 s (20 s). */
export function zigzagConfigText(o: ShapeOptions = {}): string {
  const sz = o.regionBytes ?? 16 * MiB;
  const lines = [`# zigzag for fidelity runs: 2 x ${sz} bytes`, "#regions", `a, ${sz}`, `b, ${sz}`];
  lines.push("", "#phases", "initial phase", String(o.initialMs ?? 2000), "a, 0, 4096, 1", "b, 0, 4096, 1");
  const n = o.phases ?? 6;
  for (let i = 0; i < n; i++) {
    const r = i % 2 === 0 ? "a" : "b";
    lines.push(
      "",
      `${i % 2 === 0 ? "low" : "high"} phase ${i >> 1}`,
      String(o.phaseMs ?? 3000),
      `${r}, 0, 4096, 50`,
    );
  }
  return `${lines.join("\n")}\n`;
}

/** A parsed config written back as masim text (the guest workload reads the same grammar). */
export function masimConfigText(cfg: MasimConfig): string {
  const lines = [`# from ${cfg.source}`, "#regions"];
  for (const r of cfg.regions) lines.push(`${r.name}, ${r.sizeBytes}`);
  lines.push("", "#phases");
  cfg.phases.forEach((p, i) => {
    if (i > 0) lines.push("");
    lines.push(p.name, String(p.durationMs));
    for (const pt of p.patterns)
      lines.push(
        `${cfg.regions[pt.region].name}, ${pt.random ? 1 : 0}, ${pt.strideBytes}, ${pt.probability}, ${pt.mode}`,
      );
  });
  return `${lines.join("\n")}\n`;
}

/** Multiplies region sizes (page-aligned, at least one page) and phase durations (at least 1 ms). */
export function scaleMasimConfig(cfg: MasimConfig, sizeScale: number, timeScale: number): MasimConfig {
  for (const [k, v] of [
    ["--size-scale", sizeScale],
    ["--time-scale", timeScale],
  ] as const)
    if (!(v > 0) || !Number.isFinite(v)) throw new UsageError(`${k} must be a positive number, got ${v}`);
  return {
    ...cfg,
    regions: cfg.regions.map((r) => ({
      ...r,
      sizeBytes: Math.max(4096, Math.round((r.sizeBytes * sizeScale) / 4096) * 4096),
    })),
    phases: cfg.phases.map((p) => ({ ...p, durationMs: Math.max(1, Math.round(p.durationMs * timeScale)) })),
  };
}

export interface FidelityWorkload {
  name: string;
  /** masim config text both sides run. */
  text: string;
  config: MasimConfig;
  /** Sum of the phases (ms). */
  durationMs: number;
}

/**
 * `stairs` / `zigzag` (the scaled shapes), or a masim config file or shipped config
 * name, scaled by the given factors (a file at scale 1 runs as it is).
 */
export function fidelityWorkload(
  arg: string,
  o: { sizeScale?: number; timeScale?: number; shape?: ShapeOptions } = {},
): FidelityWorkload {
  let text: string;
  let name = arg;
  if ((FIDELITY_SHAPES as readonly string[]).includes(arg) && !existsSync(arg)) {
    text = arg === "stairs" ? stairsConfigText(o.shape) : zigzagConfigText(o.shape);
  } else {
    const file = resolveMasimFile(arg, FIDELITY_SHAPES);
    text = readFileSync(file, "utf8");
    name = file;
  }
  let config = parseMasimConfig(text, name);
  if ((o.sizeScale ?? 1) !== 1 || (o.timeScale ?? 1) !== 1) {
    config = scaleMasimConfig(config, o.sizeScale ?? 1, o.timeScale ?? 1);
    text = masimConfigText(config);
  }
  return { name, text, config, durationMs: config.phases.reduce((s, p) => s + p.durationMs, 0) };
}
