/**
 * One run's heatmap panel: the canvas (x: address with gaps removed, y: time going
 * down), zoom and pan by mouse and keyboard re-aggregating from the data, hover
 * details of the region under the cursor, the colour legend and the address
 * ranges with their sizes and share of the heat.
 */
import { fmtBytes } from "../../cli/table.js";
import type { UiRunMeta } from "../store.js";
import { aggregate, type View } from "./aggregate.js";
import {
  addressRanges,
  fromDisp,
  heatShares,
  samplesPerAggregation,
  type AddrRanges,
  type RunData,
} from "./data.js";
import { cssColor, paint } from "./colors.js";
import { el, fmtTime, hex } from "./dom.js";

const W = 720;
const H = 320;

export class HeatmapView {
  readonly root: HTMLElement;
  private readonly canvas: HTMLCanvasElement;
  private readonly overlay: HTMLCanvasElement;
  private readonly hover: HTMLElement;
  private readonly rangeText: HTMLElement;
  private readonly rangeTable: HTMLTableSectionElement;
  private readonly legend: HTMLElement;
  /** What the colour shows: nr_accesses, or a probe's hits (records with probes). */
  private readonly sourcePick = el("select", { class: "heat-source", title: "what the colour shows" });
  private readonly sourceBox = el("label", { class: "heat-source-box" }, "colour: ", this.sourcePick);
  /** -1: nr_accesses; k: hits of probe k. */
  source = -1;
  private readonly xTicks = el("div", { class: "x-ticks" });
  private readonly tTicks = el("div", { class: "t-ticks" });
  private ranges: AddrRanges = { start: [], end: [], disp: [], total: 0 };
  private view: View = { t0: 0, t1: 1, x0: 0, x1: 1 };
  private readonly history: View[] = [];
  private zoomed = false;
  private drag: { x: number; y: number; pan: boolean; v: View } | null = null;

  constructor(
    public meta: UiRunMeta,
    private readonly data: RunData,
  ) {
    this.canvas = el("canvas", { class: "heat", width: String(W), height: String(H), tabindex: "0" });
    this.overlay = el("canvas", { class: "overlay", width: String(W), height: String(H) });
    this.hover = el("div", { class: "hover" }, "hover over the heatmap for details");
    this.rangeText = el("div", { class: "view-range" });
    this.legend = el("div", { class: "legend" });
    const tbody = el("tbody");
    this.rangeTable = tbody;
    this.root = el(
      "section",
      { class: "heatmap", "data-run": String(meta.id) },
      el("h3", {}, meta.name),
      this.sourceBox,
      el("div", { class: "canvas-box" }, this.canvas, this.overlay, this.tTicks),
      this.xTicks,
      this.rangeText,
      this.hover,
      this.legend,
      el(
        "table",
        { class: "ranges" },
        el(
          "thead",
          {},
          el("tr", {}, ...["#", "start", "end", "size", "heat share"].map((h) => el("th", {}, h))),
        ),
        tbody,
      ),
    );
    this.bind();
  }

  private maxSamples(): number {
    return samplesPerAggregation(this.meta, this.data);
  }

  private fullView(): View {
    const d = this.data;
    if (d.nSnap === 0) return { t0: 0, t1: 1, x0: 0, x1: 1 };
    return { t0: d.startNs[0], t1: d.endNs[d.nSnap - 1], x0: 0, x1: Math.max(1, this.ranges.total) };
  }

  /** Called when data arrived: new ranges, the whole run in view unless the user zoomed. */
  update(): void {
    const t = performance.now();
    this.ranges = addressRanges(this.data);
    if (!this.zoomed) this.view = this.fullView();
    this.fillRanges();
    this.fillSources();
    this.fillLegend();
    performance.measure("ui-ranges", { start: t, end: performance.now() });
    this.render();
  }

  /** Recently drawn views (the whole run, the views Backspace returns to), by view and data size. */
  private readonly drawn = new Map<string, ImageData>();

