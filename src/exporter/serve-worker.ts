/**
 * The exporter's server thread for simulated runs. The simulation runs
 * synchronously on the main thread, so the server lives here, on its own event
 * loop, and answers scrapes while the run goes on; the main thread posts a
 * SimUpdate per aggregation (messages queue across threads even while it is busy).
 */
import { parentPort, workerData } from "node:worker_threads";
import { RunAccumulator } from "./accumulator.js";
import { startExporterServer } from "./server.js";
import type { ListenAddress } from "./listen.js";
import type { SimUpdate } from "./sim-update.js";

export type ToWorker = { kind: "update"; update: SimUpdate } | { kind: "finish" } | { kind: "close" };
export type FromWorker =
  { kind: "listening"; port: number } | { kind: "error"; message: string } | { kind: "closed" };

const { listen, name } = workerData as { listen: ListenAddress; name: string };
const port = parentPort!;
const acc = new RunAccumulator(name);
const send = (m: FromWorker): void => port.postMessage(m);

try {
  const server = await startExporterServer(acc, listen, { onError: (m) => process.stderr.write(`${m}\n`) });
  port.on("message", (m: ToWorker) => {
    if (m.kind === "update") acc.observe(m.update);
    else if (m.kind === "finish") acc.finish();
    else
      void server.close().then(() => {
        send({ kind: "closed" });
        port.close();
      });
  });
  send({ kind: "listening", port: server.address.port });
} catch (e) {
  send({ kind: "error", message: e instanceof Error ? e.message : String(e) });
  port.close();
}
