/**
 * The page of `damon-ts ui`: loads the run list and each run's snapshots (compact
 * binary, src/ui/wire.ts), shows a heatmap per run side by side, the comparison
 * table and the time series, and follows live runs through server-sent events.
 */
import "./style.css";
import type { UiRunMeta } from "../store.js";
import { decodeSnapshots } from "../wire.js";
import { RunData } from "./data.js";
import { HeatmapView } from "./heatmap-view.js";
import { seriesViews } from "./charts.js";
import { compareTable } from "./compare.js";
import { el } from "./dom.js";
import { warmUp } from "./warm.js";

const token = new URLSearchParams(location.search).get("token");
const api = (p: string): string => (token ? `${p}${p.includes("?") ? "&" : "?"}token=${token}` : p);

interface Run {
  meta: UiRunMeta;
  data: RunData;
  view: HeatmapView;
  fetching: Promise<void> | null;
  again: boolean;
}

const runs = new Map<number, Run>();
const status = el("p", { class: "status" }, "loading…");
const linkBox = el("input", { type: "checkbox", checked: "", id: "link-views" });
const heatmaps = el("div", { class: "heatmaps" });
const compare = el("section", { class: "compare" });
const series = el("section", { class: "series-box" });
document
  .getElementById("app")!
  .append(
    el(
      "header",
      {},
      el("h1", {}, "damon-ts ui"),
      status,
      el("label", { title: "zooming one heatmap zooms the others" }, linkBox, " link the heatmaps' views"),
    ),
    heatmaps,
    compare,
    series,
    el(
      "p",
      { class: "help" },
      "Heatmap: drag a rectangle to zoom into it, wheel zooms (shift: address only, alt: time only), " +
        "shift-drag pans; keys: arrows pan, + / - zoom, x / X address only, t / T time only, 0 resets, Backspace goes back.",
    ),
  );

/** Runs f under a performance measure (bench/ui.ts reads them). */
function timed(name: string, f: () => void): void {
  const t = performance.now();
  f();
  performance.measure(name, { start: t, end: performance.now() });
}

function addRun(meta: UiRunMeta): Run {
  const data = new RunData();
  const run: Run = { meta, data, view: new HeatmapView(meta, data), fetching: null, again: false };
  runs.set(meta.id, run);
  heatmaps.append(run.view.root);
  // side by side on the same axes: zooming one heatmap zooms the others
  run.view.onView = (v, from) => {
    if (!linkBox.checked) return;
    for (const r of runs.values()) if (r.view !== from) r.view.follow(v, from);
  };
  return run;
}

/** Fetches the snapshots a run has beyond what the page holds (one request at a time). */
function fetchMore(run: Run): Promise<void> {
  if (run.fetching) {
    run.again = true;
    return run.fetching;
  }
  run.fetching = (async () => {
    do {
      run.again = false;
      const res = await fetch(api(`/api/runs/${run.meta.id}/snapshots?from=${run.data.nSnap}`));
      if (!res.ok) throw new Error(`snapshots of run ${run.meta.id}: HTTP ${res.status}`);
      const buf = await res.arrayBuffer();
      timed("ui-decode", () => run.data.append(decodeSnapshots(buf)));
    } while (run.again);
    timed("ui-update", () => run.view.update());
    run.fetching = null;
  })();
  return run.fetching;
}

let summaryTimer: number | null = null;
/** Refreshes the tables and charts at most twice a second while a run streams in. */
function refreshSummary(now = false): void {
  if (summaryTimer !== null && !now) return;
  const go = async (): Promise<void> => {
    summaryTimer = null;
    // a running simulation's DAMOS stats grow with it: take the latest descriptions
    if ([...runs.values()].some((r) => r.meta.live && !r.meta.done)) {
      const { runs: metas } = (await (await fetch(api("/api/runs"))).json()) as { runs: UiRunMeta[] };
      for (const m of metas) {
        const run = runs.get(m.id);
        if (run && !run.meta.done) run.meta = run.view.meta = m;
      }
    }
    const list = [...runs.values()];
    timed("ui-compare", () => compare.replaceChildren(compareTable(list)));
    timed("ui-series", () => series.replaceChildren(seriesViews(list)));
    const live = list.filter((r) => r.meta.live && !r.meta.done);
    status.textContent =
      list.length === 0
        ? "no runs: give record files to `damon-ts ui`, or use --ui on run, compare, live or kernel record"
        : live.length > 0
          ? `running: ${live.map((r) => `${r.meta.name} (${r.data.nSnap} snapshots)`).join(", ")}`
          : `${list.length} run(s), all finished`;
    status.dataset.state = list.length === 0 ? "empty" : live.length > 0 ? "running" : "finished";
  };
  if (now) void go();
  else summaryTimer = window.setTimeout(() => void go(), 500);
}

async function main(): Promise<void> {
  const res = await fetch(api("/api/runs"));
  const { runs: metas } = (await res.json()) as { runs: UiRunMeta[] };
  for (const m of metas) addRun(m);
  const loading = Promise.all([...runs.values()].map(fetchMore));
  // the requests are out: optimise the hot loops while the bytes arrive
  if (metas.length > 0) timed("ui-warm", () => void warmUp());
  await loading;
  refreshSummary(true);
  performance.mark("ui-open");
  document.body.dataset.ready = "1";
  setTimeout(() => timed("ui-warm-zoom", () => runs.forEach((r) => r.view.warmZoom())), 0);
  const events = new EventSource(api("/api/events"));
  events.addEventListener("run", (e) => {
    const meta = JSON.parse((e as MessageEvent<string>).data) as UiRunMeta;
    const run = runs.get(meta.id);
    if (!run) addRun(meta);
    else {
      run.meta = meta;
      run.view.meta = meta;
    }
    void fetchMore(runs.get(meta.id)!).then(() => refreshSummary(meta.done));
  });
  events.addEventListener("snapshots", (e) => {
    const { id } = JSON.parse((e as MessageEvent<string>).data) as { id: number };
    const run = runs.get(id);
    if (run) void fetchMore(run).then(() => refreshSummary());
  });
}

main().catch((e: unknown) => {
  status.textContent = `error: ${(e as Error).message}`;
  status.dataset.state = "error";
});