  render(): void {
    const t = performance.now();
    const v = this.view;
    const key = `${v.x0} ${v.x1} ${v.t0} ${v.t1} ${this.data.nSnap} ${this.ranges.total} ${this.source}`;
    const ctx = this.canvas.getContext("2d")!;
    let img = this.drawn.get(key);
    if (!img) {
      const values = this.source >= 0 ? this.data.probeHits[this.source] : this.data.samples;
      const grid = aggregate(this.data, this.ranges, v, W, H, this.maxSamples(), values);
      performance.measure("ui-aggregate", { start: t, end: performance.now() });
      img = ctx.createImageData(W, H);
      paint(grid.value, img.data);
      if (this.drawn.size >= 16) this.drawn.delete(this.drawn.keys().next().value!);
    } else this.drawn.delete(key);
    this.drawn.set(key, img);
    ctx.putImageData(img, 0, 0);
    this.drawOverlay(null);
    this.showViewRange();
    performance.measure("ui-render", { start: t, end: performance.now() });
  }

  /**
   * Re-aggregates zoomed views of the real data into a tiny grid and throws the result
   * away: run once after opening, it has the browser compile the aggregation for
   * zoomed views before the first zoom asks for one (else that zoom ran in
   * unoptimised code, 2-4x slower than the next ones).
   */
  warmZoom(): void {
    // the middle half of the addresses over short stretches of time: the zoom paths, few regions
    const f = this.fullView();
    const dx = (f.x1 - f.x0) / 4;
    const dt = (f.t1 - f.t0) / 40;
    for (let i = 0; i < 8; i++) {
      const t0 = f.t0 + (4 * i + 2) * dt;
      aggregate(this.data, this.ranges, { x0: f.x0 + dx, x1: f.x1 - dx, t0, t1: t0 + dt }, 48, 24, 20);
    }
  }

