/**
 * damo's non-raw human number forms (formats.md §1.4), as used in kdamonds files:
 * sizes (`4.000 KiB`, `max`), counts (`1,000`), times (`5 ms`, `1 m`, `1 m 0.098 s`),
 * percentages for permil/bp fields (`0.3 %`), and their parsers that take a bare
 * number in the field's own unit. `max` (2^64-1 in the kernel) is `Infinity` here.
 *
 * One deliberate difference from damo: a size or time that the 3-decimal form would
 * round is printed in a smaller unit instead, so every value we write reads back
 * exactly.
 */
import { parseDurationNs, parseSizeBytes } from "../util/units.js";

/** `max` of an unbounded field (the kernel's ULONG_MAX / UINT_MAX). */
export const UNLIMITED = Number.POSITIVE_INFINITY;

const SIZE_UNITS: [string, number][] = [
  ["EiB", 2 ** 60],
  ["PiB", 2 ** 50],
  ["TiB", 2 ** 40],
  ["GiB", 2 ** 30],
  ["MiB", 2 ** 20],
  ["KiB", 2 ** 10],
];

/** `format_sz`: `%.3f <unit>` strictly above each unit, else `N B`; `max` for unlimited. */
export function formatSize(bytes: number): string {
  if (bytes === UNLIMITED) return "max";
  for (const [name, unit] of SIZE_UNITS) {
    if (bytes > unit) {
      const text = (bytes / unit).toFixed(3);
      if (Math.round(Number(text) * unit) === bytes) return `${text} ${name}`;
      break; // not exact at 3 decimals: fall back to bytes so it reads back exactly
    }
  }
  return `${bytes} B`;
}

