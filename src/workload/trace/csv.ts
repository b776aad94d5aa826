/**
 * Plain CSV for other tools. One access per row:
 *   clock,tid,op,addr,size      op is R or W, addr in hex with 0x (decimal accepted on input)
 * With memory-map events (`withEvents`), extra rows carry op map/unmap/protect/remap and
 * three more columns: prot,kind,name (remap: addr is the old start, name the new start).
 * Lines starting with # are comments.
 */
import { FormatError } from "../../util/errors.js";
import { MAX_EXACT, type MapEvent } from "./format.js";
import { validateMapEvent } from "./validate.js";
import type { TraceReader } from "./reader.js";
import type { TraceWriter } from "./writer.js";

export const CSV_HEADER = "clock,tid,op,addr,size";
export const CSV_HEADER_EVENTS = "clock,tid,op,addr,size,prot,kind,name";

function hex(n: number): string {
  return `0x${n.toString(16)}`;
}

function quote(s: string): string {
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Writes a trace as CSV text through `sink` (called with pieces of about 1 MiB). */
export function traceToCsv(reader: TraceReader, sink: (text: string) => void, withEvents = false): number {
  sink(`${withEvents ? CSV_HEADER_EVENTS : CSV_HEADER}\n`);
  let rows = 0;
  let out: string[] = [];
  let outLen = 0;
  const push = (line: string): void => {
    out.push(line);
    outLen += line.length;
    if (outLen > 1 << 20) {
      sink(out.join(""));
      out = [];
      outLen = 0;
    }
  };
  // Event rows go right before the access they precede, so a re-import gives them the same index.
  let pending: MapEvent[] = [];
  let pe = 0;
  const eventRow = (ev: MapEvent): void => {
    const extra =
      ev.type === "remap"
        ? [ev.prot ?? "", ev.kind ?? "", ev.to !== undefined ? hex(ev.to) : ""]
        : [ev.prot ?? "", ev.kind ?? "", quote(ev.name ?? "")];
    push(`${ev.clock},,${ev.type},${hex(ev.start)},${ev.length},${extra.join(",")}\n`);
    rows++;
  };
  for (const item of reader) {
    if (item.kind === "events") {
      if (withEvents) {
        pending = pending.slice(pe).concat(item.events);
        pe = 0;
      }
    } else if (item.kind === "accesses") {
      const { count, addr, size, isWrite, tid, clock, firstIndex } = item;
      const tail = withEvents ? ",,,\n" : "\n";
      for (let i = 0; i < count; i++) {
        while (pe < pending.length && pending[pe].index <= firstIndex + i) eventRow(pending[pe++]);
        push(`${clock[i]},${tid[i]},${isWrite[i] ? "W" : "R"},${hex(addr[i])},${size[i]}${tail}`);
      }
      rows += count;
    }
  }
  while (pe < pending.length) eventRow(pending[pe++]);
  if (out.length) sink(out.join(""));
  return rows;
}

function splitCsv(line: string): string[] {
  if (!line.includes('"')) return line.split(",");
  const cells: string[] = [];
  let cur = "";
  let inQ = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (inQ) {
      if (c === '"' && line[i + 1] === '"') {
        cur += '"';
        i++;
      } else if (c === '"') inQ = false;
      else cur += c;
    } else if (c === '"') inQ = true;
    else if (c === ",") {
      cells.push(cur);
      cur = "";
    } else cur += c;
  }
  cells.push(cur);
  return cells;
}

const DEC_RE = /^[0-9]+$/;
const HEX_RE = /^0[xX][0-9a-fA-F]+$/;

/**
 * An unsigned integer cell: decimal digits, or 0x and hex digits, nothing else
 * (surrounding blanks allowed). NaN when the grammar does not match; values at or
 * above 2^52 come back as they round (callers compare with their limit).
 */
export function parseCsvInteger(s: string): number {
  const t = s.trim();
  if (DEC_RE.test(t)) return Number(t);
  if (HEX_RE.test(t)) return parseInt(t.slice(2), 16);
  return NaN;
}

