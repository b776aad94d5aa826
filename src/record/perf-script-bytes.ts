/**
 * The byte-level reading of one perf script line, for the lines damo and the kernel
 * write (`... 1.100000: damon:damon_aggregated: target_id=0 nr_regions=2 4096-8192: 3 1`):
 * fields found and numbers read from the bytes, no string per line or field. A line
 * it does not recognise exactly (not ASCII, another damon event, a damaged, unusual
 * or long field) is left to the string reader in perf-script.ts, so the records and
 * errors are the ones that reader gives.
 */

/** What a line is, for the byte reader. */
export const enum LineKind {
  /** Not a damon tracepoint line: skipped, as the string reader skips it. */
  Skip,
  /** A well-formed damon:damon_aggregated line; its values are in the AggregatedLine. */
  Aggregated,
  /** Anything else: the string reader must read it. */
  Other,
}

/** The values of the last Aggregated line (filled in place: no object per line). */
export class AggregatedLine {
  endNs = 0;
  tid = 0;
  nrRegions = 0;
  start = 0;
  end = 0;
  samples = 0;
  /** NaN when the line has no age field. */
  age = NaN;
  /**
   * The bytes of the last Aggregated line up to its range field (the lines of a
   * snapshot share them): a line that starts with them has its first seven fields,
   * so only the rest is read. prefixLen 0: none.
   */
  readonly prefix = Buffer.alloc(256);
  prefixLen = 0;
}

const MAX_FIELDS = 11;
/** Numbers of up to 15 digits are below 2^53, so exact as doubles. */
const MAX_DIGITS = 15;
const POW10 = Array.from({ length: MAX_DIGITS + 1 }, (_, i) => 10 ** i);

const ascii = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));
const AGGREGATED = ascii("damon:damon_aggregated");
const REGION_AGGREGATED = ascii("damon:damon_region_aggregated");
const BEFORE_APPLY = ascii("damon:damos_before_apply");
const TARGET_ID = ascii("target_id=");
const NR_REGIONS = ascii("nr_regions=");

const from = new Int32Array(MAX_FIELDS);
const to = new Int32Array(MAX_FIELDS);

function startsWith(buf: Buffer, at: number, end: number, word: Uint8Array): boolean {
  if (end - at < word.length) return false;
  for (let i = 0; i < word.length; i++) if (buf[at + i] !== word[i]) return false;
  return true;
}

/**
 * Digits from..to as a number; -1 when not 1 to 15 digits, or (canonical) when
 * written with a leading zero (its text would then differ from the number's).
 */
function digits(buf: Buffer, a: number, b: number, canonical: boolean): number {
  if (b <= a || b - a > MAX_DIGITS || (canonical && buf[a] === 0x30 && b - a > 1)) return -1;
  let v = 0;
  for (let i = a; i < b; i++) {
    const c = buf[i] - 0x30;
    if (c < 0 || c > 9) return -1;
    v = v * 10 + c;
  }
  return v;
}

/** `-?\d+` as Number() reads it (so "-0" is -0); NaN when not of that form or too long. */
function signedInt(buf: Buffer, a: number, b: number): number {
  const neg = buf[a] === 0x2d;
  const v = digits(buf, neg ? a + 1 : a, b, false);
  if (v < 0) return NaN;
  return neg ? -v : v;
}

/**
 * `\d+(\.\d+)?:` seconds as nanoseconds, as `Math.trunc(Number(text) * 1e9)`: with at
 * most 15 digits the digits and the power of ten are exact doubles, so their
 * quotient is the correctly rounded value Number() gives. NaN for other forms.
 */
function timestampNs(buf: Buffer, a: number, b: number): number {
  if (buf[b - 1] !== 0x3a) return NaN;
  let dot = -1;
  for (let i = a; i < b - 1; i++)
    if (buf[i] === 0x2e) {
      dot = i;
      break;
    }
  if (dot < 0) {
    const v = digits(buf, a, b - 1, false);
    return v < 0 ? NaN : Math.trunc(v * 1e9);
  }
  const whole = digits(buf, a, dot, false);
  const frac = digits(buf, dot + 1, b - 1, false);
  const k = b - 1 - (dot + 1);
  if (whole < 0 || frac < 0 || dot - a + k > MAX_DIGITS) return NaN;
  return Math.trunc(((whole * POW10[k] + frac) / POW10[k]) * 1e9);
}

