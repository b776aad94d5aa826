/**
 * Plain CSV for other tools. One access per row:
 *   clock,tid,op,addr,size      op is R or W, addr in hex with 0x (decimal accepted on input)
 * With memory-map events (`withEvents`), extra rows carry op map/unmap/protect/remap and
 * three more columns: prot,kind,name (remap: addr is the old start, name the new start).
 * Lines starting with # are comments.
 */
import { FormatError } from "../../util/errors.js";
import type { MapEvent } from "./format.js";
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

function num(s: string): number {
  const t = s.trim();
  if (t === "") return NaN;
  return /^0x/i.test(t) ? parseInt(t.slice(2), 16) : Number(t);
}

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
      if (!l.startsWith(CSV_HEADER)) throw new FormatError(`expected the header "${CSV_HEADER}"`, where);
      this.sawHeader = true;
      return;
    }
    const c = splitCsv(l);
    if (c.length < 5)
      throw new FormatError(`expected at least 5 columns (${CSV_HEADER}), got ${c.length}`, where);
    const clock = num(c[0]);
    if (!Number.isInteger(clock) || clock < 0)
      throw new FormatError(`clock ${JSON.stringify(c[0])} is not a non-negative integer`, where);
    const op = c[2].trim();
    const addr = num(c[3]);
    const size = num(c[4]);
    if (!Number.isInteger(addr) || addr < 0)
      throw new FormatError(`addr ${JSON.stringify(c[3])} is not a non-negative integer`, where);
    if (!Number.isInteger(size) || size < 0)
      throw new FormatError(`size ${JSON.stringify(c[4])} is not a non-negative integer`, where);
    if (op === "R" || op === "W" || op === "r" || op === "w") {
      const tid = num(c[1]);
      if (!Number.isInteger(tid))
        throw new FormatError(`tid ${JSON.stringify(c[1])} is not an integer`, where);
      try {
        this.writer.access(addr, size, op === "W" || op === "w" ? 1 : 0, tid, clock);
      } catch (e) {
        throw new FormatError(e instanceof Error ? e.message : String(e), where);
      }
      this.rows++;
      return;
    }
    if (op === "map" || op === "unmap" || op === "protect" || op === "remap") {
      const ev: Omit<MapEvent, "index"> = { type: op, clock, start: addr, length: size };
      const prot = c[5]?.trim();
      const kind = c[6]?.trim();
      const name = c[7];
      if (prot) ev.prot = prot;
      if (kind === "file" || kind === "anon" || kind === "heap" || kind === "stack") ev.kind = kind;
      if (op === "remap") {
        const to = num(name ?? "");
        if (!Number.isInteger(to))
          throw new FormatError("remap row needs the new start in the name column", where);
        ev.to = to;
      } else if (name) ev.name = name;
      this.writer.event(ev);
      this.rows++;
      return;
    }
    throw new FormatError(`op ${JSON.stringify(op)} is not R, W, map, unmap, protect or remap`, where);
  }
}
