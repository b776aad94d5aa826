/**
 * Parser for valgrind lackey's `--trace-mem=yes` text ("I  addr,size" instruction,
 * " L"/" S"/" M" load/store/modify), fed in arbitrary pieces. The clock counts the
 * instruction lines; lackey reports no threads, so every access gets one thread id
 * (the traced process id, taken from lackey's `==PID==` lines when present).
 */
import { FormatError } from "../../util/errors.js";
import type { TraceWriter } from "./writer.js";

export class LackeyParser {
  accesses = 0;
  instructions = 0;
  lines = 0;
  /** The process id lackey printed, once seen. */
  pid: number | undefined;
  private tail = "";

  constructor(
    private readonly writer: TraceWriter,
    private readonly source = "<lackey>",
    private tid = 0,
  ) {}

  feed(text: string): void {
    const all = this.tail + text;
    const lastNl = all.lastIndexOf("\n");
    if (lastNl < 0) {
      this.tail = all;
      return;
    }
    this.tail = all.slice(lastNl + 1);
    const lines = all.slice(0, lastNl).split("\n");
    for (const line of lines) this.line(line);
  }

  end(): void {
    if (this.tail.length > 0) this.line(this.tail);
    this.tail = "";
  }

  private line(line: string): void {
    this.lines++;
    const c0 = line.charCodeAt(0);
    // "I  04016a60,3": one instruction.
    if (c0 === 73 /* I */ && line.charCodeAt(1) === 32) {
      this.instructions++;
      return;
    }
    if (c0 === 32 && line.charCodeAt(2) === 32) {
      const kind = line.charCodeAt(1);
      const comma = line.indexOf(",", 3);
      const addr = comma > 3 ? parseInt(line.slice(3, comma), 16) : NaN;
      const size = comma > 3 ? parseInt(line.slice(comma + 1), 10) : NaN;
      if (!(addr >= 0) || !(size >= 0)) throw this.bad(line);
      const w = this.writer;
      const clock = this.instructions;
      if (kind === 76 /* L */) w.access(addr, size, 0, this.tid, clock);
      else if (kind === 83 /* S */) w.access(addr, size, 1, this.tid, clock);
      else if (kind === 77 /* M */) {
        // Modify: a load and a store of the same bytes by one instruction.
        w.access(addr, size, 0, this.tid, clock);
        w.access(addr, size, 1, this.tid, clock);
        this.accesses++;
      } else throw this.bad(line);
      this.accesses++;
      return;
    }
    // Valgrind's own messages: "==1234== ...".
    if (c0 === 61 /* = */) {
      if (this.pid === undefined) {
        const m = /^==(\d+)==/.exec(line);
        if (m) {
          this.pid = Number(m[1]);
          if (this.tid === 0) this.tid = this.pid;
        }
      }
      return;
    }
    if (line.trim() === "") return;
    throw this.bad(line);
  }

  private bad(line: string): FormatError {
    const shown = line.length > 60 ? `${line.slice(0, 60)}...` : line;
    return new FormatError(
      `not a lackey --trace-mem line: ${JSON.stringify(shown)}`,
      `${this.source}:${this.lines}`,
    );
  }
}
