/**
 * The decoded access chunks a replay's threads share. Each chunk is read from its
 * offset and decoded once, however many threads have accesses in it, kept until
 * every one of them is done with it, and its arrays are then reused for a later
 * chunk: a run decodes the trace once per loop, and allocates nothing per chunk
 * once warm. Threads that drift apart keep more chunks alive; past
 * MAX_CACHED_CHUNKS the furthest-ahead one is dropped and decoded again when its
 * next thread reaches it (slower, same result).
 *
 * With a decode-ahead worker (decode-ahead.ts), a chunk the worker has ready is
 * taken from its slot instead of being decoded here; its slot goes back to the
 * worker when the chunk would have gone back to the spare decoders.
 */
import { AccessDecoder, type AccessChunk } from "../trace/access-decode.js";
import { AccessChunkFile } from "../trace/chunk-file.js";
import { DecodeAhead, decodeAheadUseful } from "./decode-ahead.js";

/** Most decoded chunks alive at once (a default chunk of 256 Ki accesses holds about 4.5 MB: lean decoders keep no sizes or thread ids). */
export const MAX_CACHED_CHUNKS = 16;

/**
 * Decoders of replays that have finished, for the next replay in this process (a
 * sweep's worker, a bench's rounds): each holds a WebAssembly memory of a few MB,
 * and making and collecting those took a tenth of repeated xz-threads replays.
 */
const finishedDecoders: AccessDecoder[] = [];

/** Decoders waiting for the next replay in this process (tests). */
export function finishedDecoderCount(): number {
  return finishedDecoders.length;
}

/** A replay's chunk decoder (lean, in WebAssembly): a finished replay's, or a new one. */
export function replayDecoder(): AccessDecoder {
  return finishedDecoders.pop() ?? new AccessDecoder({ lean: true, wasm: true });
}

/** Hands back a decoder from replayDecoder() that no one reads any more. */
export function releaseReplayDecoder(d: AccessDecoder): void {
  if (finishedDecoders.length < MAX_CACHED_CHUNKS) finishedDecoders.push(d);
}

/** A chunk the cache holds: decoded here (in `decoder`) or by the worker (in `slot`). */
interface HeldChunk {
  chunk: AccessChunk;
  decoder: AccessDecoder | null;
  slot: number;
}

export interface ChunkCacheOptions {
  /** Times the replay runs the trace (the worker decodes them in turn). Default 1. */
  loops?: number;
  /** Decode ahead on a worker thread (ReplayOptions.decodeAhead). */
  decodeAhead?: boolean | "patient";
  /** Accesses in the trace's largest chunk (TraceScan.largestChunk): the worker's slots must hold it. */
  largestChunk?: number;
}

export class ChunkCache {
  /** Chunk decodes so far (once per chunk and loop unless the cache overflowed), the worker's included. */
  decodes = 0;
  private readonly file: AccessChunkFile;
  /** Per chunk: the threads with accesses in it. */
  private readonly users: Int32Array;
  /** Per chunk: the threads not yet done with it in the current loop. */
  private readonly pending: Int32Array;
  private readonly live = new Map<number, HeldChunk>();
  /** Worker slots of chunks dropped while threads may still read them: freed once they are done. */
  private readonly dropped = new Map<number, number[]>();
  private readonly spare: AccessDecoder[] = [];
  /** The loop being replayed (0-based). */
  private loop = 0;
  private readonly ahead: DecodeAhead | null;

  constructor(
    path: string,
    private readonly offsets: readonly number[],
    threadChunks: readonly (readonly number[])[],
    opts: ChunkCacheOptions = {},
  ) {
    this.file = new AccessChunkFile(path);
    this.users = new Int32Array(offsets.length);
    for (const list of threadChunks) for (const k of list) this.users[k]++;
    this.pending = this.users.slice();
    const want = opts.decodeAhead ?? decodeAheadUseful();
    this.ahead =
      want !== false && offsets.length > 1
        ? DecodeAhead.start(path, offsets, opts.largestChunk ?? Infinity, opts.loops ?? 1, want === "patient")
        : null;
  }

  /** Chunks the decode-ahead worker had ready when asked for, or −1 without a worker (tests, bench). */
  get aheadHits(): number {
    return this.ahead === null ? -1 : this.ahead.hits;
  }

  /** Chunk `k` decoded; valid until the caller releases it. */
  get(k: number): AccessChunk {
    const have = this.live.get(k);
    if (have !== undefined) return have.chunk;
    if (this.live.size >= MAX_CACHED_CHUNKS) this.dropFurthest();
    const taken = this.ahead?.take(k, this.loop);
    if (taken) {
      this.decodes++;
      this.live.set(k, { chunk: taken.chunk, decoder: null, slot: taken.slot });
      return taken.chunk;
    }
    const d = this.spare.pop() ?? replayDecoder();
    try {
      this.file.read(this.offsets[k], d);
    } catch (e) {
      this.spare.push(d);
      throw e;
    }
    this.ahead?.obtainedHere(k, this.loop);
    this.decodes++;
    this.live.set(k, { chunk: d.chunk, decoder: d, slot: -1 });
    return d.chunk;
  }

  /** One of chunk `k`'s threads is done with it for this loop. */
  release(k: number): void {
    if (--this.pending[k] > 0) return;
    this.pending[k] = this.users[k];
    const gone = this.dropped.get(k);
    if (gone !== undefined) {
      for (const slot of gone) this.ahead?.free(slot);
      this.dropped.delete(k);
    }
    const h = this.live.get(k);
    if (h === undefined) return;
    this.live.delete(k);
    if (h.decoder !== null) this.spare.push(h.decoder);
    else this.ahead?.free(h.slot);
  }

  /** Closes the file; the next get starts the next loop (and opens the file again). */
  nextLoop(): void {
    this.file.close();
    this.loop++;
  }

  /** The replay is over (every thread is done with every chunk): its decoders go to the next replay. */
  finish(): void {
    this.file.close();
    this.ahead?.finish();
    for (const h of this.live.values()) if (h.decoder !== null) this.spare.push(h.decoder);
    for (const d of this.spare) releaseReplayDecoder(d);
    this.spare.length = 0;
    this.live.clear();
    this.dropped.clear();
  }

  /** Forgets the live chunk with the highest number (a thread may still hold it: it is not reused). */
  private dropFurthest(): void {
    let far = -1;
    for (const k of this.live.keys()) if (k > far) far = k;
    const h = this.live.get(far);
    this.live.delete(far);
    if (h !== undefined && h.decoder === null) {
      const list = this.dropped.get(far);
      if (list === undefined) this.dropped.set(far, [h.slot]);
      else list.push(h.slot);
    }
  }
}
