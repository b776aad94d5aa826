import { statSync } from "node:fs";
import type { Command } from "commander";
import { JobFailed } from "../run-cli.js";
import { FormatError, UsageError } from "../../util/errors.js";
import { parseCount } from "../../util/units.js";
import { captureTrace, ValgrindMissing } from "../../workload/trace/capture.js";
import {
  convertTrace,
  detectFormat,
  type InputFormat,
  type OutputFormat,
} from "../../workload/trace/convert.js";
import type { TraceCodec } from "../../workload/trace/format.js";
import { traceInfo, type TraceInfo } from "../../workload/trace/info.js";
import { chooseTool, findValgrind } from "../../workload/trace/valgrind-tool.js";
import { requireInputFile, refuseOverwritingInput } from "../files.js";

function fmtBytes(n: number): string {
  const units = ["B", "KiB", "MiB", "GiB", "TiB"];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(v < 10 ? 2 : 1)} ${units[u]}`;
}

function fmtCount(n: number): string {
  if (n >= 1e9) return `${(n / 1e9).toFixed(2)} G`;
  if (n >= 1e6) return `${(n / 1e6).toFixed(2)} M`;
  if (n >= 1e4) return `${(n / 1e3).toFixed(1)} k`;
  return String(n);
}

function level(text: string | undefined, codec: TraceCodec): number | undefined {
  if (text === undefined) return undefined;
  const n = parseCount(text, "--level");
  const max = codec === "brotli" ? 11 : 9;
  if (n < 1 || n > max) throw new UsageError(`--level must be 1..${max} for ${codec}, got ${text}`);
  return n;
}

function codecOf(text: string | undefined): TraceCodec {
  if (text === undefined || text === "deflate") return "deflate";
  if (text === "brotli") return "brotli";
  throw new UsageError(`--compress must be deflate or brotli, got ${JSON.stringify(text)}`);
}

function toolPreference(text: string): "auto" | "damontrace" | "lackey" {
  if (text === "auto" || text === "damontrace" || text === "lackey") return text;
  throw new UsageError(`--tool must be auto, damontrace or lackey, got ${JSON.stringify(text)}`);
}

export function printInfo(i: TraceInfo): string {
  const h = i.header;
  const lines: string[] = [];
  const codec = typeof h.compression === "string" ? h.compression : "deflate";
  lines.push(`${i.file}: damon-ts trace ${h.version} (${codec}), ${fmtBytes(i.fileBytes)}`);
  const desc = typeof h.toolDescription === "string" ? h.toolDescription : h.tool;
  lines.push(`  capture tool: ${desc}`);
  if (h.command) lines.push(`  command: ${h.command.join(" ")}`);
  if (h.startedAt) lines.push(`  started: ${h.startedAt}`);
  lines.push(
    `  accesses: ${i.accesses} (${i.reads} reads, ${i.writes} writes), ${i.bytesPerAccess.toFixed(3)} bytes/access in the file`,
  );
  const shown = i.threads.slice(0, 8).map((t) => `${t.tid}: ${fmtCount(t.accesses)}`);
  lines.push(
    `  threads: ${i.threads.length}${shown.length ? ` (${shown.join(", ")}${i.threads.length > 8 ? ", ..." : ""})` : ""}`,
  );
  lines.push(
    `  footprint: ${i.footprintPages} pages of ${h.pageSize} B = ${fmtBytes(i.footprintBytes)}; addresses 0x${i.addrMin.toString(16)}..0x${i.addrMax.toString(16)}`,
  );
  lines.push(`  duration: ${i.duration} ${h.clockUnit} (clock ${i.firstClock}..${i.lastClock})`);
  lines.push(`  memory map: ${i.mapEvents} events, ${i.mappings.length} mappings at the end`);
  for (const n of [...(h.notes ?? []), ...(i.footer?.notes ?? [])]) lines.push(`  note: ${n}`);
  if (!i.footer) lines.push("  PARTIAL: no footer (the capture was cut short)");
  else if (i.footer.partial) lines.push(`  PARTIAL: ${i.footer.endReason ?? "capture interrupted"}`);
  else lines.push(`  complete (${i.footer.endReason ?? "ok"})`);
  if (i.damage.length === 0) lines.push("  damage: none (every chunk checksum verified)");
  else {
    lines.push(`  DAMAGE: ${i.damage.length} damaged stretch(es); the rest was read`);
    for (const d of i.damage)
      lines.push(
        `    offset ${d.offset}: ${d.message} (skipped ${d.skippedBytes} bytes${d.lostAccesses ? `, lost ${d.lostAccesses} accesses` : ""})`,
      );
  }
  return lines.join("\n");
}

/** `damon-ts trace ...`: capture real programs' memory accesses, inspect and convert traces. */
export function registerTrace(program: Command): void {
  const trace = program
    .command("trace")
    .description("capture a real program's memory accesses (valgrind), inspect and convert traces");

  trace
    .command("capture")
    .description("run CMD under valgrind and write its memory accesses as a damon-ts trace")
    .requiredOption("-o, --output <file>", "trace file to write")
    .option("--tool <tool>", "auto (our Valgrind tool, else lackey), damontrace or lackey", "auto")
    .option("--rebuild-tool", "rebuild our Valgrind tool even if a cached build exists")
    .option("--progress", "print progress on stderr even when it is not a terminal")
    .option("--no-progress", "no progress lines")
    .option(
      "--compress <codec>",
      "chunk compression: deflate (default, fastest to read) or brotli (about 20% smaller)",
    )
    .option("--level <n>", "compression level: deflate 1..9, brotli 1..11 (default 6)")
    .argument("<command...>", "the command to trace (put it after --)")
    .addHelpText("after", "\nExample:\n  damon-ts trace capture -o sort.dtrace -- sort data.txt")
    .action(
      async (
        command: string[],
        o: {
          output: string;
          tool: string;
          rebuildTool?: boolean;
          progress?: boolean;
          level?: string;
          compress?: string;
        },
      ) => {
        const progress = o.progress ?? process.stderr.isTTY;
        let lastLen = 0;
        try {
          const r = await captureTrace({
            output: o.output,
            command,
            prefer: toolPreference(o.tool),
            rebuild: o.rebuildTool,
            codec: codecOf(o.compress),
            level: level(o.level, codecOf(o.compress)),
            handleSigint: true,
            onTool: (t) =>
              process.stderr.write(
                `damon-ts trace: using ${t.description}${t.kind === "damontrace" && t.built ? " (just built)" : ""}\n`,
              ),
            onProgress: progress
              ? (p) => {
                  const line = `damon-ts trace: ${fmtCount(p.accesses)} accesses, ${fmtBytes(p.bytesWritten)} written, ${p.seconds.toFixed(0)} s, ${fmtCount(p.accesses / Math.max(p.seconds, 1e-9))} accesses/s`;
                  if (process.stderr.isTTY) process.stderr.write(`\r${line.padEnd(lastLen)}`);
                  else process.stderr.write(`${line}\n`);
                  lastLen = line.length;
                }
              : undefined,
          });
          if (progress && process.stderr.isTTY && lastLen) process.stderr.write("\n");
          const f = r.footer;
          const bpa = f.accesses > 0 ? (r.bytesWritten / f.accesses).toFixed(3) : "0";
          process.stderr.write(
            `damon-ts trace: ${f.partial ? "PARTIAL trace" : "trace"} of ${f.accesses} accesses, ${f.threads.length} thread(s), ${f.events} map events -> ${o.output} (${fmtBytes(r.bytesWritten)}, ${bpa} bytes/access); target ${f.endReason}\n`,
          );
          if (r.interrupted) process.exitCode = 130;
        } catch (e) {
          if (e instanceof ValgrindMissing) throw new JobFailed(e.message);
          throw e;
        }
      },
    );

  trace
    .command("info")
    .description(
      "summarise a trace: accesses, threads, footprint, duration, capture tool, partial or not; verifies checksums",
    )
    .argument("<file>", "trace file")
    .option("--json", "print JSON (schema damon-ts/trace-info/1)")
    .action((file: string, o: { json?: boolean }) => {
      requireInputFile(file, "trace file");
      const info = traceInfo(file);
      if (o.json) console.log(JSON.stringify(info, null, 2));
      else console.log(printInfo(info));
      if (info.damage.length > 0) {
        const d = info.damage[0];
        throw new FormatError(
          `${info.damage.length} damaged stretch(es) in the trace, first: ${d.message}`,
          `${file}:offset ${d.offset}`,
        );
      }
    });

  trace
    .command("convert")
    .description("convert lackey --trace-mem text or CSV to a trace, a trace to CSV, or re-encode a trace")
    .argument("<input>", "input file")
    .requiredOption("-o, --output <file>", "output file")
    .option("--from <format>", "input format: trace, lackey or csv (default: detected)")
    .option("--to <format>", "output format: trace or csv (default: csv for a trace input, else trace)")
    .option("--with-events", "CSV output: include memory-map event rows")
    .option("--compress <codec>", "trace output: deflate (default) or brotli")
    .option("--level <n>", "trace output: compression level (deflate 1..9, brotli 1..11)")
    .action(
      (
        input: string,
        o: {
          output: string;
          from?: string;
          to?: string;
          withEvents?: boolean;
          compress?: string;
          level?: string;
        },
      ) => {
        const from = o.from as InputFormat | undefined;
        if (from !== undefined && !["trace", "lackey", "csv"].includes(from))
          throw new UsageError(`--from must be trace, lackey or csv, got ${JSON.stringify(o.from)}`);
        let to = o.to as OutputFormat | undefined;
        if (to !== undefined && to !== "trace" && to !== "csv")
          throw new UsageError(`--to must be trace or csv, got ${JSON.stringify(o.to)}`);
        requireInputFile(input, "trace or text file");
        // Converting a file onto itself would replace the input with its own conversion.
        refuseOverwritingInput(o.output, [input], "--output");
        if (from === undefined && !statSync(input).isFile())
          throw new UsageError(
            `${input} is a pipe or device, read only once: its format cannot be detected first; give --from trace, lackey or csv`,
            "--from",
          );
        const fromFmt = from ?? detectFormat(input);
        if (to === undefined) to = fromFmt === "trace" && o.compress === undefined ? "csv" : "trace";
        const codec = codecOf(o.compress);
        const r = convertTrace(input, o.output, {
          from: fromFmt,
          to,
          withEvents: o.withEvents,
          codec,
          level: level(o.level, codec),
        });
        process.stderr.write(
          `damon-ts trace: converted ${r.from} -> ${r.to}: ${r.rows} rows -> ${o.output}\n`,
        );
      },
    );

  trace
    .command("tool")
    .description(
      "build (or find the cached build of) our Valgrind tool and say which capture tool will be used",
    )
    .option("--rebuild", "rebuild even if a cached build exists")
    .action((o: { rebuild?: boolean }) => {
      const vg = findValgrind();
      if (!vg) throw new JobFailed(new ValgrindMissing().message);
      const t = chooseTool(vg, { rebuild: o.rebuild });
      console.log(
        t.kind === "damontrace"
          ? `damontrace: ${t.libDir}${t.built ? " (built now)" : " (cached)"}`
          : `lackey: ${t.reason}`,
      );
    });
}
