/**
 * The WebAssembly access decoder (wasm/access-decode.wat, what a replay runs)
 * against the JavaScript lean decoder it must equal (access-decode.ts): every
 * chunk of the four fixture traces, synthetic traces full of escapes and odd chunk
 * sizes, and damaged payloads (seeded byte mutations and lying stream lengths),
 * where both must give the same verdict and, when they accept, the same arrays.
 * Also the fallback when WebAssembly gives no module, and that the committed bytes
 * are the .wat assembled.
 */
import assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { test } from "node:test";
import { AccessDecoder, type AccessChunk } from "../../../src/workload/trace/access-decode.js";
import { inflatePayload, parseChunkHeader } from "../../../src/workload/trace/chunk-frame.js";
import {
  ACCESS_PRELUDE_BYTES,
  CHUNK_ACCESSES,
  CHUNK_HEADER_BYTES,
  FILE_PREFIX_BYTES,
} from "../../../src/workload/trace/format.js";
import { projectRoot } from "../../../src/workload/trace/valgrind-tool.js";
import { ACCESS_DECODE_WASM_BASE64 } from "../../../src/workload/trace/wasm/access-decode-bytes.js";
import { Wasm } from "../../../src/mm/wasm/wasm-api.js";
import { Rng } from "../../../src/util/rng.js";
import { ACCESS_DECODE, assemble } from "../../../scripts/build-wasm.js";
import { syntheticAccesses, writeTrace } from "./helpers.js";

/** Each access chunk's raw payload and count, in file order. */
function payloads(file: Uint8Array): { raw: Uint8Array; count: number }[] {
  const b = Buffer.from(file.buffer, file.byteOffset, file.length);
  const out: { raw: Uint8Array; count: number }[] = [];
  for (let p = FILE_PREFIX_BYTES + b.readUInt32LE(12); p < b.length;) {
    const h = parseChunkHeader(b, p)!;
    if (h.type === CHUNK_ACCESSES)
      out.push({
        raw: inflatePayload(b.subarray(p + CHUNK_HEADER_BYTES, p + CHUNK_HEADER_BYTES + h.compLen), h),
        count: h.count,
      });
    p += CHUNK_HEADER_BYTES + h.compLen;
  }
  return out;
}

const js = new AccessDecoder({ lean: true });
const wasm = new AccessDecoder({ lean: true, wasm: true });

/** First difference between the decoders' chunks, or "" when they are the same. */
function difference(a: AccessChunk, b: AccessChunk): string {
  if (a.count !== b.count) return `count ${a.count} vs ${b.count}`;
  if (a.clocksAscend !== b.clocksAscend) return "clocksAscend";
  if (a.runs !== b.runs) return "runs";
  for (let r = 0; r <= a.runs; r++) if (a.runStart[r] !== b.runStart[r]) return `runStart[${r}]`;
  for (let r = 0; r < a.runs; r++) if (a.runTid[r] !== b.runTid[r]) return `runTid[${r}]`;
  for (let i = 0; i < a.count; i++) {
    if (!Object.is(a.addr[i], b.addr[i])) return `addr[${i}] ${a.addr[i]} vs ${b.addr[i]}`;
    if (!Object.is(a.clock[i], b.clock[i])) return `clock[${i}] ${a.clock[i]} vs ${b.clock[i]}`;
    if (a.isWrite[i] !== b.isWrite[i]) return `isWrite[${i}]`;
  }
  return "";
}

/** Both decoders on one payload: the same verdict, and the same arrays when it is "". */
function same(raw: Uint8Array, count: number, what: string): string {
  const a = js.decode(raw, count);
  const b = wasm.decode(raw, count);
  assert.equal(b, a, `${what}: verdicts differ`);
  if (a === "") assert.equal(difference(js.chunk, wasm.chunk), "", what);
  return a;
}

void test("the wasm decoder runs (Node 20 has WebAssembly SIMD)", () => {
  assert.equal(wasm.engine, "wasm");
  assert.equal(js.engine, "js");
  // Only a lean decoder decodes in WebAssembly: a full one also decodes sizes and thread ids.
  assert.equal(new AccessDecoder({ wasm: true }).engine, "js");
});

void test("every chunk of the four fixture traces decodes alike in WebAssembly and JavaScript", () => {
  const dir = join(projectRoot(), "test", "fixtures", "traces");
  for (const name of ["sort", "awk-dict", "xz-threads", "python-dict"]) {
    const chunks = payloads(readFileSync(join(dir, `${name}.dtrace`)));
    assert.ok(chunks.length >= 10, name);
    chunks.forEach((c, k) => assert.equal(same(c.raw, c.count, `${name} chunk ${k}`), ""));
  }
});

void test("synthetic traces with size and clock escapes, long deltas, steps back and odd chunk sizes decode alike (seeds 1-6)", () => {
  let descending = 0;
  for (let seed = 1; seed <= 6; seed++) {
    for (const chunkAccesses of [1, 3, 5, 16, 17, 333, 4096]) {
      for (const c of payloads(writeTrace(syntheticAccesses(seed, 2500), { chunkAccesses }))) {
        assert.equal(same(c.raw, c.count, `seed ${seed}, chunks of ${chunkAccesses}`), "");
        if (!wasm.chunk.clocksAscend) descending++;
      }
    }
  }
  assert.ok(descending > 0, "some chunks step back in time");
});