/** Checks an integer cell; throws naming the column and the line. */
function intCell(cells: string[], col: number, name: string, max: number, where: string): number {
  const v = parseCsvInteger(cells[col]);
  if (!(v <= max))
    throw new FormatError(
      `${name} ${JSON.stringify(cells[col].length > 40 ? `${cells[col].slice(0, 40)}...` : cells[col])} is not ${
        Number.isNaN(v) ? "an unsigned integer (decimal, or hex with 0x)" : `at most ${max}`
      }`,
      where,
    );
  return v;
}

const MAX_TRACE_INT = MAX_EXACT - 1;
/** Thread ids are stored as 32-bit signed integers: 0..2^31-1. */
const MAX_TID = 2 ** 31 - 1;
const EVENT_KIND = new Set(["file", "anon", "heap", "stack"]);

/** Streams CSV text (in arbitrary pieces) into a trace writer. */
export class CsvParser {
  rows = 0;
  private line = 0;
  private tail = "";
  private sawHeader = false;

  constructor(
    private readonly writer: TraceWriter,
    private readonly source = "<csv>",
  ) {}

  feed(text: string): void {
    const all = this.tail + text;
    const nl = all.lastIndexOf("\n");
    if (nl < 0) {
      this.tail = all;
      return;
    }
    this.tail = all.slice(nl + 1);
    for (const l of all.slice(0, nl).split("\n")) this.parseLine(l);
  }

  end(): void {
    if (this.tail) this.parseLine(this.tail);
    this.tail = "";
    if (!this.sawHeader)
      throw new FormatError(`no CSV header (expected "${CSV_HEADER}")`, `${this.source}:1`);
  }

  private parseLine(raw: string): void {
    this.line++;
    const l = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    if (l === "" || l.startsWith("#")) return;
    const where = `${this.source}:${this.line}`;
    if (!this.sawHeader) {
      if (l !== CSV_HEADER && l !== CSV_HEADER_EVENTS)
        throw new FormatError(`expected the header "${CSV_HEADER}" or "${CSV_HEADER_EVENTS}"`, where);
      this.sawHeader = true;
      return;
    }
    const c = splitCsv(l);
    if (c.length !== 5 && c.length !== 8)
      throw new FormatError(
        `expected 5 columns (${CSV_HEADER}) or 8 (${CSV_HEADER_EVENTS}), got ${c.length}`,
        where,
      );
    const clock = intCell(c, 0, "clock", MAX_TRACE_INT, where);
    const op = c[2].trim();
    const addr = intCell(c, 3, "addr", MAX_TRACE_INT, where);
    if (op === "R" || op === "W" || op === "r" || op === "w") {
      const size = intCell(c, 4, "size", 0xffff, where);
      const tid = intCell(c, 1, "tid", MAX_TID, where);
      if (c.length === 8 && (c[5].trim() !== "" || c[6].trim() !== "" || c[7].trim() !== ""))
        throw new FormatError("an access row has prot, kind or name (they are for map events)", where);
      try {
        this.writer.access(addr, size, op === "W" || op === "w" ? 1 : 0, tid, clock);
      } catch (e) {
        throw new FormatError(e instanceof Error ? e.message : String(e), where);
      }
      this.rows++;
      return;
    }
    if (op === "map" || op === "unmap" || op === "protect" || op === "remap") {
      const length = intCell(c, 4, "size", MAX_TRACE_INT, where);
      if (c[1].trim() !== "") throw new FormatError("a map event row has a tid (leave it empty)", where);
      const ev: Omit<MapEvent, "index"> = { type: op, clock, start: addr, length };
      const prot = c[5]?.trim();
      const kind = c[6]?.trim();
      const name = c[7];
      if (prot) ev.prot = prot;
      if (kind) {
        if (!EVENT_KIND.has(kind))
          throw new FormatError(`kind ${JSON.stringify(kind)} is not file, anon, heap or stack`, where);
        ev.kind = kind as MapEvent["kind"];
      }
      if (op === "remap") {
        if (name === undefined || name.trim() === "")
          throw new FormatError("remap row needs the new start in the name column", where);
        ev.to = intCell(c, 7, "new start (name column of a remap)", MAX_TRACE_INT, where);
      } else if (name) ev.name = name;
      validateMapEvent(ev, where, false);
      this.writer.event(ev);
      this.rows++;
      return;
    }
    throw new FormatError(`op ${JSON.stringify(op)} is not R, W, map, unmap, protect or remap`, where);
  }
}
