/**
 * The import directions between the layers of src/ (docs/architecture.md, "Layers
 * as the imports are"), checked by scanning every import and re-export. A new
 * dependency between the lower layers fails here until it is added on purpose
 * (and the page updated); no lower layer may import an upper one.
 */
import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve, sep } from "node:path";
import { test } from "node:test";
import { fileURLToPath } from "node:url";

const SRC = fileURLToPath(new URL("../src/", import.meta.url));

/** The lower layers and the layers each may import (the rest are above all of them). */
const LOWER: Record<string, readonly string[]> = {
  util: [],
  core: ["util"],
  // mm holds a GroundTruth (type only, checked below); truth counts mm's pages
  mm: ["truth", "util"],
  truth: ["mm"],
  workload: ["mm", "truth", "util"],
  // DAMOS actions and scores run on mm, so ops uses schemes' types, filters and score;
  // schemes reaches ops only through interfaces (the descriptor's executor and score)
  ops: ["core", "mm", "schemes", "util"],
  schemes: ["config", "core", "mm", "util"],
  // config uses schemes' vocabularies only (schemes/types.ts, checked below)
  config: ["core", "schemes", "util"],
  record: ["schemes", "util"],
  report: ["record", "util"],
};

/** Lower-layer files that import cli's table formatting (to move to util when next touched). */
const KNOWN_CLI_TABLE_USERS = [
  "live/view.ts",
  "ui/page/charts.ts",
  "ui/page/compare.ts",
  "ui/page/heatmap-view.ts",
];

interface Edge {
  file: string;
  to: string;
  typeOnly: boolean;
}

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
    e.isDirectory() ? sourceFiles(join(dir, e.name)) : e.name.endsWith(".ts") ? [join(dir, e.name)] : [],
  );
}

const IMPORT =
  /(?:^|\n)\s*(import|export)\s+(type\s+)?(?:[^;"']*?\sfrom\s*)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

/** Every relative import of a file, as paths under src/ (`mm/vma.ts`). */
export function importsOf(file: string, text: string): Edge[] {
  const out: Edge[] = [];
  for (const m of text.matchAll(IMPORT)) {
    const spec = m[3] ?? m[4];
    if (!spec.startsWith(".")) continue;
    const to = relative(SRC, resolve(dirname(file), spec))
      .split(sep)
      .join("/")
      .replace(/\.js$/, ".ts");
    out.push({ file: relative(SRC, file).split(sep).join("/"), to, typeOnly: m[2] !== undefined });
  }
  return out;
}

const layerOf = (path: string): string => (path.includes("/") ? path.slice(0, path.indexOf("/")) : "");

const edges = sourceFiles(SRC).flatMap((f) => importsOf(f, readFileSync(f, "utf8")));
const crossLayer = edges.filter((e) => layerOf(e.file) !== layerOf(e.to) && layerOf(e.file) !== "");

test("the import scanner sees imports, re-exports, type-only imports and dynamic imports", () => {
  const f = join(SRC, "ops", "x.ts");
  const found = importsOf(
    f,
    [
      'import { a } from "../schemes/types.js";',
      'import type { B } from "../mm/machine.js";',
      'export * from "./y.js";',
      "const m = await import('../util/rng.js');",
      'import "node:fs";',
    ].join("\n"),
  );
  assert.deepEqual(
    found.map((e) => [e.to, e.typeOnly]),
    [
      ["schemes/types.ts", false],
      ["mm/machine.ts", true],
      ["ops/y.ts", false],
      ["util/rng.ts", false],
    ],
  );
  // and on the real tree: edges the layer table lists are really found
  assert.ok(crossLayer.some((e) => layerOf(e.file) === "ops" && layerOf(e.to) === "schemes"));
  assert.ok(crossLayer.some((e) => layerOf(e.file) === "core" && layerOf(e.to) === "util"));
});

test("lower layers import only the layers below them (core only util; schemes never ops)", () => {
  const wrong = crossLayer
    .filter((e) => layerOf(e.file) in LOWER)
    .filter((e) => !LOWER[layerOf(e.file)].includes(layerOf(e.to)))
    .filter((e) => !(e.to === "cli/table.ts" && KNOWN_CLI_TABLE_USERS.includes(e.file)))
    .map((e) => `${e.file} -> ${e.to}`);
  assert.deepEqual(wrong, []);
});

test("no layer below the CLI imports the CLI, apart from the known table-format users", () => {
  const wrong = crossLayer
    .filter((e) => layerOf(e.to) === "cli" && !KNOWN_CLI_TABLE_USERS.includes(e.file))
    .map((e) => `${e.file} -> ${e.to}`);
  assert.deepEqual(wrong, []);
});

test("the two-way pairs are narrow: config uses only schemes/types, mm only GroundTruth's type", () => {
  const configToSchemes = crossLayer.filter(
    (e) => layerOf(e.file) === "config" && layerOf(e.to) === "schemes",
  );
  assert.deepEqual([...new Set(configToSchemes.map((e) => e.to))], ["schemes/types.ts"]);
  assert.deepEqual(
    edges.filter((e) => e.file === "schemes/types.ts").map((e) => e.to),
    [],
    "schemes/types.ts must stay free of imports",
  );
  const mmToTruth = crossLayer.filter((e) => layerOf(e.file) === "mm" && layerOf(e.to) === "truth");
  assert.ok(mmToTruth.length > 0);
  assert.deepEqual(
    mmToTruth.filter((e) => !e.typeOnly).map((e) => `${e.file} -> ${e.to}`),
    [],
  );
});