/**
 * Reads the line buf[a..b) (no newline); fills `out` for an Aggregated line.
 * `ascii`: the caller knows the bytes are ASCII (a chunk checked at once).
 */
export function readLineBytes(
  buf: Buffer,
  a: number,
  b: number,
  out: AggregatedLine,
  ascii: boolean,
): LineKind {
  if (!ascii) for (let i = a; i < b; i++) if (buf[i] >= 128) return LineKind.Other;
  // fields at ASCII whitespace, as the string reader's fieldsOf; other text is its to read
  let n = 0;
  let i = a;
  const same =
    out.prefixLen > 0 &&
    b - a > out.prefixLen &&
    buf.compare(out.prefix, 0, out.prefixLen, a, a + out.prefixLen) === 0;
  if (same) {
    n = 7;
    i = a + out.prefixLen;
  }
  while (i < b) {
    const c = buf[i];
    if (c <= 32 && (c === 32 || (c >= 9 && c <= 13))) {
      i++;
      continue;
    }
    const f = i;
    for (; i < b; i++) {
      const d = buf[i];
      if (d <= 32 && (d === 32 || (d >= 9 && d <= 13))) break;
    }
    if (n < MAX_FIELDS) {
      from[n] = f;
      to[n] = i;
    }
    n++;
  }
  if (same) return n === 9 || n === 10 ? rangeAndCounts(buf, n, out) : LineKind.Other;
  if (n <= 5) return LineKind.Skip;
  const evLen = to[4] - from[4] - 1;
  if (evLen === AGGREGATED.length && startsWith(buf, from[4], to[4], AGGREGATED)) {
    if (n !== 9 && n !== 10) return LineKind.Other;
  } else if (
    (evLen === REGION_AGGREGATED.length && startsWith(buf, from[4], to[4], REGION_AGGREGATED)) ||
    (evLen === BEFORE_APPLY.length && startsWith(buf, from[4], to[4], BEFORE_APPLY))
  )
    return LineKind.Other;
  else return LineKind.Skip;

  out.prefixLen = 0;
  out.endNs = timestampNs(buf, from[3], to[3]);
  out.tid = startsWith(buf, from[5], to[5], TARGET_ID)
    ? digits(buf, from[5] + TARGET_ID.length, to[5], true)
    : -1;
  out.nrRegions = startsWith(buf, from[6], to[6], NR_REGIONS)
    ? digits(buf, from[6] + NR_REGIONS.length, to[6], false)
    : -1;
  if (Number.isNaN(out.endNs) || out.tid < 0 || out.nrRegions < 1) return LineKind.Other;
  const kind = rangeAndCounts(buf, n, out);
  if (kind === LineKind.Aggregated && from[7] - a <= out.prefix.length) {
    buf.copy(out.prefix, 0, a, from[7]);
    out.prefixLen = from[7] - a;
  }
  return kind;
}

/** The range, nr_accesses and age fields (7 to 9) of a damon_aggregated line of n fields. */
function rangeAndCounts(buf: Buffer, n: number, out: AggregatedLine): LineKind {
  // the range `start-end:`
  const r = from[7];
  const rEnd = to[7];
  let dash = -1;
  for (let j = r; j < rEnd; j++)
    if (buf[j] === 0x2d) {
      dash = j;
      break;
    }
  out.start = dash < 0 ? -1 : digits(buf, r, dash, true);
  out.end = dash < 0 || buf[rEnd - 1] !== 0x3a ? -1 : digits(buf, dash + 1, rEnd - 1, true);
  out.samples = signedInt(buf, from[8], to[8]);
  out.age = n === 10 ? signedInt(buf, from[9], to[9]) : NaN;
  if (
    out.start < 0 ||
    out.end < out.start ||
    Number.isNaN(out.samples) ||
    (n === 10 && Number.isNaN(out.age))
  )
    return LineKind.Other;
  return LineKind.Aggregated;
}
