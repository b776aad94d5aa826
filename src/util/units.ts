/**
 * Parsing of human units the way damo accepts them (formats.md §1.4):
 * durations (`5ms`, `1 s`, `1 m 3 s`), sizes (`4KiB`, `1.5 GiB`; all suffixes
 * binary), percentages, booleans. Every parser names the field it was parsing.
 */
import { MAX_SEED } from "./rng.js";
import { UsageError } from "./errors.js";

/** Time units in ns, as damo spells them (its parsers and ours share this table). */
export const TIME_UNIT_NS: Readonly<Record<string, number>> = {
  ns: 1,
  us: 1e3,
  ms: 1e6,
  s: 1e9,
  m: 60e9,
  h: 3600e9,
  d: 86400e9,
};

/** Size units in bytes, as damo spells them; every suffix is binary. */
export const SIZE_UNIT_BYTES: Readonly<Record<string, number>> = {
  B: 1,
  K: 2 ** 10,
  KB: 2 ** 10,
  KiB: 2 ** 10,
  M: 2 ** 20,
  MB: 2 ** 20,
  MiB: 2 ** 20,
  G: 2 ** 30,
  GB: 2 ** 30,
  GiB: 2 ** 30,
  T: 2 ** 40,
  TB: 2 ** 40,
  TiB: 2 ** 40,
  P: 2 ** 50,
  PB: 2 ** 50,
  PiB: 2 ** 50,
  E: 2 ** 60,
  EB: 2 ** 60,
  EiB: 2 ** 60,
};

/** The binary-unit letters damo prints (K, M, G, T, P, E), by char code, for the byte-level readers. */
export const SIZE_UNIT: Readonly<Record<number, number>> = Object.fromEntries(
  ["K", "M", "G", "T", "P", "E"].map((u) => [u.charCodeAt(0), SIZE_UNIT_BYTES[u]]),
);

/** The CLI's size units are case-insensitive (`4kib`, `1 gb`). */
const SIZE_B: Record<string, number> = Object.fromEntries(
  Object.entries(SIZE_UNIT_BYTES).map(([k, v]) => [k.toLowerCase(), v]),
);

const NUMBER_UNIT = /^\s*([0-9][0-9,]*(?:\.[0-9]*)?|\.[0-9]+)\s*([a-zA-Z%]*)\s*/;

function parseFields(text: string, table: Record<string, number>, what: string, field: string): number {
  let rest = text.trim();
  if (rest === "") throw new UsageError(`empty ${what}`, field);
  let total = 0;
  while (rest.length > 0) {
    const m = NUMBER_UNIT.exec(rest);
    if (!m) throw new UsageError(`'${text}' is not a ${what}`, field);
    const value = Number(m[1].replace(/,/g, ""));
    const unit = m[2].toLowerCase();
    if (unit === "") {
      throw new UsageError(
        `'${text}' needs a unit (e.g. ${what === "duration" ? "5ms, 1s" : "4KiB, 1MiB"})`,
        field,
      );
    }
    const scale = table[unit];
    if (scale === undefined) throw new UsageError(`unknown ${what} unit '${m[2]}' in '${text}'`, field);
    total += value * scale;
    rest = rest.slice(m[0].length);
  }
  return total;
}

/** Parses a duration into nanoseconds. A bare number is rejected: say the unit. */
export function parseDurationNs(text: string, field = "duration"): number {
  if (/^\s*-/.test(text)) throw new UsageError(`'${text}' is negative; durations must be positive`, field);
  return Math.round(parseFields(text, TIME_UNIT_NS, "duration", field));
}

/** Parses a duration into whole microseconds (DAMON's attribute unit). */
export function parseDurationUs(text: string, field = "duration"): number {
  return Math.round(parseDurationNs(text, field) / 1000);
}

/** Parses a size into bytes; a bare number means bytes. */
export function parseSizeBytes(text: string, field = "size"): number {
  if (/^\s*-/.test(text)) throw new UsageError(`'${text}' is negative; sizes must be positive`, field);
  const n = /^\s*[0-9][0-9,]*\s*$/.test(text)
    ? Number(text.trim().replace(/,/g, ""))
    : Math.round(parseFields(text, SIZE_B, "size", field));
  return exact(n, text, field);
}

/** Parses a non-negative integer count (commas allowed, as damo prints them). */
export function parseCount(text: string, field = "count"): number {
  const t = text.trim().replace(/,/g, "");
  if (!/^[0-9]+$/.test(t)) throw new UsageError(`'${text}' is not a non-negative integer`, field);
  return exact(Number(t), text, field);
}

/** Parses a seed: an integer from 0 to MAX_SEED (32 bits, as Rng takes it). */
export function parseSeed(text: string, field = "--seed"): number {
  const n = parseCount(text, field);
  if (n > MAX_SEED)
    throw new UsageError(`'${text.trim()}' is not a seed: seeds are 0 to ${MAX_SEED} (32 bits)`, field);
  return n;
}

/**
 * Refuses an integer a double cannot hold exactly (2^53 and above): a pid of
 * 18446744073709551615 would otherwise be used as 18446744073709551616.
 */
function exact(n: number, text: string, field: string): number {
  if (!Number.isSafeInteger(n))
    throw new UsageError(`'${text.trim()}' is too large to be exact (at most 2^53-1)`, field);
  return n;
}

/** Parses y/yes/true/n/no/false. */
export function parseBool(text: string, field = "flag"): boolean {
  const t = text.trim().toLowerCase();
  if (t === "y" || t === "yes" || t === "true") return true;
  if (t === "n" || t === "no" || t === "false") return false;
  throw new UsageError(`'${text}' is not a boolean (yes/no/true/false)`, field);
}

/** Bytes in binary units with 1 decimal (e.g. `10.0 MiB`). */
export function fmtBytes(b: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = b;
  let u = 0;
  while (Math.abs(v) >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${v} B` : `${v.toFixed(1)} ${units[u]}`;
}
