/**
 * damo's human number formats (formats.md §1.4): sizes, counts, times, hz and
 * ratios, with the exact rounding and thresholds damo uses, so report text can be
 * compared byte for byte. Also damo's lenient text-to-number parsers, which record
 * files rely on ("94,827,419,009,024", "5 ms", "31.340 MiB", "max").
 */
import { SIZE_UNIT_BYTES, TIME_UNIT_NS } from "../util/units.js";
import { pyFixed, pyInt } from "./pyfmt.js";

export const ULONG_MAX = 2 ** 64 - 1; // as a double this is 2^64, as in Python's float()

/** `format_nr`: thousands separators unless raw. */
export function formatNr(nr: number, raw: boolean): string {
  if (nr < 0) return "-" + formatNrPositive(-nr, raw);
  return formatNrPositive(nr, raw);
}

function formatNrPositive(nr: number, raw: boolean): string {
  const s = pyInt(nr);
  if (raw) return s;
  return groupThousands(s);
}

/** "1234567" -> "1,234,567" (digits only). */
export function groupThousands(s: string): string {
  if (s.length <= 3) return s;
  const head = s.length % 3;
  let out = head ? s.slice(0, head) : "";
  for (let i = head; i < s.length; i += 3) out += (out ? "," : "") + s.slice(i, i + 3);
  return out;
}

const SZ_UNITS: [number, string][] = [
  [2 ** 60, "EiB"],
  [2 ** 50, "PiB"],
  [2 ** 40, "TiB"],
  [2 ** 30, "GiB"],
  [2 ** 20, "MiB"],
  [2 ** 10, "KiB"],
];

/** `format_sz`: `%.3f <unit>` strictly above each unit, else `%d B`. */
export function formatSz(sz: number, raw: boolean): string {
  if (raw) return pyInt(sz);
  if (sz === ULONG_MAX) return "max";
  for (const [unit, name] of SZ_UNITS) if (sz > unit) return `${pyFixed(sz / unit, 3)} ${name}`;
  return `${pyInt(sz)} B`;
}

/** `format_sz_accurate`: like formatSz with 6 decimals. */
export function formatSzAccurate(sz: number, raw: boolean): string {
  if (raw) return pyInt(sz);
  if (sz === ULONG_MAX) return "max";
  for (const [unit, name] of SZ_UNITS) if (sz > unit) return `${pyFixed(sz / unit, 6)} ${name}`;
  return `${pyInt(sz)} B`;
}

const US = 1e3;
const MS = 1e6;
const SEC = 1e9;
const MINUTE = 60e9;
const HOUR = 3600e9;

/** `format_time_ns`: the human time form used by every report. */
export function formatTimeNs(timeNs: number, raw: boolean): string {
  if (raw) return pyInt(timeNs);
  const sign = timeNs < 0 ? "-" : "";
  const t = Math.abs(timeNs);
  if (t >= ULONG_MAX) return `${sign}max`;
  if (t >= HOUR) {
    const hour = Math.trunc(t / HOUR);
    const hourStr = `${pyInt(hour)} h`;
    const less = t - hour * HOUR;
    if (less === 0) return sign + hourStr;
    return `${sign}${hourStr} ${formatTimeNs(less, false)}`;
  }
  if (t >= MINUTE) {
    if (t % MINUTE === 0) return `${sign}${pyInt(t / MINUTE)} m`;
    if (t % SEC === 0) return `${sign}${pyInt(t / MINUTE)} m ${pyInt((t % MINUTE) / SEC)} s`;
    return `${sign}${pyInt(t / MINUTE)} m ${pyFixed((t % MINUTE) / SEC, 3)} s`;
  }
  for (const [unit, name] of [
    [SEC, "s"],
    [MS, "ms"],
    [US, "us"],
  ] as const) {
    if (t >= unit) {
      if (t % unit === 0) return `${sign}${pyInt(t / unit)} ${name}`;
      return `${sign}${pyFixed(t / unit, 3)} ${name}`;
    }
  }
  return `${sign}${pyInt(t)} ns`;
}

export function formatTimeUs(timeUs: number, raw: boolean): string {
  if (raw) return pyInt(timeUs);
  return formatTimeNs(timeUs * 1000, raw);
}

const EXACT_UNITS: [number, string][] = [
  [86400e9, "d"],
  [HOUR, "h"],
  [MINUTE, "m"],
  [SEC, "s"],
  [MS, "ms"],
  [US, "us"],
  [1, "ns"],
];

/** `format_time_ns_exact`: "1 m 0.098 s", "5 ms"; every unit down to ns. */
export function formatTimeNsExact(timeNs: number, raw: boolean): string {
  if (raw) return pyInt(timeNs);
  const sign = timeNs < 0 ? "-" : "";
  const t = Math.abs(timeNs);
  if (t >= ULONG_MAX) return `${sign}max`;
  for (const [unit, name] of EXACT_UNITS) {
    if (t < unit) continue;
    if (unit === 1) return `${sign}${t % 1 ? pyFixed(t, 3) : pyInt(t)} ${name}`;
    const n = Math.trunc(t / unit);
    const head = `${formatNr(n, false)} ${name}`;
    const less = t - n * unit;
    if (less === 0) return sign + head;
    return `${sign}${head} ${formatTimeNsExact(less, false)}`;
  }
  return "0 ns";
}

