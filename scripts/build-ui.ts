/**
 * Bundles the page of `damon-ts ui` (src/ui/page, TypeScript + uPlot) with esbuild
 * into dist/ui-page/app.js and app.css, which the server serves as they are: one
 * request each, no CDN, works offline. Run by `npm run build` and `prepare`.
 */
import { build } from "esbuild";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));

export async function buildUiPage(): Promise<void> {
  await build({
    absWorkingDir: root,
    entryPoints: { app: "src/ui/page/main.ts" },
    outdir: "dist/ui-page",
    bundle: true,
    format: "esm",
    target: "es2022",
    minify: true,
    legalComments: "eof",
    logLevel: "warning",
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildUiPage();
