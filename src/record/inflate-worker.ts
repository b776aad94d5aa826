/**
 * Inflates a zlib (json_compressed) or gzip record file on a worker thread into a
 * few reused SharedArrayBuffer slots, in turn, while the main thread parses the
 * previous slot; a shared flag per slot says when it may be refilled. A 1,000 x 1,000 damo record is 555 MB of text: inflated on the main
 * thread's stream, every 4 MiB output chunk is a fresh buffer that the main
 * thread's garbage collector must account for and free (most of a second of
 * collector time in a CPU profile). Here the main thread allocates nothing per
 * chunk; the worker's own churn is collected on its own thread.
 *
 * The worker is started from source text (`eval`), so the same code runs from
 * the compiled CLI and under tsx; `__name` is the helper tsx inserts to keep
 * function names, defined here as a no-op.
 */
import { Worker } from "node:worker_threads";

/** Bytes per slot (as the in-thread reader's chunks). */
const SLOT_BYTES = 4 << 20;
/** Slots in flight: one being parsed, one being filled, one ready. */
const SLOTS = 3;

type FromWorker = { slot: number; len: number } | { done: true } | { error: string };

interface WorkerData {
  path: string;
  gzip: boolean;
  slots: SharedArrayBuffer[];
  /** Per slot: 1 while it holds bytes the main thread has not parsed yet, else 0. */
  full: SharedArrayBuffer;
}

/** Runs in the worker: inflate, copy into the slots in turn, tell the main thread. */
function workerMain(req: (id: string) => unknown): void {
  const threads = req("node:worker_threads") as typeof import("node:worker_threads");
  const fs = req("node:fs") as typeof import("node:fs");
  const zlib = req("node:zlib") as typeof import("node:zlib");
  const port = threads.parentPort!;
  const data = threads.workerData as WorkerData;
  const views = data.slots.map((s) => new Uint8Array(s));
  const full = new Int32Array(data.full);
  const size = views[0].length;
  // Atomics.waitAsync is in Node 20 but typed only from lib ES2024 (this project: ES2023)
  const atomics = Atomics as unknown as {
    waitAsync(a: Int32Array, i: number, v: number): { async: boolean; value: Promise<string> | string };
  };
  // a pending Atomics.waitAsync does not keep a thread alive; a listening port does
  port.on("message", () => undefined);
  const run = async (): Promise<void> => {
    const src = fs.createReadStream(data.path, { highWaterMark: size });
    const inflate = data.gzip
      ? zlib.createGunzip({ chunkSize: size })
      : zlib.createInflate({ chunkSize: size });
    src.on("error", (e) => inflate.destroy(e));
    src.pipe(inflate);
    let slot = 0;
    let fill = -1; // -1: the slot is not ours yet
    for await (const chunk of inflate) {
      const c = chunk as Buffer;
      let off = 0;
      while (off < c.length) {
        if (fill < 0) {
          // wait (without blocking the inflater) until the main thread has parsed this slot
          while (Atomics.load(full, slot) !== 0) {
            const w = atomics.waitAsync(full, slot, 1);
            if (w.async) await w.value;
          }
          fill = 0;
        }
        const n = Math.min(c.length - off, size - fill);
        views[slot].set(c.subarray(off, off + n), fill);
        fill += n;
        off += n;
        if (fill === size) {
          Atomics.store(full, slot, 1);
          port.postMessage({ slot, len: fill });
          slot = (slot + 1) % views.length;
          fill = -1;
        }
      }
    }
    if (fill > 0) {
      Atomics.store(full, slot, 1);
      port.postMessage({ slot, len: fill });
    }
    port.postMessage({ done: true });
  };
  run().catch((e: unknown) => port.postMessage({ error: e instanceof Error ? e.message : String(e) }));
}

const SOURCE = `const __name = (f) => f;\n(${workerMain.toString()})(require);`;

/**
 * The inflated bytes of `path`, in order. Each buffer is valid only until the
 * next one is asked for (its slot is then refilled): keep copies, not views.
 * Throws the inflater's message (zlib's or the file's) on failure.
 */
export async function* inflateOnWorker(path: string, gzip: boolean): AsyncGenerator<Buffer> {
  const slots = Array.from({ length: SLOTS }, () => new SharedArrayBuffer(SLOT_BYTES));
  const full = new SharedArrayBuffer(4 * SLOTS);
  const flags = new Int32Array(full);
  const worker = new Worker(SOURCE, {
    eval: true,
    workerData: { path, gzip, slots, full } satisfies WorkerData,
  });
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
    failure ??= code === 0 ? null : new Error(`the inflating worker exited with code ${code}`);
    queue.push({ error: failure?.message ?? "the inflating worker stopped early" });
    poke();
  });
  try {
    for (;;) {
      while (queue.length === 0) await new Promise<void>((r) => (wake = r));
      const m = queue.shift()!;
      if ("error" in m) throw failure ?? new Error(m.error);
      if ("done" in m) return;
      yield Buffer.from(slots[m.slot], 0, m.len);
      // parsed: hand the slot back (a shared flag, cheaper than a message)
      Atomics.store(flags, m.slot, 0);
      Atomics.notify(flags, m.slot);
    }
  } finally {
    worker.removeAllListeners();
    await worker.terminate();
  }
}
