/** Worker thread of the interference study: runs the jobs it is sent, one at a time. */
import { parentPort } from "node:worker_threads";
import { runJob } from "./job.js";
import type { StudyJob } from "./job.js";

parentPort!.on("message", (j: StudyJob) => {
  try {
    parentPort!.postMessage({ ok: true, result: runJob(j) });
  } catch (e) {
    parentPort!.postMessage({ ok: false, error: e instanceof Error ? e.message : String(e) });
  }
});
