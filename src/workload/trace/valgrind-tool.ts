/**
 * Finds valgrind and our own Valgrind tool (native/damontrace.c), building the tool on
 * first use with scripts/build-valgrind-tool.sh into a cache folder keyed by the
 * source and the valgrind version. Where it cannot be built, capture falls back to
 * valgrind's lackey and says why.
 */
import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

/** The project root (holds native/ and scripts/), from this module's location in src/ or dist/. */
export function projectRoot(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), "..", "..", "..");
}

export interface ValgrindInfo {
  /** `valgrind --version` output, e.g. "valgrind-3.19.0". */
  version: string;
}

/** Returns valgrind's version, or undefined when valgrind is not installed. */
export function findValgrind(): ValgrindInfo | undefined {
  const r = spawnSync("valgrind", ["--version"], { encoding: "utf8" });
  if (r.error || r.status !== 0) return undefined;
  return { version: r.stdout.trim() };
}

export type ToolChoice =
  | { kind: "damontrace"; libDir: string; built: boolean; description: string }
  | { kind: "lackey"; reason: string; description: string };

export interface ToolOptions {
  /** Where built tools are cached (default node_modules/.cache/damon-ts/valgrind-tool). */
  cacheDir?: string;
  /** Force "damontrace" (fail if it cannot be built) or "lackey". Default: damontrace, else lackey. */
  prefer?: "auto" | "damontrace" | "lackey";
  /** Rebuild even when a cached build exists. */
  rebuild?: boolean;
}

export function defaultCacheDir(): string {
  return join(projectRoot(), "node_modules", ".cache", "damon-ts", "valgrind-tool");
}

/** Builds (or finds the cached build of) our tool; falls back to lackey with a reason. */
export function chooseTool(valgrind: ValgrindInfo, opts: ToolOptions = {}): ToolChoice {
  const prefer = opts.prefer ?? "auto";
  if (prefer === "lackey")
    return { kind: "lackey", reason: "asked for lackey", description: "valgrind lackey (asked for)" };
  const root = projectRoot();
  const src = join(root, "native", "damontrace.c");
  const script = join(root, "scripts", "build-valgrind-tool.sh");
  const fallback = (reason: string): ToolChoice => {
    if (prefer === "damontrace") throw new Error(`cannot build the damontrace Valgrind tool: ${reason}`);
    return {
      kind: "lackey",
      reason,
      description: `valgrind lackey (slow fallback: ${reason})`,
    };
  };
  if (!existsSync(src) || !existsSync(script)) return fallback(`tool source not found at ${src}`);
  const key = createHash("sha256")
    .update(readFileSync(src))
    .update(readFileSync(script))
    .update(valgrind.version)
    .digest("hex")
    .slice(0, 16);
  const dir = join(opts.cacheDir ?? defaultCacheDir(), key);
  const libDir = join(dir, "lib");
  const toolPath = join(libDir, "damontrace-amd64-linux");
  const description = `damontrace (our Valgrind tool, native/damontrace.c; ${valgrind.version})`;
  if (!opts.rebuild && existsSync(toolPath)) return { kind: "damontrace", libDir, built: false, description };
  // Build into a temporary folder and rename, so a half-built tool is never used.
  const tmp = `${dir}.tmp-${process.pid}`;
  rmSync(tmp, { recursive: true, force: true });
  mkdirSync(dirname(dir), { recursive: true });
  const r = spawnSync("bash", [script, tmp], { encoding: "utf8" });
  if (r.error || r.status !== 0) {
    rmSync(tmp, { recursive: true, force: true });
    const why = (r.stderr || r.error?.message || "build failed").trim().split("\n").pop() ?? "build failed";
    return fallback(why);
  }
  rmSync(dir, { recursive: true, force: true });
  renameSync(tmp, dir);
  return { kind: "damontrace", libDir, built: true, description };
}
