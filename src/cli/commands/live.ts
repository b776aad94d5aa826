/**
 * `damon-ts live`: watch a real process with DAMON — its page faults (from
 * perf) fed through the access-report API into the same core the simulator
 * uses, with a refreshing terminal view, `--json` output and `--record`.
 */
import type { Command } from "commander";
import { existsSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { runLive, type LiveResult } from "../../live/session.js";
import { lateSamplesNote, renderLiveView } from "../../live/view.js";
import { findExecutable } from "../../live/proc.js";
import { RunRecorder } from "../run-heatmap.js";
import { UsageError } from "../../util/errors.js";
import { parseCount, parseDurationUs } from "../../util/units.js";
import { addMonitorOptions, attrsFromOptions, type MonitorOptionValues } from "../options.js";
import { addUiOption, uiRunFeed } from "../ui-options.js";

interface LiveOptionValues extends MonitorOptionValues {
  pid?: string;
  duration?: string;
  latency: string;
  refresh: string;
  clearRefs?: boolean;
  record?: string;
  json?: boolean;
  view: boolean;
  ring: string;
}

/** The --json document (schema damon-ts/live/1). */
export function liveJson(r: LiveResult): unknown {
  return {
    schema: "damon-ts/live/1",
    pid: r.pid,
    comm: r.comm,
    endReason: r.endReason,
    exitCode: r.exitCode,
    elapsedNs: r.elapsedNs,
    attrs: {
      sampleUs: r.attrs.sampleUs,
      aggrUs: r.attrs.aggrUs,
      updateUs: r.attrs.updateUs,
      minNrRegions: r.attrs.minNrRegions,
      maxNrRegions: r.attrs.maxNrRegions,
    },
    sources: r.sources,
    faults: r.faults,
    faultsPerSec: r.elapsedNs > 0 ? r.faults / (r.elapsedNs / 1e9) : 0,
    faultsPerCpu: r.faultsPerCpu,
    threads: r.threads,
    reports: r.reports,
    perf: r.perf,
    windows: r.snapshots,
    lastWindow: r.latest,
    referenced: r.referenced,
  };
}

export function registerLive(program: Command): void {
  const cmd = program
    .command("live")
    .usage("[options] (--pid PID | -- CMD ARGS...)")
    .argument("[command...]", "a command to start and observe (after --)")
    .description(
      "observe a live process with DAMON: page faults from perf, the layout from /proc, a refreshing view",
    )
    .option("--pid <pid>", "observe this existing process (read-only)")
    .option("--duration <time>", "stop after this long (default: when the process exits; Ctrl-C also stops)")
    .option("--latency <time>", "how far DAMON runs behind real time, waiting for perf's samples", "500ms")
    .option("--refresh <time>", "refresh interval of the view (and of the smaps read)", "1s")
    .option(
      "--clear-refs",
      "clear the process's Referenced bits after each smaps read (WRITES /proc/PID/clear_refs)",
    )
    .option("--ring <n>", "report ring capacity per CPU per sample interval", "4096")
    .option("--record <file>", "write every aggregation window to FILE as a damo record (json_compressed)")
    .option("--json", "no view; print the result as JSON at the end (schema in docs/live.md)")
    .option("--no-view", "do not show the refreshing view");
  addUiOption(addMonitorOptions(cmd));
  cmd.action(async (command: string[], o: LiveOptionValues) => {
    const attrs = attrsFromOptions(o);
    if ((o.pid === undefined) === (command.length === 0))
      throw new UsageError("give either --pid PID or a command after --", "live");
    if (command.length > 0 && findExecutable(command[0]) === null)
      throw new UsageError(
        command[0].includes("/") ? "no such executable file" : "command not found on PATH",
        command[0],
      );
    const pid = o.pid === undefined ? undefined : parseCount(o.pid, "--pid");
    if (pid === 0) throw new UsageError("pid 0 is not a process", "--pid");
    if (o.record && !existsSync(dirname(resolve(o.record))))
      throw new UsageError(`folder ${dirname(resolve(o.record))} does not exist`, "--record");
    const us = (t: string | undefined, name: string): number | undefined =>
      t === undefined ? undefined : parseDurationUs(t, name) * 1000;
    const record = o.record ? new RunRecorder(o.record, attrs) : null;
    const ui = uiRunFeed(`live ${pid ?? command.join(" ")}`, "damon-ts live", "vaddr", attrs);
    const tty = process.stdout.isTTY && !o.json && o.view;
    const abort = new AbortController();
    const onSigint = (): void => abort.abort();
    process.on("SIGINT", onSigint);
    let r: LiveResult;
    try {
      r = await runLive({
        pid,
        command: command.length > 0 ? command : undefined,
        attrs,
        durationNs: us(o.duration, "--duration"),
        latencyNs: us(o.latency, "--latency"),
        refreshNs: us(o.refresh, "--refresh"),
        clearRefs: o.clearRefs === true,
        ringCapacity: parseCount(o.ring, "--ring"),
        // With --json our stdout is the JSON: the command's output goes to stderr.
        commandStdout: o.json ? 2 : "inherit",
        signal: abort.signal,
        onSnapshot:
          record || ui
            ? (s) => {
                record?.add(s);
                ui?.snapshot(s);
              }
            : undefined,
        onView: tty ? (s) => process.stdout.write(`\x1b[H\x1b[2J${renderLiveView(s)}\n`) : undefined,
      });
    } catch (e) {
      record?.abort();
      throw e;
    } finally {
      process.off("SIGINT", onSigint);
    }
    record?.close();
    ui?.finish(null, liveJson(r));
    const late = lateSamplesNote(r);
    if (o.json) process.stdout.write(`${JSON.stringify(liveJson(r), null, 2)}\n`);
    else {
      if (o.view) console.log(renderLiveView(r));
      console.log(
        `\n${r.comm} (pid ${r.pid}): ${r.endReason}${r.exitCode !== null ? `, exit ${r.exitCode}` : ""}`,
      );
    }
    if (late) process.stderr.write(`damon-ts live: ${late}\n`);
    // A command we started and that ran to its end: its status is ours (as `time CMD` does).
    if (r.endReason === "target exited" && r.exitCode !== null && r.exitCode !== 0) {
      process.stderr.write(`damon-ts live: ${command.join(" ")} exited with status ${r.exitCode}\n`);
      process.exitCode = r.exitCode;
    }
  });
}
