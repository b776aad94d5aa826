/**
 * `report access --raw_form`: every snapshot's regions as plain lines
 * (formats.md §2.3), e.g. `000000001000-000000101000 (1024.000 KiB)  20  0`.
 */
import type { DamonRecord } from "../record/model.js";
import { formatSz, formatTimeNs } from "../record/damo-fmt.js";
import { rjust } from "../record/pyfmt.js";
import { ByteText, hex12At, padIntAt } from "./byte-text.js";

/** Yields the raw-form text in pieces so large records stream (tests and callers wanting strings). */
export function* rawFormChunks(records: readonly DamonRecord[], rawNumber: boolean): Generator<string> {
  // pieces end at line ends and only header lines may hold non-ASCII, so no character is cut
  for (const piece of rawFormPieces(records, rawNumber)) yield piece.toString("utf8");
}

/** The raw-form text as UTF-8 bytes, in pieces of about 1 MiB. */
export function* rawFormPieces(records: readonly DamonRecord[], rawNumber: boolean): Generator<Buffer> {
  const head = `# ${rjust("start_addr", 10)} ${rjust("end_addr", 12)}  ${rjust("length", 12)}  ${rjust("nr_accesses", 11)} ${rjust("age", 5)}`;
  const out = new ByteText();
  let nrLines = 0;
  for (const rec of records) {
    const snaps = rec.snapshots;
    if (snaps.length === 0) continue;
    const base = snaps[0].startNs;
    nrLines += 3;
    out.str(
      `base_time_absolute: ${formatTimeNs(base, rawNumber)}\ndata source: ${rec.dataSource ?? "unknown"}\n\n`,
    );
    const tid = rec.targetId ?? "None";
    for (const s of snaps) {
      out.str(
        `monitoring_start:    ${rjust(formatTimeNs(s.startNs - base, rawNumber), 16)}\n` +
          `monitoring_end:      ${rjust(formatTimeNs(s.endNs - base, rawNumber), 16)}\n` +
          `monitoring_duration: ${rjust(formatTimeNs(s.endNs - s.startNs, rawNumber), 16)}\n` +
          `target_id: ${tid}\n` +
          `nr_regions: ${s.nr}\n` +
          head +
          "\n",
      );
      for (let i = 0; i < s.nr; i++) {
        if (out.full) yield out.take();
        regionLine(out, s.start[i], s.end[i], s.samples[i], s.age[i], rawNumber);
      }
      out.str("\n");
      nrLines += s.nr + 7;
    }
  }
  // damo's text ends here; print() adds a newline only for short (unpaged) output
  if (nrLines <= 50) out.str("\n");
  if (out.pos > 0) yield out.take();
}

/** One region's line; bytes written directly for the usual values, else via strings. */
function regionLine(
  out: ByteText,
  start: number,
  end: number,
  samples: number,
  age: number,
  raw: boolean,
): void {
  const a = Number.isNaN(age) ? -1 : age;
  const size = sizeField(end - start, raw);
  const buf = out.room(42 + size.length);
  const p = out.pos;
  const q = p + 25 + size.length;
  if (
    hex12At(buf, p, start) &&
    hex12At(buf, p + 13, end) &&
    padIntAt(buf, q, samples, 11) &&
    padIntAt(buf, q + 12, a, 5)
  ) {
    buf[p + 12] = 45; // '-'
    for (let k = 0; k < size.length; k++) buf[p + 25 + k] = size[k];
    buf[q + 11] = 32;
    buf[q + 17] = 10;
    out.pos = q + 18;
    return;
  }
  out.str(
    hex12(start) +
      "-" +
      hex12(end) +
      Buffer.from(size).toString("latin1") +
      padInt(samples, 11) +
      " " +
      padInt(a, 5) +
      "\n",
  );
}

const HEX3 = Array.from({ length: 4096 }, (_, i) => i.toString(16).padStart(3, "0"));

/** `%012x`: four table lookups for addresses below 2^48. */
function hex12(x: number): string {
  if (x >= 0 && x < 2 ** 48 && Number.isInteger(x)) {
    const hi = Math.floor(x / 16777216);
    const lo = x - hi * 16777216;
    return HEX3[hi >>> 12] + HEX3[hi & 4095] + HEX3[lo >>> 12] + HEX3[lo & 4095];
  }
  const h = x.toString(16);
  return h.length >= 12 ? h : "000000000000".slice(h.length) + h;
}

// Region sizes repeat a lot; formatting each distinct value once makes the raw
// form of a 2,000 x 1,000 record several times faster. A direct-mapped cache indexed
// by page number: a Map keyed by doubles costs more than the rest of the line.
const SIZE_SLOTS = 1 << 14;
const sizeKeys = [new Float64Array(SIZE_SLOTS).fill(NaN), new Float64Array(SIZE_SLOTS).fill(NaN)];
const sizeTexts: Uint8Array[][] = [new Array<Uint8Array>(SIZE_SLOTS), new Array<Uint8Array>(SIZE_SLOTS)];
function sizeField(sz: number, raw: boolean): Uint8Array {
  const r = raw ? 1 : 0;
  // `>>> 12` takes the low 32 bits of the page number (exact for integers below 2^53)
  const slot = (sz >>> 12) & (SIZE_SLOTS - 1);
  if (sizeKeys[r][slot] === sz) return sizeTexts[r][slot];
  const v = new Uint8Array(Buffer.from(` (${rjust(formatSz(sz, raw), 12)}) `, "latin1"));
  sizeKeys[r][slot] = sz;
  sizeTexts[r][slot] = v;
  return v;
}

const intCache: string[][] = [];
function padInt(x: number, width: number): string {
  if (Number.isInteger(x) && x >= -1 && x < 4096) {
    const c = (intCache[width] ??= []);
    return (c[x + 1] ??= rjust(String(x), width));
  }
  return rjust(String(x), width);
}
