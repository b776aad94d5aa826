/**
 * `damon-ts report <kind>`: damo's record reports with damo's option names and
 * defaults (formats.md), reading any record format; one module per kind in
 * report/. `damon-ts adjust` is in adjust.ts.
 *
 * Only the kind the command line names is loaded (all of them for help, a typo
 * or no kind): the others' modules cost about 30 ms of a report's start-up.
 */
import type { Command } from "commander";

type RegisterKind = (report: Command) => void;

/** Every report kind, in help order, with the module that registers it. */
export const REPORT_KINDS: readonly (readonly [string, () => Promise<RegisterKind>])[] = [
  ["access", async () => (await import("./report/access.js")).registerAccess],
  ["heatmap", async () => (await import("./report/heatmap.js")).registerHeatmap],
  ["wss", async () => (await import("./report/wss.js")).registerWss],
  ["nr_regions", async () => (await import("./report/nr-regions.js")).registerNrRegions],
  ["footprints", async () => (await import("./report/footprints.js")).registerFootprints],
  ["record_info", async () => (await import("./report/record-info.js")).registerRecordInfo],
];

/**
 * The kind `args` (the program's arguments) names: the word after `report`, when
 * it is one we know (top-level options take no value, and `report` has none).
 */
function namedKind(args: readonly string[]): string | undefined {
  const words = args.filter((a) => !a.startsWith("-"));
  return words[0] === "report" ? words[1] : undefined;
}

/** The register function of `report` with the kinds `args` needs loaded (every kind when it names none we know). */
export async function reportRegister(
  args: readonly string[] = [],
  kinds: typeof REPORT_KINDS = REPORT_KINDS,
): Promise<(program: Command) => void> {
  const name = namedKind(args);
  const named = kinds.some(([n]) => n === name) ? kinds.filter(([n]) => n === name) : kinds;
  const registers = await Promise.all(named.map(([, load]) => load()));
  return (program) => {
    const report = program.command("report").description("reports on damo-compatible record files");
    for (const register of registers) register(report);
  };
}
