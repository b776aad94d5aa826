/**
 * `damon-ts ui [RECORD...]`: a local web viewer for records — heatmap with zoom and
 * hover, working set, regions, DAMOS stats, and several records side by side
 * (docs/ui.md).
 */
import type { Command } from "commander";
import { readRecords } from "../../record/read.js";
import { UiStore } from "../../ui/store.js";
import { startUiServer } from "../../ui/server.js";
import { requireInputFile } from "../files.js";
import {
  addUiServerOptions,
  serveUntilInterrupted,
  uiServerOptions,
  type UiOptionValues,
} from "../ui-options.js";

export function registerUi(program: Command): void {
  const cmd = program
    .command("ui")
    .argument("[record...]", "damo record files (any format `report` reads); several open side by side")
    .description(
      "view records in a web browser: heatmap (zoom, pan, hover), working set, regions, DAMOS stats",
    )
    .addHelpText(
      "after",
      "\nThe first line of stdout is the page's URL; open it in a browser. The server listens on\n" +
        "127.0.0.1 only unless --host is given. Keys on the heatmap: arrows pan, + and - zoom,\n" +
        "0 resets, Backspace goes back; drag a rectangle to zoom into it, the wheel zooms (docs/ui.md).\n\n" +
        "Examples:\n  damon-ts run stairs --record st.data && damon-ts ui st.data\n" +
        "  damon-ts ui vaddr.data paddr.data      # compare two records\n",
    );
  addUiServerOptions(cmd);
  cmd.action(async (files: string[], o: UiOptionValues) => {
    const serverOptions = uiServerOptions(o.host, o.port);
    const store = new UiStore();
    for (const f of files) {
      requireInputFile(f, "record file");
      store.addRecords(f, await readRecords(f));
    }
    const ui = await startUiServer(store, { ...serverOptions, title: `damon-ts ui ${files.join(" ")}` });
    await serveUntilInterrupted(ui, files.length === 1 ? files[0] : `${files.length} records`);
  });
}
