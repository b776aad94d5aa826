/**
 * Processes for the exporter's end-to-end tests: a `damon-ts` exporter started
 * from the sources, and a real Prometheus server on 127.0.0.1 with a temporary
 * tsdb. Each is stopped by its own PID; temp folders go with test/helpers/temp.ts.
 */
import { spawn, spawnSync, type ChildProcess } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";
import { inCi } from "../helpers/peer.js";
import { tempDir } from "../helpers/temp.js";

export const ROOT = fileURLToPath(new URL("../../", import.meta.url));

/** Whether a Debian tool is on PATH. */
export function hasTool(name: string): boolean {
  return spawnSync("sh", ["-c", `command -v ${name}`], { encoding: "utf8" }).status === 0;
}

/**
 * The `skip` option for tests that need `tools`: false when all are there; else a
 * NOTICE on stderr — or, under CI=true, one failing test naming what is missing.
 */
export function toolSkip(tools: string[]): false | string {
  const missing = tools.filter((t) => !hasTool(t));
  if (missing.length === 0) return false;
  const reason = `${missing.join(", ")} not installed (scripts/install-system-deps.sh installs Debian's prometheus)`;
  if (inCi())
    test(`${missing.join(", ")} present (required when CI=true)`, () => {
      throw new Error(`${reason}; CI=true requires it, so these tests cannot pass by being skipped`);
    });
  else process.stderr.write(`NOTICE: skipping the tests that need it: ${reason}\n`);
  return reason;
}

/** A port nothing listens on right now (bound, read and released). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once("error", reject);
    s.listen(0, "127.0.0.1", () => {
      const port = (s.address() as { port: number }).port;
      s.close(() => resolve(port));
    });
  });
}

export interface Child {
  proc: ChildProcess;
  out: () => string;
  err: () => string;
  /** Resolves with the exit code once the process ended. */
  exited: Promise<number | null>;
}

export function startChild(cmd: string, args: string[]): Child {
  const proc = spawn(cmd, args, { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
  let out = "";
  let err = "";
  proc.stdout.on("data", (d: Buffer) => (out += d.toString()));
  proc.stderr.on("data", (d: Buffer) => (err += d.toString()));
  const exited = new Promise<number | null>((resolve) => proc.once("exit", (code) => resolve(code)));
  return { proc, out: () => out, err: () => err, exited };
}

/** `node --import tsx src/cli/main.ts ARGS` as a child process. */
export function startCli(args: string[]): Child {
  return startChild(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args]);
}

/** Polls `cond` every `stepMs` until it returns a value (not undefined) or `timeoutMs` passes. */
export async function waitFor<T>(
  what: string,
  cond: () => T | undefined | Promise<T | undefined>,
  timeoutMs = 60_000,
  stepMs = 200,
): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = await cond();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/** Stops a child by its PID (SIGTERM, then SIGKILL after 5 s) and waits for it. */
export async function stopChild(c: Child, signal: NodeJS.Signals = "SIGTERM"): Promise<number | null> {
  if (c.proc.exitCode !== null || c.proc.signalCode !== null) return c.exited;
  c.proc.kill(signal);
  const t = setTimeout(() => c.proc.kill("SIGKILL"), 5000);
  const code = await c.exited;
  clearTimeout(t);
  return code;
}

/** A Prometheus server on 127.0.0.1 scraping `targets` every second, with a temporary tsdb. */
export async function startPrometheus(targets: string[]): Promise<{ child: Child; api: string }> {
  const dir = tempDir("damon-prom-");
  const port = await freePort();
  const config = join(dir, "prometheus.yml");
  writeFileSync(
    config,
    [
      "global:",
      "  scrape_interval: 1s",
      "  scrape_timeout: 1s",
      "scrape_configs:",
      "  - job_name: damon",
      "    static_configs:",
      `      - targets: [${targets.map((t) => `"${t}"`).join(", ")}]`,
      "",
    ].join("\n"),
  );
  const child = startChild("prometheus", [
    `--config.file=${config}`,
    `--storage.tsdb.path=${join(dir, "tsdb")}`,
    `--web.listen-address=127.0.0.1:${port}`,
    "--log.level=warn",
  ]);
  return { child, api: `http://127.0.0.1:${port}/api/v1` };
}

/** The value of an instant PromQL query with a single result, or undefined when it has none yet. */
export async function promScalar(api: string, query: string): Promise<number | undefined> {
  const res = await fetch(`${api}/query?query=${encodeURIComponent(query)}`).catch(() => undefined);
  if (!res || !res.ok) return undefined;
  const body = (await res.json()) as { data: { result: { value: [number, string] }[] } };
  const r = body.data.result;
  if (r.length === 0) return undefined;
  if (r.length > 1) throw new Error(`${query}: ${r.length} series, expected one`);
  return Number(r[0].value[1]);
}
