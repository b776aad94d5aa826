/**
 * Parser for masim configuration files (formats.md §5.2). It accepts what
 * masim's README describes and reports every malformed line as a ConfigError
 * naming `file:line` (masim itself crashes or loops on some of them). Where
 * masim's behaviour is a bug we accept the intent: a last line without a
 * trailing newline is kept, and trailing blank lines are ignored.
 */
import { readFileSync } from "node:fs";
import { ConfigError, InputError } from "../util/errors.js";

export type RwMode = "ro" | "wo" | "rw";

export interface MasimRegion {
  name: string;
  sizeBytes: number;
  /** Initial data file, or null for `none` / absent (contents are not simulated). */
  initData: string | null;
  line: number;
}

export interface MasimPattern {
  /** Index into `regions`. */
  region: number;
  random: boolean;
  strideBytes: number;
  probability: number;
  mode: RwMode;
  line: number;
}

export interface MasimPhase {
  name: string;
  durationMs: number;
  patterns: MasimPattern[];
  line: number;
}

export interface MasimConfig {
  regions: MasimRegion[];
  phases: MasimPhase[];
  /** File name used in error messages. */
  source: string;
}

export interface MasimParseOptions {
  /** masim's --default_rw_mode (default `wo`, as masim). */
  defaultMode?: RwMode;
}

interface Line {
  text: string;
  no: number;
}

const INT = /^\s*[0-9]+\s*$/;

function int(field: string, what: string, where: string): number {
  if (!INT.test(field))
    throw new ConfigError(`${what} must be a non-negative decimal integer, got '${field.trim()}'`, where);
  const v = Number(field.trim());
  if (!Number.isSafeInteger(v)) throw new ConfigError(`${what} is too large: '${field.trim()}'`, where);
  return v;
}

/** Parses masim config text. `source` names the file in errors. */
export function parseMasimConfig(
  text: string,
  source = "<config>",
  opts: MasimParseOptions = {},
): MasimConfig {
  const defaultMode = opts.defaultMode ?? "wo";
  // Comment lines are dropped first, wherever they are; line numbers stay the file's.
  const raw = text.split("\n");
  if (raw.length > 0 && raw[raw.length - 1] === "") raw.pop();
  const lines: Line[] = [];
  raw.forEach((t, i) => {
    const s = t.endsWith("\r") ? t.slice(0, -1) : t;
    if (!s.startsWith("#")) lines.push({ text: s, no: i + 1 });
  });
  while (lines.length > 0 && lines[lines.length - 1].text.trim() === "") lines.pop();

  const paragraphs: Line[][] = [[]];
  for (const l of lines) {
    if (l.text.trim() === "") {
      if (paragraphs[paragraphs.length - 1].length === 0) {
        throw new ConfigError(
          "two blank lines in a row: paragraphs (regions, then one per phase) are separated by exactly one",
          `${source}:${l.no}`,
        );
      }
      paragraphs.push([]);
    } else {
      paragraphs[paragraphs.length - 1].push(l);
    }
  }
  if (paragraphs[0].length === 0) throw new ConfigError("no regions: the file is empty", `${source}:1`);
  if (paragraphs.length < 2) {
    const last = paragraphs[0][paragraphs[0].length - 1];
    throw new ConfigError(
      "no phases: a blank line must separate the regions from the phases",
      `${source}:${last.no}`,
    );
  }

  const regions: MasimRegion[] = paragraphs[0].map((l) => {
    const where = `${source}:${l.no}`;
    const f = l.text.split(",");
    if (f.length !== 2 && f.length !== 3) {
      throw new ConfigError(
        `a region line needs 2 or 3 fields (name, size[, init data file]), got ${f.length}`,
        where,
      );
    }
    const name = f[0];
    if (name.trim() === "") throw new ConfigError("empty region name", where);
    if (name.length > 255) throw new ConfigError("region name longer than 255 characters", where);
    const sizeBytes = int(f[1], "region size (bytes)", where);
    if (sizeBytes === 0) throw new ConfigError("region size must be positive", where);
    const data = f.length === 3 ? f[2].trim() : "none";
    return { name, sizeBytes, initData: data === "none" ? null : data, line: l.no };
  });
  const seen = new Map<string, number>();
  for (const r of regions) {
    const prev = seen.get(r.name);
    if (prev !== undefined)
      throw new ConfigError(`region '${r.name}' already defined at line ${prev}`, `${source}:${r.line}`);
    seen.set(r.name, r.line);
  }

  const phases: MasimPhase[] = paragraphs.slice(1).map((p) => {
    if (p.length < 3) {
      throw new ConfigError(
        `a phase needs a name line, a duration line (ms) and at least one access pattern; got ${p.length} line(s)`,
        `${source}:${p[0].no}`,
      );
    }
    const durationMs = int(p[1].text, "phase duration (ms)", `${source}:${p[1].no}`);
    const patterns = p.slice(2).map((l) => parsePattern(l, regions, defaultMode, source));
    return { name: p[0].text, durationMs, patterns, line: p[0].no };
  });
  return { regions, phases, source };
}

function parsePattern(l: Line, regions: MasimRegion[], defaultMode: RwMode, source: string): MasimPattern {
  const where = `${source}:${l.no}`;
  const f = l.text.split(",");
  if (f.length !== 4 && f.length !== 5) {
    throw new ConfigError(
      `an access pattern needs 4 or 5 fields (region, random, stride, probability[, ro|wo|rw]), got ${f.length}`,
      where,
    );
  }
  const region = regions.findIndex((r) => r.name === f[0]);
  if (region < 0) {
    const close = regions.find((r) => r.name.trim() === f[0].trim());
    const hint = close
      ? ` (region names are compared verbatim, spaces included; did you mean '${close.name}'?)`
      : ` (known: ${regions.map((r) => `'${r.name}'`).join(", ")})`;
    throw new ConfigError(`unknown region '${f[0]}'${hint}`, where);
  }
  const rnd = int(f[1], "randomness (0 or 1)", where);
  const strideBytes = int(f[2], "stride (bytes)", where);
  const probability = int(f[3], "probability", where);
  let mode = defaultMode;
  if (f.length === 5) {
    const m = f[4].trim();
    if (m !== "ro" && m !== "wo" && m !== "rw")
      throw new ConfigError(`access mode must be ro, wo or rw, got '${m}'`, where);
    mode = m;
  }
  return { region, random: rnd !== 0, strideBytes, probability, mode, line: l.no };
}

/** Reads and parses a masim config file. */
export function loadMasimConfig(path: string, opts: MasimParseOptions = {}): MasimConfig {
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? "";
    throw new InputError(`cannot read masim config (${code || String(e)})`, path);
  }
  return parseMasimConfig(text, path, opts);
}