void test("damaged payloads: the same verdict and, where accepted, the same accesses (5000 seeded mutations)", () => {
  const sources = [
    ...payloads(writeTrace(syntheticAccesses(7, 3000), { chunkAccesses: 700 })),
    ...payloads(writeTrace(syntheticAccesses(8, 200), { chunkAccesses: 37 })).slice(0, 2),
  ];
  const verdicts = new Map<string, number>();
  for (let seed = 1; seed <= 5000; seed++) {
    const rng = new Rng(seed);
    const src = sources[rng.randRange(0, sources.length)];
    const raw = Uint8Array.from(src.raw);
    const edits = 1 + rng.randRange(0, 4);
    for (let e = 0; e < edits; e++) {
      // Half the edits in the prelude (counts, lengths, first clock), half anywhere.
      const at =
        rng.randRange(0, 2) === 0 ? rng.randRange(0, ACCESS_PRELUDE_BYTES) : rng.randRange(0, raw.length);
      raw[at] = rng.randRange(0, 2) === 0 ? rng.randRange(0, 256) : raw[at] ^ (1 << rng.randRange(0, 8));
    }
    const v = same(raw, src.count, `mutation seed ${seed}`);
    verdicts.set(v, (verdicts.get(v) ?? 0) + 1);
  }
  // The mutations reach every check, and some damage still decodes (to other accesses).
  for (const v of [
    "",
    "access chunk layout is inconsistent",
    "access chunk address streams do not match their lengths",
    "access chunk size or clock escapes do not match their lengths",
  ])
    assert.ok((verdicts.get(v) ?? 0) > 0, `no mutation gave "${v}": ${[...verdicts.keys()].join(" | ")}`);
});

// A checksummed payload whose last lane is short used to stop JavaScript's decode with
// "Offset is outside the bounds of the DataView" (a fixture chunk: no escapes follow
// the lanes, so the lane ran off the payload), which the CLI printed as the error.
void test("a lane whose stream is shorter than its accesses need is refused, not read past (both decoders)", () => {
  const sort = payloads(readFileSync(join(projectRoot(), "test", "fixtures", "traces", "sort.dtrace")))[2];
  const synthetic = payloads(writeTrace(syntheticAccesses(3, 4000), { chunkAccesses: 4000 }))[0];
  const dv = (b: Uint8Array) => new DataView(b.buffer, b.byteOffset, b.length);
  for (const c of [sort, synthetic])
    for (let lane = 0; lane < 4; lane++) {
      for (const shift of [1, 2, 7, 100, 1000]) {
        // Move bytes from lane `lane`'s stream to the next (total unchanged, so the layout checks pass).
        const raw = Uint8Array.from(c.raw);
        const at = 20 + 4 * lane;
        const len = dv(raw).getUint32(at, true);
        if (len < shift) continue;
        dv(raw).setUint32(at, len - shift, true);
        if (lane < 3) dv(raw).setUint32(at + 4, dv(raw).getUint32(at + 4, true) + shift, true);
        else dv(raw).setUint32(at - 4, dv(raw).getUint32(at - 4, true) + shift, true);
        assert.equal(
          same(raw, c.count, `lane ${lane} shortened by ${shift}`),
          "access chunk address streams do not match their lengths",
        );
      }
    }
});

void test("where WebAssembly gives no module, a decoder asked for it decodes in JavaScript", () => {
  const real = Wasm.Instance;
  (Wasm as { Instance: unknown }).Instance = function refuse() {
    throw new RangeError(
      "WebAssembly.Instance(): Out of memory: Cannot allocate Wasm memory for new instance",
    );
  };
  try {
    const d = new AccessDecoder({ lean: true, wasm: true });
    assert.equal(d.engine, "js");
    const c = payloads(writeTrace(syntheticAccesses(4, 500), { chunkAccesses: 500 }))[0];
    assert.equal(d.decode(c.raw, c.count), "");
    assert.equal(js.decode(c.raw, c.count), "");
    assert.equal(difference(js.chunk, d.chunk), "");
  } finally {
    (Wasm as { Instance: unknown }).Instance = real;
  }
});

void test("the committed decoder bytes are access-decode.wat assembled (npm run build:wasm)", async () => {
  assert.equal(
    ACCESS_DECODE_WASM_BASE64,
    Buffer.from(await assemble(ACCESS_DECODE)).toString("base64"),
    "src/workload/trace/wasm/access-decode-bytes.ts is stale: run `npm run build:wasm`",
  );
});

void test("a decoder whose WebAssembly memory cannot grow to a chunk goes on in JavaScript, with the same accesses", () => {
  const d = new AccessDecoder({ lean: true, wasm: true });
  const big = payloads(writeTrace(syntheticAccesses(10, 40_000), { chunkAccesses: 40_000 }))[0];
  assert.equal(d.decode(big.raw, big.count), "");
  assert.equal(d.engine, "wasm");
  // The memory looks full and the host refuses more (as under ulimit -v): grow throws.
  const mem = (d as unknown as { wasm: { mem: object } }).wasm.mem;
  Object.defineProperty(mem, "buffer", { get: () => new ArrayBuffer(0) });
  Object.defineProperty(mem, "grow", {
    value: () => {
      throw new RangeError("WebAssembly.Memory.grow(): Maximum memory size exceeded");
    },
  });
  // Smaller chunks than the last: the arrays the decoder switches to must be its own.
  for (const c of payloads(writeTrace(syntheticAccesses(9, 3000), { chunkAccesses: 1000 }))) {
    assert.equal(d.decode(c.raw, c.count), "");
    assert.equal(d.engine, "js");
    assert.equal(js.decode(c.raw, c.count), "");
    assert.equal(difference(js.chunk, d.chunk), "");
  }
});
