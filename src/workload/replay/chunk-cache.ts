/**
 * The decoded access chunks a replay's threads share. Each chunk is read from its
 * offset and decoded once, however many threads have accesses in it, kept until
 * every one of them is done with it, and its arrays are then reused for a later
 * chunk: a run decodes the trace once per loop, and allocates nothing per chunk
 * once warm. Threads that drift apart keep more chunks alive; past
 * MAX_CACHED_CHUNKS the furthest-ahead one is dropped and decoded again when its
 * next thread reaches it (slower, same result).
 */
import { AccessDecoder, type AccessChunk } from "../trace/access-decode.js";
import { AccessChunkFile } from "../trace/chunk-file.js";

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

export class ChunkCache {
  /** Chunk decodes so far (once per chunk and loop unless the cache overflowed). */
  decodes = 0;
  private readonly file: AccessChunkFile;
  /** Per chunk: the threads with accesses in it. */
  private readonly users: Int32Array;
  /** Per chunk: the threads not yet done with it in the current loop. */
  private readonly pending: Int32Array;
  private readonly live = new Map<number, AccessDecoder>();
  private readonly spare: AccessDecoder[] = [];

  constructor(
    path: string,
    private readonly offsets: readonly number[],
    threadChunks: readonly (readonly number[])[],
  ) {
    this.file = new AccessChunkFile(path);
    this.users = new Int32Array(offsets.length);
    for (const list of threadChunks) for (const k of list) this.users[k]++;
    this.pending = this.users.slice();
  }

  /** Chunk `k` decoded; valid until the caller releases it. */
  get(k: number): AccessChunk {
    const have = this.live.get(k);
    if (have !== undefined) return have.chunk;
    if (this.live.size >= MAX_CACHED_CHUNKS) this.dropFurthest();
    const d = this.spare.pop() ?? replayDecoder();
    try {
      this.file.read(this.offsets[k], d);
    } catch (e) {
      this.spare.push(d);
      throw e;
    }
    this.decodes++;
    this.live.set(k, d);
    return d.chunk;
  }

  /** One of chunk `k`'s threads is done with it for this loop. */
  release(k: number): void {
    if (--this.pending[k] > 0) return;
    this.pending[k] = this.users[k];
    const d = this.live.get(k);
    if (d === undefined) return;
    this.live.delete(k);
    this.spare.push(d);
  }

  /** Closes the file (a later get opens it again: the next loop). */
  close(): void {
    this.file.close();
  }

  /** The replay is over (every thread is done with every chunk): its decoders go to the next replay. */
  finish(): void {
    this.close();
    for (const d of [...this.spare, ...this.live.values()]) releaseReplayDecoder(d);
    this.spare.length = 0;
    this.live.clear();
  }

  /** Forgets the live chunk with the highest number (a thread may still hold it: it is not reused). */
  private dropFurthest(): void {
    let far = -1;
    for (const k of this.live.keys()) if (k > far) far = k;
    this.live.delete(far);
  }
}