  /** Range boundaries as thin lines, and the selection rectangle while dragging. */
  private drawOverlay(sel: { x0: number; y0: number; x1: number; y1: number } | null): void {
    const ctx = this.overlay.getContext("2d")!;
    ctx.clearRect(0, 0, W, H);
    ctx.strokeStyle = "rgba(80,160,255,0.9)";
    const v = this.view;
    for (let k = 1; k < this.ranges.disp.length; k++) {
      const x = ((this.ranges.disp[k] - v.x0) / (v.x1 - v.x0)) * W;
      if (x <= 0 || x >= W) continue;
      ctx.setLineDash([4, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, 0);
      ctx.lineTo(Math.round(x) + 0.5, H);
      ctx.stroke();
    }
    if (sel) {
      ctx.setLineDash([]);
      ctx.strokeStyle = "#fff";
      ctx.strokeRect(sel.x0, sel.y0, sel.x1 - sel.x0, sel.y1 - sel.y0);
    }
  }

  private addrAt(x: number): { k: number; addr: number } | null {
    return fromDisp(this.ranges, x);
  }

  /** Address labels under the heatmap and time labels beside it, at 0, 1/4, ... 1 of the view. */
  private drawTicks(): void {
    const v = this.view;
    const t0 = this.data.nSnap ? this.data.startNs[0] : 0;
    const at = [0, 0.25, 0.5, 0.75, 1];
    this.xTicks.replaceChildren(
      ...at.map((f) => {
        // the last label is the exclusive end, like the ranges table
        const a = this.addrAt(Math.min(v.x0 + f * (v.x1 - v.x0), v.x1 - 1));
        const e = el("span", {}, a ? hex(Math.round(a.addr) + (f === 1 ? 1 : 0)) : "");
        e.style.left = `${f * W}px`;
        e.style.transform = `translateX(-${f * 100}%)`;
        return e;
      }),
    );
    this.tTicks.replaceChildren(
      ...at.map((f) => {
        const e = el("span", {}, fmtTime(v.t0 + f * (v.t1 - v.t0) - t0));
        e.style.top = `${f * H}px`;
        e.style.transform = `translateY(-${f * 100}%)`;
        return e;
      }),
    );
  }

  private showViewRange(): void {
    this.drawTicks();
    const v = this.view;
    const a = this.addrAt(v.x0);
    const b = this.addrAt(Math.max(v.x0, v.x1 - 1));
    const t0 = this.data.nSnap ? this.data.startNs[0] : 0;
    if (a && b) {
      const end = b.addr + 1;
      Object.assign(this.root.dataset, { addrStart: String(a.addr), addrEnd: String(end) });
      const n = b.k - a.k + 1;
      this.rangeText.textContent =
        `address ${hex(a.addr)} – ${hex(end)} (${fmtBytes(v.x1 - v.x0)} shown${n > 1 ? ` across ${n} ranges` : ""})` +
        ` · time ${fmtTime(v.t0 - t0)} – ${fmtTime(v.t1 - t0)}`;
    } else this.rangeText.textContent = "no regions yet";
    Object.assign(this.root.dataset, {
      t0: String(v.t0),
      t1: String(v.t1),
      snapshots: String(this.data.nSnap),
    });
  }

  private fillRanges(): void {
    const shares = heatShares(this.data, this.ranges);
    this.rangeTable.replaceChildren(
      ...this.ranges.start.map((s, k) => {
        const tr = el(
          "tr",
          { title: "click: zoom to this range" },
          ...[
            String(k),
            hex(s),
            hex(this.ranges.end[k]),
            fmtBytes(this.ranges.end[k] - s),
            `${(shares[k] * 100).toFixed(1)} %`,
          ].map((c) => el("td", {}, c)),
        );
        tr.addEventListener("click", () =>
          this.setView({
            ...this.view,
            x0: this.ranges.disp[k],
            x1: this.ranges.disp[k] + this.ranges.end[k] - s,
          }),
        );
        return tr;
      }),
    );
  }

  /** The colour choice: offered only when the record has probe hits. */
  private fillSources(): void {
    const n = this.data.probeHits.length;
    this.sourceBox.hidden = n === 0;
    if (this.sourcePick.options.length === n + 1) return;
    this.sourcePick.replaceChildren(
      el("option", { value: "-1" }, "accesses (nr_accesses)"),
      ...Array.from({ length: n }, (_, k) => el("option", { value: String(k) }, `probe ${k} hits`)),
    );
    this.sourcePick.value = String(this.source);
  }

  /** Draws nr_accesses (-1) or probe k's hits. */
  setSource(k: number): void {
    this.source = k >= 0 && k < this.data.probeHits.length ? k : -1;
    this.sourcePick.value = String(this.source);
    this.root.dataset.source = String(this.source);
    this.fillLegend();
    this.render();
  }

  private fillLegend(): void {
    const max = this.maxSamples();
    const what =
      this.source >= 0
        ? `probe ${this.source} hits per aggregation interval / ${max} samples (0 – ${max} hits)`
        : `access frequency: nr_accesses per aggregation interval / ${max} samples (0 – ${max} nr_accesses)`;
    const bar = el("div", { class: "legend-bar" });
    bar.style.background = `linear-gradient(to right, ${[0, 0.25, 0.5, 0.75, 1].map(cssColor).join(", ")})`;
    this.legend.replaceChildren(
      el("span", {}, "0 %"),
      bar,
      el("span", {}, "100 %"),
      el("span", { class: "legend-unit" }, ` ${what}`),
    );
  }

  /** Called after the user changed this view (main.ts links the other heatmaps to it). */
  onView: ((v: View, from: HeatmapView) => void) | null = null;

  /** Time of the first snapshot: linked views align on time since their run's start. */
  startNs(): number {
    return this.data.nSnap ? this.data.startNs[0] : 0;
  }

  /** The address ranges as text: heatmaps with equal ranges share the address axis too. */
  rangesKey(): string {
    return `${this.ranges.start.join()}|${this.ranges.end.join()}`;
  }

  /** Follows another heatmap's view: the same time since the start; the same addresses when the ranges are equal. */
  follow(v: View, from: HeatmapView): void {
    const dt = this.startNs() - from.startNs();
    const same = this.rangesKey() === from.rangesKey();
    const x = same ? { x0: v.x0, x1: v.x1 } : { x0: this.view.x0, x1: this.view.x1 };
    this.setView({ ...x, t0: v.t0 + dt, t1: v.t1 + dt }, true, false);
  }

  setView(v: View, remember = true, announce = true): void {
    const full = this.fullView();
    // never narrower than one byte per pixel column or 1 ns per row, never past the data
    const clamp = (a: number, b: number, lo: number, hi: number, min: number): [number, number] => {
      let w = Math.min(Math.max(b - a, min), hi - lo);
      let s = Math.min(Math.max(a, lo), hi - w);
      if (!Number.isFinite(s)) s = lo;
      if (!Number.isFinite(w)) w = hi - lo;
      return [s, s + w];
    };
    const [x0, x1] = clamp(v.x0, v.x1, full.x0, full.x1, Math.min(W, full.x1 - full.x0));
    const [t0, t1] = clamp(v.t0, v.t1, full.t0, full.t1, Math.min(H, full.t1 - full.t0));
    if (remember) this.history.push(this.view);
    this.view = { x0, x1, t0, t1 };
    this.zoomed = x0 !== full.x0 || x1 !== full.x1 || t0 !== full.t0 || t1 !== full.t1;
    this.render();
    if (announce) this.onView?.(this.view, this);
  }

  /** Zooms by `f` (< 1 in) around the fractional point (fx, fy); an axis with `false` keeps its span. */
  zoom(f: number, fx = 0.5, fy = 0.5, xAxis = true, tAxis = true): void {
    const v = this.view;
    const xs = xAxis ? (v.x1 - v.x0) * f : v.x1 - v.x0;
    const ts = tAxis ? (v.t1 - v.t0) * f : v.t1 - v.t0;
    const cx = v.x0 + (v.x1 - v.x0) * fx;
    const ct = v.t0 + (v.t1 - v.t0) * fy;
    this.setView({ x0: cx - xs * fx, x1: cx - xs * fx + xs, t0: ct - ts * fy, t1: ct - ts * fy + ts });
  }

  pan(fx: number, fy: number): void {
    const v = this.view;
    const dx = (v.x1 - v.x0) * fx;
    const dt = (v.t1 - v.t0) * fy;
    this.setView({ x0: v.x0 + dx, x1: v.x1 + dx, t0: v.t0 + dt, t1: v.t1 + dt });
  }

  reset(): void {
    this.setView(this.fullView());
  }

  back(): void {
    const v = this.history.pop();
    if (v) this.setView(v, false);
  }

  /** What is under pixel (px, py): the region of the snapshot at that time. */
  describe(px: number, py: number): string {
    const v = this.view;
    const t = v.t0 + ((py + 0.5) / H) * (v.t1 - v.t0);
    const at = this.addrAt(v.x0 + ((px + 0.5) / W) * (v.x1 - v.x0));
    const d = this.data;
    const s = d.snapshotAt(t);
    if (!at || s < 0) return "no data here";
    const i = d.regionAt(s, at.addr);
    const when = `time ${fmtTime(d.startNs[s] - d.startNs[0])} – ${fmtTime(d.endNs[s] - d.startNs[0])} (snapshot ${s})`;
    if (i < 0) return `${when} · ${hex(at.addr)}: no region`;
    const max = this.maxSamples();
    const age = d.age[i];
    const aggrNs = (this.meta.aggrUs ?? NaN) * 1000;
    const parts = [
      when,
      `region ${hex(d.start[i])} – ${hex(d.end[i])} (${fmtBytes(d.end[i] - d.start[i])})`,
      `nr_accesses ${d.samples[i]} / ${max} (frequency ${((d.samples[i] / max) * 100).toFixed(1)} %)`,
      Number.isNaN(age)
        ? "age unknown"
        : `age ${age}${Number.isFinite(aggrNs) ? ` (${fmtTime(age * aggrNs)})` : ""}`,
    ];
    for (let k = 0; k < d.probeHits.length; k++) {
      const h = d.probeAt(k, i);
      if (!Number.isNaN(h)) parts.push(`probe ${k} hits ${h} / ${max}`);
    }
    const tf = d.truthAt(i);
    if (!Number.isNaN(tf)) parts.push(`true frequency ${(tf * 100).toFixed(1)} %`);
    return parts.join(" · ");
  }

  private bind(): void {
    this.sourcePick.addEventListener("change", () => this.setSource(Number(this.sourcePick.value)));
    const c = this.canvas;
    const pos = (e: MouseEvent): { x: number; y: number } => {
      const b = c.getBoundingClientRect();
      return {
        x: Math.min(W - 1, Math.max(0, e.clientX - b.left)),
        y: Math.min(H - 1, Math.max(0, e.clientY - b.top)),
      };
    };
    c.addEventListener("mousemove", (e) => {
      const p = pos(e);
      this.hover.textContent = this.describe(Math.floor(p.x), Math.floor(p.y));
      if (!this.drag) return;
      if (this.drag.pan) {
        const v = this.drag.v;
        const dx = ((this.drag.x - p.x) / W) * (v.x1 - v.x0);
        const dt = ((this.drag.y - p.y) / H) * (v.t1 - v.t0);
        this.view = v;
        this.setView({ x0: v.x0 + dx, x1: v.x1 + dx, t0: v.t0 + dt, t1: v.t1 + dt }, false);
      } else
        this.drawOverlay({
          x0: Math.min(this.drag.x, p.x),
          y0: Math.min(this.drag.y, p.y),
          x1: Math.max(this.drag.x, p.x),
          y1: Math.max(this.drag.y, p.y),
        });
    });
    c.addEventListener("mousedown", (e) => {
      const p = pos(e);
      c.focus();
      const pan = e.shiftKey || e.button === 1;
      if (pan) this.history.push(this.view);
      this.drag = { ...p, pan, v: this.view };
      e.preventDefault();
    });
    window.addEventListener("mouseup", (e) => {
      const d = this.drag;
      this.drag = null;
      if (!d || d.pan) return;
      const p = pos(e);
      const v = this.view;
      const wx = Math.abs(p.x - d.x);
      const wy = Math.abs(p.y - d.y);
      this.drawOverlay(null);
      if (wx < 4 && wy < 4) return;
      const nx = wx >= 4;
      const ny = wy >= 4;
      const fx = (x: number): number => v.x0 + (x / W) * (v.x1 - v.x0);
      const ft = (y: number): number => v.t0 + (y / H) * (v.t1 - v.t0);
      this.setView({
        x0: nx ? fx(Math.min(p.x, d.x)) : v.x0,
        x1: nx ? fx(Math.max(p.x, d.x)) : v.x1,
        t0: ny ? ft(Math.min(p.y, d.y)) : v.t0,
        t1: ny ? ft(Math.max(p.y, d.y)) : v.t1,
      });
    });
    c.addEventListener(
      "wheel",
      (e) => {
        e.preventDefault();
        const p = pos(e);
        const f = e.deltaY > 0 ? 1.25 : 0.8;
        this.zoom(f, p.x / W, p.y / H, !e.altKey, !e.shiftKey);
      },
      { passive: false },
    );
    c.addEventListener("keydown", (e) => {
      const k = e.key;
      const keys: Record<string, () => void> = {
        ArrowLeft: () => this.pan(-0.1, 0),
        ArrowRight: () => this.pan(0.1, 0),
        ArrowUp: () => this.pan(0, -0.1),
        ArrowDown: () => this.pan(0, 0.1),
        "+": () => this.zoom(0.5),
        "=": () => this.zoom(0.5),
        "-": () => this.zoom(2),
        x: () => this.zoom(0.5, 0.5, 0.5, true, false),
        X: () => this.zoom(2, 0.5, 0.5, true, false),
        t: () => this.zoom(0.5, 0.5, 0.5, false, true),
        T: () => this.zoom(2, 0.5, 0.5, false, true),
        "0": () => this.reset(),
        Backspace: () => this.back(),
      };
      if (keys[k]) {
        keys[k]();
        e.preventDefault();
      }
    });
  }
}
