/**
 * Reads /proc/PID/maps and turns the differences between two reads into map events.
 * Used with the lackey fallback, which reports no memory-map changes of its own.
 */
import { readFileSync } from "node:fs";
import type { MapEvent } from "./format.js";
import { isValgrindOwnMapping } from "./raw-records.js";

export interface ProcMapping {
  start: number;
  end: number;
  prot: string;
  name: string;
}

/** Parses the text of a /proc/PID/maps file. */
export function parseProcMaps(text: string): ProcMapping[] {
  const out: ProcMapping[] = [];
  for (const line of text.split("\n")) {
    const m = /^([0-9a-f]+)-([0-9a-f]+) ([rwxsp-]{4}) \S+ \S+ \S+\s*(.*)$/.exec(line);
    if (!m) continue;
    out.push({ start: parseInt(m[1], 16), end: parseInt(m[2], 16), prot: m[3].slice(0, 3), name: m[4] });
  }
  return out;
}

function kindOf(name: string): MapEvent["kind"] {
  if (name === "[heap]") return "heap";
  if (name.startsWith("[stack")) return "stack";
  return name.startsWith("/") ? "file" : "anon";
}

/** Polls one process's memory map and reports what changed since the last poll. */
export class ProcMapsPoller {
  private known = new Map<string, ProcMapping>();
  /** Polls that read a memory map (a process that is gone, or mid-exec, gives none). */
  reads = 0;

  /** `mapsPath` is for tests; the default is the process's /proc file. */
  constructor(
    pid: number,
    private readonly mapsPath = `/proc/${pid}/maps`,
  ) {}

  /** Returns the events since the last poll (empty when the map cannot be read). */
  poll(clock: number): Omit<MapEvent, "index">[] {
    let text: string;
    try {
      text = readFileSync(this.mapsPath, "utf8");
    } catch {
      return [];
    }
    const all = parseProcMaps(text);
    // A live process always has a mapping; an empty file is a zombie, or a process
    // between exec's dropping its old memory and loading the new image. Taking it
    // as "everything was unmapped" would empty the map the trace ends with.
    if (all.length === 0) return [];
    this.reads++;
    const now = new Map<string, ProcMapping>();
    for (const m of all) {
      // Valgrind's own files (and its gdbserver's shared memory) and the kernel's
      // vsyscall pages ("[vvar_vclock]" too, on newer kernels) are not the program's.
      if (
        isValgrindOwnMapping(m.name) ||
        m.name.includes("/vgdb-pipe-shared-mem-") ||
        m.name === "[vsyscall]" ||
        m.name.startsWith("[vvar") ||
        m.name === "[vdso]"
      )
        continue;
      now.set(`${m.start}-${m.end}-${m.prot}-${m.name}`, m);
    }
    const events: Omit<MapEvent, "index">[] = [];
    for (const [k, m] of this.known)
      if (!now.has(k)) events.push({ type: "unmap", clock, start: m.start, length: m.end - m.start });
    const first = this.reads === 1;
    for (const [k, m] of now)
      if (!this.known.has(k)) {
        const ev: Omit<MapEvent, "index"> = {
          type: "map",
          clock,
          start: m.start,
          length: m.end - m.start,
          prot: m.prot,
          kind: kindOf(m.name),
        };
        if (m.name) ev.name = m.name;
        if (first) ev.startup = true;
        events.push(ev);
      }
    this.known = now;
    return events;
  }
}
