/**
 * The UI server in a worker thread, for `--ui` on commands whose simulation runs
 * synchronously on the main thread: the page keeps being served and streamed to
 * while the main thread is busy. The main thread posts store messages; "close"
 * stops the server.
 */
import { parentPort, workerData } from "node:worker_threads";
import { UiStore, type UiMessage } from "./store.js";
import { startUiServer, type UiServerOptions } from "./server.js";

const port = parentPort!;
const store = new UiStore();
try {
  const ui = await startUiServer(store, workerData as UiServerOptions);
  port.on("message", (m: UiMessage | { type: "close" }) => {
    if (m.type === "close") void ui.close().then(() => port.close());
    else store.apply(m);
  });
  port.postMessage({ type: "ready", url: ui.url });
} catch (e) {
  port.postMessage({ type: "error", message: (e as Error).message });
}