export function formatTimeUsExact(timeUs: number, raw: boolean): string {
  return formatTimeNsExact(timeUs * 1000, raw);
}

/** `format_hz`. */
export function formatHz(hz: number, raw: boolean): string {
  if (raw) return pyFixed(hz, 6);
  if (hz < 10 && hz !== 0) return `${pyFixed(hz, 3)} hz`;
  return `${formatNr(hz, raw)} hz`;
}

/** `format_ratio`: "4 %", "0.3 %". */
export function formatRatio(ratio: number, raw: boolean): string {
  if (raw) return pyFixed(ratio, 6);
  const over = Math.trunc(ratio * 100);
  const overStr = formatNr(over, raw);
  const under = pyMod(ratio * 100, 1);
  let underStr = pyFixed(under, 7).replace(/0+$/, "");
  underStr = underStr.slice(2);
  if (underStr === "") return `${overStr} %`;
  return `${overStr}.${underStr} %`;
}

function pyMod(a: number, b: number): number {
  const r = a % b;
  return r !== 0 && r < 0 !== b < 0 ? r + b : r;
}

export function formatPercent(percent: number, raw: boolean): string {
  if (raw) return pyFixed(percent, 6);
  return formatRatio(percent / 100, raw);
}

export function formatBp(bp: number, raw: boolean): string {
  if (raw) return pyFixed(bp, 6);
  return formatRatio(bp / 10000, raw);
}

// ---- parsers (damo's text_to_*), lenient as damo is ----

function tryNumber(txt: string): number | undefined {
  const t = txt.replace(/,/g, "");
  if (/^\s*[+-]?\d+\s*$/.test(t)) return Number(t);
  if (/^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/.test(t)) return Number(t);
  if (/^\s*[+-]?(inf|infinity|nan)\s*$/i.test(t)) return Number(t.replace(/inf(inity)?/i, "Infinity"));
  return undefined;
}

/** `text_to_nr`: numbers as they are, "max", comma-grouped text. */
export function textToNr(v: unknown): number {
  if (typeof v === "number") return v;
  if (typeof v !== "string") throw new Error(`not a number: ${JSON.stringify(v)}`);
  if (v === "max") return ULONG_MAX;
  const n = tryNumber(v);
  if (n === undefined) throw new Error(`'${v}' is not a number`);
  return n;
}

function commonInput(v: unknown, minVal = 0, maxVal = ULONG_MAX): number | undefined {
  if (v === "min") return minVal;
  if (v === "max") return maxVal;
  try {
    return textToNr(v);
  } catch {
    return undefined;
  }
}

/** `text_to_bytes`: "4 KiB", "31.340 MiB", "8,192", 4096. */
export function textToBytes(v: unknown): number {
  const n = commonInput(v);
  if (n !== undefined) return n;
  if (typeof v !== "string") throw new Error(`not a size: ${JSON.stringify(v)}`);
  for (const len of [3, 2, 1]) {
    if (v.length <= len && len > 1) continue;
    const unit = v.slice(v.length - len);
    if (SIZE_UNIT_BYTES[unit] !== undefined) {
      const num = textToNr(v.slice(0, v.length - len).trim());
      return Math.min(ULONG_MAX, Math.trunc(num * SIZE_UNIT_BYTES[unit]));
    }
  }
  return Math.min(ULONG_MAX, Math.trunc(textToNr(v)));
}

/** `text_to_ns`: "100 ms", "1 m 3 s", "539809434100". */
export function textToNs(v: unknown): number {
  const n = commonInput(v);
  if (n !== undefined) return n;
  if (typeof v !== "string") throw new Error(`not a time: ${JSON.stringify(v)}`);
  const fields = v.trim().split(/\s+/);
  if (fields.length > 1) {
    let total = 0;
    for (let i = 0; i < fields.length; i += 2) total += textToNs(fields.slice(i, i + 2).join(""));
    return total;
  }
  const two = v.slice(-2);
  if (two === "ns" || two === "us" || two === "ms") return textToNr(v.slice(0, -2)) * TIME_UNIT_NS[two];
  const one = v.slice(-1);
  if (TIME_UNIT_NS[one] !== undefined) return textToNr(v.slice(0, -1)) * TIME_UNIT_NS[one];
  const f = Number(v);
  if (Number.isNaN(f)) throw new Error(`'${v}' is not a time`);
  return f;
}

/** `text_to_us`: bare numbers are µs. */
export function textToUs(v: unknown): number {
  const n = commonInput(v);
  if (n !== undefined) return n;
  return textToNs(v) / US;
}

/** `text_to_percent`. */
export function textToPercent(v: unknown): number {
  const n = commonInput(v);
  if (n !== undefined) return n;
  if (typeof v !== "string") throw new Error(`not a ratio: ${JSON.stringify(v)}`);
  let t = v;
  let isPercent = false;
  if (t.endsWith("%")) {
    isPercent = true;
    t = t.slice(0, -1);
  }
  let ratio = textToNr(t.trim());
  if (isPercent) ratio /= 100;
  return ratio * 100;
}

/** `text_to_bp`. */
export function textToBp(v: unknown): number {
  const n = commonInput(v);
  if (n !== undefined) return n;
  return (textToPercent(v) / 100) * 10000;
}
