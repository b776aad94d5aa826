/**
 * The damon-ts trace format: constants and the types shared by the writer and the
 * reader. The byte layout is documented in docs/trace-format.md; change both together.
 */

/** First 8 bytes of every trace file. */
export const FILE_MAGIC = "DAMONTRC";
/** Major version: a reader refuses other majors. Minor versions only add fields. */
export const FORMAT_MAJOR = 1;
/** 1.1 added the access index chunk (CHUNK_INDEX); a 1.0 reader skips it. */
export const FORMAT_MINOR = 1;
/** magic(8) major(2) minor(2) jsonLength(4) jsonCrc32(4), then the header JSON. */
export const FILE_PREFIX_BYTES = 20;

/** First 4 bytes of every chunk ("DTCK"), used to resynchronise after damage. */
export const CHUNK_MAGIC = 0x4b435444; // "DTCK" read as little-endian u32
export const CHUNK_HEADER_BYTES = 36;

export const CHUNK_ACCESSES = 1;
export const CHUNK_EVENTS = 2;
export const CHUNK_FOOTER = 3;
/**
 * What a replay needs before its first access, summarised per access chunk by the
 * writer (access-index.ts), just before the footer. Optional: readers that skip it
 * (1.0) or traces without it decode every access instead.
 */
export const CHUNK_INDEX = 4;

/**
 * How far below the initial stack mapping the stack may have grown (Linux's default
 * stack rlimit): the index records the lowest access in this window.
 */
export const STACK_GROWTH_LIMIT = 8 * 2 ** 20;

export const CODEC_NONE = 0;
export const CODEC_DEFLATE_RAW = 1;
/** Brotli (node:zlib): about 20% smaller than deflate, decodes about half as fast. */
export const CODEC_BROTLI = 2;

/** Chunk compression a writer can use. */
export type TraceCodec = "deflate" | "brotli";

/** Default number of accesses per chunk: big enough for good compression, small enough to lose little on damage. */
export const DEFAULT_CHUNK_ACCESSES = 1 << 18;
/** Hard limit a reader accepts, so a damaged count cannot make it allocate gigabytes. */
export const MAX_CHUNK_ACCESSES = 1 << 22;
export const MAX_CHUNK_BYTES = 1 << 28;

/**
 * Access-chunk payload prelude (48 bytes): count, nTidRuns, laneLength, clockEscLen,
 * sizeEscCount, laneBytes[4] (u32 each), 4 reserved bytes, firstClock (f64). Then: tid
 * runs, op bytes, clock bytes, the address-delta stream of each lane, clock escapes,
 * size escapes, and PAYLOAD_PAD zero bytes.
 */
export const ACCESS_PRELUDE_BYTES = 48;
/**
 * A chunk's accesses are split into this many lanes of `laneLength` consecutive
 * accesses, each with its own address coder state, so a decoder can run the lanes'
 * dependency chains side by side.
 */
export const ADDRESS_LANES = 4;
/** Zero bytes at the end of an access payload so the decoder may read a few bytes past a stream. */
export const PAYLOAD_PAD = 8;

/** Sizes that fit the 3-bit size code of an op byte; code 7 means "u16 in the size-escape stream". */
export const SIZE_CODES = [1, 2, 4, 8, 16, 32, 64] as const;
export const SIZE_ESCAPE = 7;
/** Number of address base slots the delta coder chooses from (2 bits of the op byte). */
export const ADDRESS_SLOTS = 4;
/** Bytes of a zigzag address delta for each 2-bit length code of the op byte. */
export const DELTA_BYTES = [1, 2, 3, 7] as const;
/** A clock byte of 255 means "zigzag varint delta in the clock-escape stream". */
export const CLOCK_ESCAPE = 255;
/** Addresses and clocks must stay exactly representable as doubles after zigzag doubling. */
export const MAX_EXACT = 2 ** 52;

/** Which instrumentation produced a trace. */
export type CaptureTool = "damontrace" | "lackey" | "csv" | "synthetic" | (string & {});

/** Metadata at the start of a trace (JSON). Unknown keys are kept and ignored. */
export interface TraceHeader {
  format: "damon-ts-trace";
  version: string;
  /** What recorded the accesses: our Valgrind tool, lackey, an imported CSV, ... */
  tool: CaptureTool;
  /** The unit of the clock column ("instructions" for captures). */
  clockUnit: "instructions" | "ns" | (string & {});
  /** The traced command line, when known. */
  command?: string[];
  /** Wall-clock start of the capture (ISO 8601), when known. */
  startedAt?: string;
  pageSize: number;
  /** Free-form notes, e.g. what the lackey fallback cannot record. */
  notes?: string[];
  [key: string]: unknown;
}

/** Summary written in the last chunk. A trace without a footer was cut short. */
export interface TraceFooter {
  accesses: number;
  events: number;
  threads: number[];
  firstClock: number;
  lastClock: number;
  /** True when the capture was interrupted (Ctrl-C, target killed, tool output lost). */
  partial: boolean;
  /** Why the capture ended: "exit 0", "signal SIGINT", ... */
  endReason?: string;
  /** Wall-clock duration of the capture in seconds, when known. */
  wallSeconds?: number;
  /** What the capture learnt only at the end, e.g. that no memory map could be read. */
  notes?: string[];
  [key: string]: unknown;
}

export type MapEventType = "map" | "unmap" | "protect" | "remap";

/**
 * A change of the traced process's memory map. `index` is the number of accesses
 * recorded before the event: apply it before the access with that global index.
 */
export interface MapEvent {
  type: MapEventType;
  index: number;
  clock: number;
  start: number;
  length: number;
  /** For `remap`: the new start. */
  to?: number;
  /** "r", "w", "x" letters or "-", e.g. "rw-" (map and protect). */
  prot?: string;
  /** "file", "anon", "heap" (brk) or "stack". */
  kind?: "file" | "anon" | "heap" | "stack";
  name?: string;
  /** True for mappings that existed when the program started. */
  startup?: boolean;
}

/** A damaged or unreadable stretch of the file; the reader skipped it and continued. */
export interface TraceDamage {
  /** Byte offset of the damaged chunk (or of the unreadable bytes) in the file. */
  offset: number;
  /** Bytes skipped from `offset` before reading resumed. */
  skippedBytes: number;
  message: string;
  /** Accesses lost, when the next good chunk lets the reader tell. */
  lostAccesses?: number;
}
