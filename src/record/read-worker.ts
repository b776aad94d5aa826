/**
 * Reads a large record file's text on a worker thread (read-worker-thread.ts) into
 * a few reused SharedArrayBuffer slots, in turn, while the main thread parses the
 * previous slot. The worker inflates (json_compressed, gzip) or just reads (json),
 * and cuts slots at snapshot boundaries: a 1,000 x 1,000 damo record is 555 MB of
 * text, and inflating it is then off the main thread. The main thread also
 * allocates nothing per chunk (fresh 4 MiB buffers cost it most of a second of
 * collector time in a CPU profile).
 *
 * Under tsx (tests, `npx tsx`) the worker's TypeScript source is loaded through
 * tsx's loader, registered in the worker; the built CLI loads the compiled file.
 */
import { Worker } from "node:worker_threads";
import type { Codec, FromWorker, ReadWorkerData } from "./read-worker-thread.js";

export type { Codec } from "./read-worker-thread.js";

/** Bytes per slot (as the in-thread reader's chunks). */
const SLOT_BYTES = 4 << 20;
/** Slots in flight: some being parsed by or waiting on the main thread, one being filled. */
const SLOTS = 4;

export interface ReadWorkerOptions {
  /** Slot size (tests use small slots to cross many boundaries). */
  slotBytes?: number;
}

function startWorker(workerData: ReadWorkerData): Worker {
  const self = import.meta.url;
  if (!self.endsWith(".ts")) return new Worker(new URL("./read-worker-thread.js", self), { workerData });
  const entry = new URL("./read-worker-thread.ts", self).href;
  const tsx = import.meta.resolve("tsx/esm/api");
  const boot = `import(${JSON.stringify(tsx)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); })`;
  return new Worker(boot, { eval: true, workerData });
}

/**
 * The file's text, in order, in slot-sized pieces. Each piece's bytes are valid
 * only until the next one is asked for (its slot is then refilled): keep copies,
 * not views. Throws the reader's message (zlib's or the file's) on failure.
 */
export async function* readOnWorker(
  path: string,
  codec: Codec,
  options: ReadWorkerOptions = {},
): AsyncGenerator<Buffer> {
  const slotBytes = options.slotBytes ?? SLOT_BYTES;
  const slots = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(slotBytes));
  const full = new SharedArrayBuffer(4 * SLOTS);
  const flags = new Int32Array(full);
  const worker = startWorker({ path, codec, slots, full });
  const queue: FromWorker[] = [];
  let failure: Error | null = null;
  let wake: (() => void) | null = null;
  const poke = (): void => {
    const w = wake;
    wake = null;
    if (w) w();
  };
  worker.on("message", (m: FromWorker) => {
    queue.push(m);
    poke();
  });
  worker.on("error", (e) => {
    failure = e;
    poke();
  });
  worker.on("exit", (code) => {
    failure ??= code === 0 ? null : new Error(`the reading worker exited with code ${code}`);
    queue.push({ error: failure?.message ?? "the reading worker stopped early" });
    poke();
  });
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const m = queue.shift()!;
      if ("error" in m) throw failure ?? new Error(m.error);
      if ("done" in m) return;
      yield Buffer.from(slots[m.slot], m.start, m.end - m.start);
      // parsed: hand the slot back (a shared flag, cheaper than a message)
      Atomics.store(flags, m.slot, 0);
      Atomics.notify(flags, m.slot);
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
