/**
 * Helpers of the UI tests: a generated stairs record whose hot band is known, a
 * `damon-ts ui` process started from source (its URL read from stdout's first
 * line, stopped by pid), and the system chromium driven by puppeteer-core —
 * skipped with a NOTICE when chromium is absent, a failure under CI=true.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { test } from "node:test";
import assert from "node:assert/strict";
import type { Browser, Page } from "puppeteer-core";
import { makeSnapshot, type Snapshot } from "../../src/record/model.js";
import { writeRecords } from "../../src/record/write.js";
import { recordOf } from "../helpers/records.js";
import { inCi } from "../helpers/peer.js";
import { buildUiPage } from "../../scripts/build-ui.js";

const ROOT = fileURLToPath(new URL("../../", import.meta.url));
export const CHROMIUM = process.env.DAMON_TS_CHROMIUM ?? "/usr/bin/chromium";
const MiB = 1 << 20;

/** Layout of the generated stairs record: a small range, a 2 TiB gap, ten 10 MiB steps. */
export const STAIRS = {
  smallStart: 0x10000000,
  smallSize: 2 * MiB,
  base: 0x7f0000000000,
  step: 10 * MiB,
  steps: 10,
  snapsPerStep: 4,
  aggrNs: 100e6,
};

/**
 * Stairs: step p of the big range is hot (20/20 samples) during snapshots
 * p*4..p*4+3, everything else cold; the small range is lukewarm (5/20).
 */
export function stairsSnapshots(seedOffset = 0): Snapshot[] {
  const s = STAIRS;
  const out: Snapshot[] = [];
  for (let i = 0; i < s.steps * s.snapsPerStep; i++) {
    const hot = Math.floor(i / s.snapsPerStep);
    const regions = [{ start: s.smallStart, end: s.smallStart + s.smallSize, nrAccesses: 5, age: i }];
    for (let k = 0; k < s.steps; k++)
      regions.push({
        start: s.base + k * s.step,
        end: s.base + (k + 1) * s.step,
        nrAccesses: k === hot ? 20 : 0,
        age: k === hot ? i % s.snapsPerStep : i + seedOffset,
      });
    out.push(makeSnapshot(i * s.aggrNs, (i + 1) * s.aggrNs, regions));
  }
  return out;
}

export function writeStairs(path: string, seedOffset = 0): void {
  writeRecords(path, [recordOf(stairsSnapshots(seedOffset))]);
}

let built: Promise<void> | null = null;
/** Bundles the page once per test process, so tests see the current page sources. */
export function ensurePage(): Promise<void> {
  built ??= buildUiPage();
  return built;
}

export interface UiProcess {
  url: string;
  child: ChildProcess;
  stdout: () => string;
  stderr: () => string;
  stop: () => Promise<void>;
}

/** Starts `damon-ts <args>` from source and waits for the URL on stdout's first line. */
export async function startUi(args: string[], timeoutMs = 120_000): Promise<UiProcess> {
  await ensurePage();
  const child = spawn(process.execPath, ["--import", "tsx", "src/cli/main.ts", ...args], {
    cwd: ROOT,
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  let err = "";
  child.stderr.on("data", (b: Buffer) => (err += b.toString()));
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`no URL within ${timeoutMs} ms; stderr: ${err}`)),
      timeoutMs,
    );
    child.stdout.on("data", (b: Buffer) => {
      out += b.toString();
      const nl = out.indexOf("\n");
      if (nl >= 0) {
        clearTimeout(timer);
        resolve(out.slice(0, nl));
      }
    });
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`exited ${code} before printing a URL; stderr: ${err}`));
    });
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    const gone = new Promise<void>((r) => child.once("exit", () => r()));
    child.kill("SIGTERM");
    await gone;
  };
  return { url, child, stdout: () => out, stderr: () => err, stop };
}

/** The `skip` option of browser tests: false when chromium is there, else the reason (a failure under CI). */
export function browserSkip(): false | string {
  if (existsSync(CHROMIUM)) return false;
  const reason = `chromium not found at ${CHROMIUM} (apt-get install chromium, or set DAMON_TS_CHROMIUM)`;
  if (inCi()) {
    test("chromium is present (required when CI=true)", () => {
      throw new Error(`${reason}; CI=true requires it, so the browser tests cannot pass by being skipped`);
    });
  } else process.stderr.write(`NOTICE: skipping the browser tests: ${reason}\n`);
  return reason;
}

export async function launchBrowser(): Promise<Browser> {
  const { default: puppeteer } = await import("puppeteer-core");
  return puppeteer.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
      "--no-first-run",
      "--disable-quic",
    ],
  });
}

/** Opens the page in a new tab and waits until every view is rendered; page errors fail the test. */
export async function openPage(browser: Browser, url: string, height = 1200): Promise<Page> {
  const page = await browser.newPage();
  const errors: string[] = [];
  page.on("pageerror", (e) => errors.push((e as Error).message));
  await page.setViewport({ width: 1600, height });
  await page.goto(url);
  await page.waitForSelector("body[data-ready]", { timeout: 60_000 });
  assert.deepEqual(errors, []);
  return page;
}

/** Runs page code given as text (the tests are compiled without the DOM's types). */
export function js<T>(page: Page, code: string): Promise<T> {
  return page.evaluate(code) as Promise<T>;
}

/** Text of every element matching a selector. */
export const texts = (page: Page, sel: string): Promise<string[]> =>
  js(page, `[...document.querySelectorAll(${JSON.stringify(sel)})].map((e) => e.textContent)`);
