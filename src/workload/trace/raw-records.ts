/**
 * Decoder for the binary records our Valgrind tool (native/damontrace.c) writes:
 * 16-byte little-endian records fed in arbitrary pieces (pipe reads), turned into
 * TraceWriter calls. Layout: docs/trace-format.md, "Raw tool records".
 */
import { FormatError } from "../../util/errors.js";
import type { MapEvent } from "./format.js";
import type { TraceWriter } from "./writer.js";

const REC = 16;
const K_WRITE = 1;
const K_THREAD = 2;
const K_CLOCK = 3;
const K_MAP = 4;
const K_UNMAP = 5;
const K_PROT = 6;
const K_REMAP = 7;
const K_STACK = 8;
const K_END = 9;
const TWO32 = 4294967296;

/** Paths of Valgrind's own files mapped into the process: not part of the program's map. */
export function isValgrindOwnMapping(name: string, toolDir?: string): boolean {
  return (
    name.startsWith("/usr/libexec/valgrind/") ||
    name.startsWith("/usr/lib/x86_64-linux-gnu/valgrind/") ||
    (toolDir !== undefined && name.startsWith(toolDir)) ||
    /\/damontrace-[a-z0-9]+-linux$/.test(name)
  );
}

function protString(flags: number): string {
  return `${flags & 1 ? "r" : "-"}${flags & 2 ? "w" : "-"}${flags & 4 ? "x" : "-"}`;
}

export class RawRecordDecoder {
  /** Accesses decoded so far. */
  accesses = 0;
  /** True once the tool's END record was seen (the tool finished cleanly). */
  sawEnd = false;
  private carry = new Uint8Array(0);
  private work = new ArrayBuffer(0);
  private clockHi = 0;
  private lastLow = 0;
  private tid = 0;
  private startupMaps: (Omit<MapEvent, "index"> & { flags: number })[] | undefined = [];
  private stackPointer = -1;

  constructor(
    private readonly writer: TraceWriter,
    private readonly toolDir?: string,
  ) {}

  /** Feeds the next piece of the tool's output. */
  feed(piece: Uint8Array): void {
    // Copy into an aligned scratch buffer together with the unconsumed tail of the previous piece.
    const total = this.carry.length + piece.length;
    if (this.work.byteLength < total) this.work = new ArrayBuffer(Math.max(total, 1 << 20));
    const bytes = new Uint8Array(this.work, 0, total);
    bytes.set(this.carry, 0);
    bytes.set(piece, this.carry.length);
    const used = this.decode(bytes, total - (total % REC));
    this.carry = bytes.slice(used, total);
  }

  /** Called when the tool's output ended; flushes startup maps of an empty trace. */
  end(): void {
    this.releaseStartupMaps();
    if (this.carry.length !== 0 && this.sawEnd)
      throw new FormatError(`${this.carry.length} stray bytes after the tool's end record`);
  }

  /** Returns the number of bytes consumed (whole records; a split event waits for more). */
  private decode(bytes: Uint8Array, len: number): number {
    const u32 = new Uint32Array(bytes.buffer, bytes.byteOffset, len / 4);
    const w = this.writer;
    const nrec = len / REC;
    let i = 0;
    let hi = this.clockHi;
    let lastLow = this.lastLow;
    let tid = this.tid;
    let n = 0;
    while (i < nrec) {
      const o = i * 4;
      const meta = u32[o + 3];
      const kind = (meta >>> 16) & 0xff;
      if (kind <= K_WRITE) {
        if (this.startupMaps) this.releaseStartupMaps();
        const low = u32[o + 2];
        if (low < lastLow) hi += TWO32;
        lastLow = low;
        w.access(u32[o] + u32[o + 1] * TWO32, meta & 0xffff, kind, tid, hi + low);
        n++;
        i++;
        continue;
      }
      const a = u32[o] + u32[o + 1] * TWO32;
      if (kind === K_CLOCK) {
        hi = a - (a % TWO32);
        lastLow = a % TWO32;
        i++;
      } else if (kind === K_THREAD) {
        tid = a;
        i++;
      } else if (kind === K_STACK) {
        this.stackPointer = a;
        i++;
      } else if (kind === K_END) {
        this.sawEnd = true;
        i++;
      } else if (kind === K_MAP || kind === K_UNMAP || kind === K_PROT || kind === K_REMAP) {
        const extra = kind === K_REMAP ? 2 : 1;
        if (i + extra >= nrec) break; // wait for the rest of the event
        const o2 = o + 4;
        const v2 = u32[o2] + u32[o2 + 1] * TWO32;
        const low = u32[o + 2];
        if (low < lastLow) hi += TWO32;
        lastLow = low;
        const clock = hi + low;
        const flags = meta >>> 24;
        if (kind === K_MAP) {
          const nameLen = u32[o2 + 2];
          const nameRecs = Math.ceil(nameLen / REC);
          if (i + 1 + nameRecs >= nrec) break;
          const nameAt = (i + 2) * REC;
          const name = Buffer.from(bytes.buffer, bytes.byteOffset + nameAt, nameLen).toString("utf8");
          i += 2 + nameRecs;
          if (name && isValgrindOwnMapping(name, this.toolDir)) continue;
          const ev: Omit<MapEvent, "index"> & { flags: number } = {
            type: "map",
            clock,
            start: a,
            length: v2,
            prot: protString(flags),
            kind: flags & 16 ? "heap" : flags & 8 ? "file" : "anon",
            flags,
          };
          if (name) ev.name = name;
          else if (flags & 16) ev.name = "[heap]";
          if (flags & 32) ev.startup = true;
          if (this.startupMaps) this.startupMaps.push(ev);
          else w.event(stripFlags(ev));
        } else if (kind === K_UNMAP) {
          i += 2;
          this.emit({ type: "unmap", clock, start: a, length: v2 });
        } else if (kind === K_PROT) {
          i += 2;
          this.emit({ type: "protect", clock, start: a, length: v2, prot: protString(flags) });
        } else {
          const len3 = u32[o + 8] + u32[o + 9] * TWO32;
          i += 3;
          this.emit({ type: "remap", clock, start: a, to: v2, length: len3 });
        }
      } else {
        throw new FormatError(
          `unknown record kind ${kind} in the tool's output (record ${this.accesses + n})`,
        );
      }
    }
    this.clockHi = hi;
    this.lastLow = lastLow;
    this.tid = tid;
    this.accesses += n;
    return i * REC;
  }

  private emit(ev: Omit<MapEvent, "index">): void {
    if (this.startupMaps) this.startupMaps.push({ ...ev, flags: 0 });
    else this.writer.event(ev);
  }

  /** Startup maps wait for the stack pointer so the stack mapping can be labelled. */
  private releaseStartupMaps(): void {
    const maps = this.startupMaps;
    if (!maps) return;
    this.startupMaps = undefined;
    const sp = this.stackPointer;
    for (const ev of maps) {
      if (ev.type === "map" && ev.kind === "anon" && sp >= ev.start && sp < ev.start + ev.length) {
        ev.kind = "stack";
        ev.name = "[stack]";
      }
      this.writer.event(stripFlags(ev));
    }
  }
}

function stripFlags(ev: Omit<MapEvent, "index"> & { flags: number }): Omit<MapEvent, "index"> {
  const { flags: _flags, ...rest } = ev;
  return rest;
}