/** `format_nr`: thousands separators. */
export function formatCount(n: number): string {
  if (n === UNLIMITED) return "max";
  const sign = n < 0 ? "-" : "";
  return sign + String(Math.abs(n)).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

const NS_UNITS: [string, number][] = [
  ["s", 1e9],
  ["ms", 1e6],
  ["us", 1e3],
  ["ns", 1],
];

function formatBelowMinute(ns: number): string {
  for (const [name, unit] of NS_UNITS) {
    if (ns < unit && unit !== 1) continue;
    if (ns % unit === 0) return `${ns / unit} ${name}`;
    if ((ns * 1000) % unit === 0) return `${(ns / unit).toFixed(3)} ${name}`;
  }
  return `${ns} ns`;
}

/** `format_time_ns_exact`: `N h`, `N m`, `N m S.sss s`, `5 ms`, `0 ns`; `max` for unlimited. */
export function formatTimeNs(ns: number): string {
  if (ns === UNLIMITED) return "max";
  ns = Math.round(ns);
  if (ns >= 3600e9) {
    const h = Math.floor(ns / 3600e9);
    const rest = ns - h * 3600e9;
    return rest ? `${h} h ${formatTimeNs(rest)}` : `${h} h`;
  }
  if (ns >= 60e9) {
    const m = Math.floor(ns / 60e9);
    const rest = ns - m * 60e9;
    if (!rest) return `${m} m`;
    if ((rest * 1000) % 1e9 === 0)
      return `${m} m ${rest % 1e9 === 0 ? rest / 1e9 : (rest / 1e9).toFixed(3)} s`;
    return `${m} m ${formatBelowMinute(rest)}`;
  }
  return formatBelowMinute(ns);
}

export function formatTimeUs(us: number): string {
  return formatTimeNs(us === UNLIMITED ? UNLIMITED : us * 1000);
}

export function formatTimeMs(ms: number): string {
  return formatTimeNs(ms === UNLIMITED ? UNLIMITED : ms * 1e6);
}

function trimNumber(x: number): string {
  return String(Number(x.toFixed(6)));
}

/** Permil printed as a percentage (3 permil → `0.3 %`), as damo does. */
export function formatPermil(permil: number): string {
  return `${trimNumber(permil / 10)} %`;
}

/** Basis points printed as a percentage (400 bp → `4 %`). */
export function formatBp(bp: number): string {
  return `${trimNumber(bp / 100)} %`;
}

/** A percentage value (`0 %`, `12.5 %`). */
export function formatPercent(pct: number): string {
  if (pct === UNLIMITED) return "max";
  return `${trimNumber(pct)} %`;
}

// ---- parsers: each takes a JSON number or a string and throws Error(message) ----

function minMax(v: string): number | undefined {
  const t = v.trim().toLowerCase();
  if (t === "min") return 0;
  if (t === "max") return UNLIMITED;
  return undefined;
}

function plainNumber(v: string): number | undefined {
  const t = v.trim().replace(/,/g, "");
  if (/^-?[0-9]+(\.[0-9]+)?$/.test(t)) {
    const n = Number(t);
    // "18446744073709551615" reads as 2^64: refuse digits a double cannot hold.
    if (Number.isInteger(n) && Math.abs(n) > Number.MAX_SAFE_INTEGER) throw new Error(tooLarge(v));
    return n;
  }
  return undefined;
}

function nonNegative(n: number, v: unknown): number {
  if (!Number.isFinite(n) && n !== UNLIMITED) throw new Error(`'${String(v)}' is not a number`);
  if (n < 0) throw new Error(`'${String(v)}' is negative`);
  if (n !== UNLIMITED && n > Number.MAX_SAFE_INTEGER) throw new Error(tooLarge(v));
  return n === 0 ? 0 : n; // -0 reads as 0 (it would not survive a write/read round trip)
}

/** The message for a value that a double cannot hold exactly (2^53 and above). */
function tooLarge(v: unknown): string {
  return `'${String(v)}' is too large to be exact (at most 2^53-1; write 'max' for unlimited)`;
}

/** An integer that a double holds exactly (digits checked too: '9007199254740993' rounds). */
function exactInteger(n: number, v: unknown): number {
  if (!Number.isSafeInteger(n)) throw new Error(tooLarge(v));
  return n === 0 ? 0 : n;
}

function messageOf(e: unknown): string {
  return e instanceof Error ? e.message.replace(/^[^:]*: /, "") : String(e);
}

/** Bytes: `4K`, `4.000 KiB`, `1,024`, `max`; a bare number is bytes (an integer). */
export function readSize(v: number | string): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`'${v}' is not a whole number of bytes`);
    return nonNegative(v, v);
  }
  const mm = minMax(v);
  if (mm !== undefined) return mm;
  try {
    return nonNegative(parseSizeBytes(v), v);
  } catch (e) {
    throw new Error(messageOf(e));
  }
}

/** A count: `1,000`, `max`. */
export function readCount(v: number | string): number {
  if (typeof v === "number") {
    if (!Number.isInteger(v)) throw new Error(`'${v}' is not an integer`);
    return nonNegative(v, v);
  }
  const mm = minMax(v);
  if (mm !== undefined) return mm;
  const n = plainNumber(v);
  if (n === undefined || !Number.isInteger(n)) throw new Error(`'${v}' is not an integer count`);
  return nonNegative(n, v);
}

/** A signed integer (node ids, pids); accepts commas. */
export function readInt(v: number | string): number {
  const n = typeof v === "number" ? v : plainNumber(v);
  if (n === undefined || !Number.isInteger(n)) throw new Error(`'${String(v)}' is not an integer`);
  return exactInteger(n, v);
}

/** Checks a value given as `v` is a non-negative whole number of the kernel's `unit` for the field. */
function wholeIn(unit: string, v: number | string): (n: number) => number {
  return (n) => {
    if (Number.isFinite(n) && !Number.isInteger(n))
      throw new Error(`'${String(v)}' is not a whole number of ${unit} (the kernel's unit for this field)`);
    return nonNegative(n, v);
  };
}

