/**
 * The exporter under load (issue 16): 100 concurrent scrapers on loopback for 30 s
 * against `damon-ts run --exporter` serving a finished simulated run (stairs with a
 * DAMOS scheme: every metric family present), then the same load against a baseline
 * measured in the same run — a bare node:http server in its own process answering
 * the very same text as a fixed string — so the ratio shows what reading the source
 * and rendering the registry per scrape cost. Prints requests, p50/p99/max latency,
 * the ratios, errors (non-200) and the exporter's peak RSS (VmHWM). Everything
 * listens on 127.0.0.1; both servers are stopped by PID.
 *
 *   npx tsx bench/exporter.ts [--seconds 30] [--scrapers 100]
 */
import { spawn, type ChildProcess } from "node:child_process";
import { readFileSync, writeFileSync, mkdtempSync, rmSync } from "node:fs";
import { Agent, get } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const ROOT = fileURLToPath(new URL("../", import.meta.url));
const arg = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(name);
  return i > 0 ? Number(process.argv[i + 1]) : dflt;
};
const SECONDS = arg("--seconds", 30);
const SCRAPERS = arg("--scrapers", 100);

function start(cmd: string, args: string[], ready: RegExp): Promise<{ proc: ChildProcess; url: string }> {
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  return new Promise((resolve, reject) => {
    const look = (d: Buffer): void => {
      text += d.toString();
      const m = ready.exec(text);
      if (m) resolve({ proc, url: m[1] });
    };
    proc.stdout.on("data", look);
    proc.stderr.on("data", look);
    proc.once("exit", (code) =>
      reject(new Error(`${cmd} exited (${code}) before serving: ${text.slice(-400)}`)),
    );
  });
}

function fetchText(url: string): Promise<string> {
  return new Promise((resolve, reject) =>
    get(url, (res) => {
      let body = "";
      res.on("data", (d: Buffer) => (body += d.toString()));
      res.on("end", () => resolve(body));
    }).on("error", reject),
  );
}

interface LoadResult {
  requests: number;
  errors: number;
  p50: number;
  p99: number;
  max: number;
}

/** SCRAPERS loops, each GETting `url` back to back over keep-alive for SECONDS. */
async function load(url: string): Promise<LoadResult> {
  const agent = new Agent({ keepAlive: true, maxSockets: SCRAPERS });
  const lat: number[] = [];
  let errors = 0;
  const end = Date.now() + SECONDS * 1000;
  const one = (): Promise<void> =>
    new Promise((resolve) => {
      const t0 = process.hrtime.bigint();
      get(url, { agent }, (res) => {
        res.resume();
        res.on("end", () => {
          lat.push(Number(process.hrtime.bigint() - t0) / 1e6);
          if (res.statusCode !== 200) errors++;
          resolve();
        });
      }).on("error", () => {
        errors++;
        resolve();
      });
    });
  await Promise.all(
    Array.from({ length: SCRAPERS }, async () => {
      while (Date.now() < end) await one();
    }),
  );
  agent.destroy();
  lat.sort((a, b) => a - b);
  const q = (p: number): number => lat[Math.min(lat.length - 1, Math.floor(p * lat.length))] ?? NaN;
  return { requests: lat.length, errors, p50: q(0.5), p99: q(0.99), max: lat[lat.length - 1] ?? NaN };
}

function peakRssMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
  return m ? Number(m[1]) / 1024 : NaN;
}

const tmp = mkdtempSync(join(tmpdir(), "damon-bench-exporter-"));
const procs: ChildProcess[] = [];
try {
  process.stderr.write("simulating the run the exporter serves ...\n");
  const ex = await start(
    process.execPath,
    [
      "--import",
      "tsx",
      "src/cli/main.ts",
      "run",
      "stairs",
      "--time-scale",
      "0.05",
      "--memory",
      "256MiB",
      "--no-baseline",
      "--no-heatmap",
      "--scheme",
      "pageout nr=0..0 age=500ms..",
      "--exporter",
      "127.0.0.1:0",
    ],
    /the run ended; still serving (http:\/\/[0-9.:]+\/metrics)/,
  );
  procs.push(ex.proc);
  const body = await fetchText(ex.url);
  const bodyFile = join(tmp, "metrics.txt");
  writeFileSync(bodyFile, body);
  const baseline = await start(
    process.execPath,
    [
      "-e",
      `const b=require("fs").readFileSync(${JSON.stringify(bodyFile)});` +
        `const s=require("http").createServer((q,r)=>{r.writeHead(200,{"content-type":"text/plain; version=0.0.4"});r.end(b)});` +
        `s.listen(0,"127.0.0.1",()=>console.log("http://127.0.0.1:"+s.address().port+"/metrics"))`,
    ],
    /(http:\/\/[0-9.:]+\/metrics)/,
  );
  procs.push(baseline.proc);
  const rssBefore = peakRssMiB(ex.proc.pid!);
  process.stderr.write(`${SCRAPERS} scrapers x ${SECONDS} s on the exporter, then on the baseline ...\n`);
  const e = await load(ex.url);
  const rssAfter = peakRssMiB(ex.proc.pid!);
  const b = await load(baseline.url);
  const row = (name: string, r: LoadResult): string =>
    `${name.padEnd(22)} ${String(r.requests).padStart(8)} ${String(r.errors).padStart(6)} ` +
    `${r.p50.toFixed(1).padStart(8)} ${r.p99.toFixed(1).padStart(8)} ${r.max.toFixed(1).padStart(8)}`;
  console.log(
    `metrics text: ${body.length} bytes, ${body.split("\n").filter((l) => l && !l.startsWith("#")).length} series`,
  );
  console.log(
    `${"server".padEnd(22)} ${"requests".padStart(8)} ${"errors".padStart(6)} ${"p50 ms".padStart(8)} ${"p99 ms".padStart(8)} ${"max ms".padStart(8)}`,
  );
  console.log(row("damon-ts exporter", e));
  console.log(row("baseline (static text)", b));
  console.log(
    `ratio exporter/baseline: p99 ${(e.p99 / b.p99).toFixed(2)}x, throughput ${(e.requests / b.requests).toFixed(2)}x`,
  );
  console.log(
    `exporter peak RSS: ${rssBefore.toFixed(0)} MiB before the load, ${rssAfter.toFixed(0)} MiB after`,
  );
} finally {
  for (const p of procs) p.kill("SIGTERM");
  rmSync(tmp, { recursive: true, force: true });
}
