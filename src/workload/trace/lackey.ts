/**
 * Parser for valgrind lackey's `--trace-mem=yes` text ("I  addr,size" instruction,
 * " L"/" S"/" M" load/store/modify), fed in arbitrary pieces. The clock counts the
 * instruction lines; lackey reports no threads, so every access gets one thread id
 * (the traced process id, taken from lackey's `==PID==` lines when present).
 */
import { FormatError } from "../../util/errors.js";
import { MAX_EXACT } from "./format.js";
import type { TraceWriter } from "./writer.js";

/** The exact grammar of lackey's lines: "I  ADDR,SIZE" and " K ADDR,SIZE" (K = L, S or M). */
const INSN_RE = /^I {2}[0-9a-fA-F]+,[0-9]+$/;
const ACCESS_RE = /^ ([LSM]) ([0-9a-fA-F]+),([0-9]+)$/;
const MAX_TID = 2 ** 31 - 1;

export class LackeyParser {
  accesses = 0;
  instructions = 0;
  lines = 0;
  /** The process id lackey printed, once seen. */
  pid: number | undefined;
  /**
   * Called just before the first instruction line is counted: the client is running,
   * so its initial memory image is in place (capture reads /proc/PID/maps then).
   */
  onFirstInstruction: (() => void) | undefined;
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

  private line(raw: string): void {
    this.lines++;
    const line = raw.endsWith("\r") ? raw.slice(0, -1) : raw;
    const c0 = line.charCodeAt(0);
    // "I  04016a60,3": one instruction.
    if (c0 === 73 /* I */) {
      if (!INSN_RE.test(line)) throw this.bad(line);
      if (this.instructions === 0) this.onFirstInstruction?.();
      this.instructions++;
      return;
    }
    if (c0 === 32) {
      const m = ACCESS_RE.exec(line);
      if (m === null) throw this.bad(line);
      const addr = m[2].length <= 13 ? parseInt(m[2], 16) : Infinity;
      const size = m[3].length <= 5 ? Number(m[3]) : Infinity;
      if (!(addr < MAX_EXACT)) throw this.bad(line, "address at or above 2^52");
      if (!(size <= 0xffff)) throw this.bad(line, "size above 65535");
      const w = this.writer;
      const clock = this.instructions;
      const kind = m[1];
      try {
        if (kind === "L") w.access(addr, size, 0, this.tid, clock);
        else if (kind === "S") w.access(addr, size, 1, this.tid, clock);
        else {
          // Modify: a load and a store of the same bytes by one instruction.
          w.access(addr, size, 0, this.tid, clock);
          w.access(addr, size, 1, this.tid, clock);
          this.accesses++;
        }
      } catch (e) {
        throw new FormatError(e instanceof Error ? e.message : String(e), `${this.source}:${this.lines}`);
      }
      this.accesses++;
      return;
    }
    // Valgrind's own messages: "==1234== ...".
    if (c0 === 61 /* = */) {
      if (this.pid === undefined) {
        const m = /^==(\d{1,10})==/.exec(line);
        if (m && Number(m[1]) <= MAX_TID) {
          this.pid = Number(m[1]);
          if (this.tid === 0) this.tid = this.pid;
        }
      }
      return;
    }
    if (line.trim() === "") return;
    throw this.bad(line);
  }

  private bad(line: string, why = ""): FormatError {
    const shown = line.length > 60 ? `${line.slice(0, 60)}...` : line;
    return new FormatError(
      `not a lackey --trace-mem line${why ? ` (${why})` : ""}: ${JSON.stringify(shown)}`,
      `${this.source}:${this.lines}`,
    );
  }
}