/** A time, returned in `unitNs` units (1e3 for µs fields, 1e6 for ms fields); a bare number is already in that unit. */
export function readTime(v: number | string, unitNs: number): number {
  // A bare number is already in the field's unit (µs or ms), which the kernel keeps
  // as an integer: a fraction would not survive being written and read back.
  const whole = wholeIn(unitNs === 1e3 ? "µs" : unitNs === 1e6 ? "ms" : `${unitNs} ns`, v);
  if (typeof v === "number") return whole(v);
  const mm = minMax(v);
  if (mm !== undefined) return mm;
  const n = plainNumber(v);
  if (n !== undefined) return whole(n);
  let ns: number;
  try {
    ns = parseDurationNs(v);
  } catch (e) {
    throw new Error(messageOf(e));
  }
  return whole(ns / unitNs);
}

/** A ratio given as `N %` (or a bare number in the field's own unit), returned in `perPercent` units per 1 %. */
export function readRatio(v: number | string, perPercent: number): number {
  // permil and bp fields are integers in the kernel: a fraction of the unit would
  // not survive being written ("0.05 %") and read back.
  const whole = wholeIn(perPercent === 10 ? "permil" : perPercent === 100 ? "bp" : "units", v);
  if (typeof v === "number") return whole(v);
  const mm = minMax(v);
  // A ratio is a value, not a bound: `max` (Infinity) would print as "Infinity %".
  if (mm === UNLIMITED) throw new Error(`'${v}' is not a ratio (give 'N %' or a number)`);
  if (mm !== undefined) return mm;
  const t = v.trim();
  const m = /^([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*%$/.exec(t);
  if (m) return whole(Math.round(Number(m[1].replace(/,/g, "")) * perPercent * 1e6) / 1e6);
  const n = plainNumber(t);
  if (n !== undefined) return whole(n);
  throw new Error(`'${v}' is not a percentage ('N %') or a plain number`);
}

/** `N %` → {percent}, `N samples` → {samples}; `min`/`max` keep the unit of the other bound. */
export function readNrAccesses(v: number | string): {
  unit: "percent" | "samples" | "either";
  value: number;
} {
  if (typeof v === "number") {
    throw new Error(`'${v}' has no unit; write 'N %' or 'N samples'`);
  }
  const mm = minMax(v);
  if (mm !== undefined) return { unit: "either", value: mm };
  const t = v.trim();
  let m = /^([0-9][0-9,]*(?:\.[0-9]*)?)\s*%$/.exec(t);
  if (m) return { unit: "percent", value: nonNegative(Number(m[1].replace(/,/g, "")), v) };
  m = /^([0-9][0-9,]*)\s*(samples?|sample_intervals?)$/.exec(t);
  if (m) return { unit: "samples", value: exactInteger(Number(m[1].replace(/,/g, "")), v) };
  throw new Error(`'${v}' is not 'N %' or 'N samples'`);
}

/** A time (a bare number is µs, as damo reads it) → {us}, or `N aggr_intervals` → {aggrs}. */
export function readAge(v: number | string): { unit: "us" | "aggrs" | "either"; value: number } {
  if (typeof v === "number") return { unit: "us", value: readTime(v, 1e3) };
  const mm = minMax(v);
  if (mm !== undefined) return { unit: "either", value: mm };
  const m = /^([0-9][0-9,]*)\s*aggr(_intervals?)?$/.exec(v.trim());
  if (m) return { unit: "aggrs", value: exactInteger(Number(m[1].replace(/,/g, "")), v) };
  try {
    return { unit: "us", value: readTime(v, 1e3) };
  } catch (e) {
    if (e instanceof Error && /whole number|too large/.test(e.message)) throw e;
    throw new Error(`'${v}' is not a time (e.g. '1 m', '500 ms') or 'N aggr_intervals'`);
  }
}

/** Booleans as JSON booleans or y/yes/true/n/no/false strings. */
export function readBool(v: boolean | string): boolean {
  if (typeof v === "boolean") return v;
  const t = v.trim().toLowerCase();
  if (t === "y" || t === "yes" || t === "true") return true;
  if (t === "n" || t === "no" || t === "false") return false;
  throw new Error(`'${v}' is not a boolean (true/false)`);
}
