/**
 * A replay's chunk decoding, JavaScript against WebAssembly (access-decode.ts and
 * wasm/access-decode.wat, both lean: what a replay reads), on every access chunk of
 * the four fixture traces, inflated beforehand; rounds interleaved so host load hits
 * both alike. Accesses per CPU second of this process, best round; and, for scale,
 * inflating the same chunks (zlib, what a replay also does per chunk).
 *
 *   npx tsx bench/decode.ts [rounds]
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { AccessDecoder } from "../src/workload/trace/access-decode.js";
import { inflatePayload, parseChunkHeader } from "../src/workload/trace/chunk-frame.js";
import { CHUNK_ACCESSES, CHUNK_HEADER_BYTES, FILE_PREFIX_BYTES } from "../src/workload/trace/format.js";
import { projectRoot } from "../src/workload/trace/valgrind-tool.js";
import { cpuS } from "./cpu-rate.js";

const ROUNDS = Number(process.argv[2] ?? 5);
const dir = join(projectRoot(), "test", "fixtures", "traces");
const M = (x: number): string => `${(x / 1e6).toFixed(0)} M/s`;

console.log(`bench/decode: best of ${ROUNDS} interleaved rounds, accesses per CPU second`);
console.log("trace          accesses   inflate   decode JS   decode wasm   wasm/JS");
for (const name of ["sort", "awk-dict", "xz-threads", "python-dict"]) {
  const file = readFileSync(join(dir, `${name}.dtrace`));
  const chunks: { comp: Buffer; h: NonNullable<ReturnType<typeof parseChunkHeader>> }[] = [];
  for (let p = FILE_PREFIX_BYTES + file.readUInt32LE(12); p < file.length;) {
    const h = parseChunkHeader(file, p)!;
    if (h.type === CHUNK_ACCESSES)
      chunks.push({ comp: file.subarray(p + CHUNK_HEADER_BYTES, p + CHUNK_HEADER_BYTES + h.compLen), h });
    p += CHUNK_HEADER_BYTES + h.compLen;
  }
  const raws = chunks.map((c) => inflatePayload(c.comp, c.h));
  const n = chunks.reduce((s, c) => s + c.h.count, 0);
  const decoders = {
    js: new AccessDecoder({ lean: true }),
    wasm: new AccessDecoder({ lean: true, wasm: true }),
  };
  const best = { inflate: 0, js: 0, wasm: 0 };
  for (let r = 0; r < ROUNDS; r++) {
    let t0 = cpuS();
    for (const c of chunks) inflatePayload(c.comp, c.h);
    best.inflate = Math.max(best.inflate, n / (cpuS() - t0));
    for (const k of ["js", "wasm"] as const) {
      t0 = cpuS();
      raws.forEach((raw, i) => {
        if (decoders[k].decode(raw, chunks[i].h.count) !== "")
          throw new Error(`${name}: chunk ${i} does not decode`);
      });
      best[k] = Math.max(best[k], n / (cpuS() - t0));
    }
  }
  console.log(
    `${name.padEnd(13)} ${String(n).padStart(9)}  ${M(best.inflate).padStart(8)}  ${M(best.js).padStart(10)}  ${M(best.wasm).padStart(12)}  ${(best.wasm / best.js).toFixed(2).padStart(8)}`,
  );
}
