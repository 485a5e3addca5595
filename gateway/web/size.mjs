#!/usr/bin/env node
/**
 * Measures the web UI's weight as shipped (min + gzip of the JS and CSS in the generated module) against the
 * issue's budget of 60 KB for the whole app. Exits 1 over budget. `npm run size:web`.
 */
import { gzipSync } from "node:zlib";
import { renderAssetsModule } from "./build.mjs";

export const BUDGET_BYTES = 60 * 1024;

export async function measure() {
  const text = await renderAssetsModule();
  const assets = JSON.parse(text.slice(text.indexOf("= {") + 2, text.lastIndexOf("};") + 1));
  const gz = (s) => gzipSync(Buffer.from(s), { level: 9 }).length;
  const js = gz(assets.js.body);
  const css = gz(assets.css.body);
  return { js, css, total: js + css, budget: BUDGET_BYTES };
}

if (process.argv[1]?.endsWith("size.mjs")) {
  const { js, css, total, budget } = await measure();
  const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
  console.log("| asset | min+gzip |\n| --- | --- |");
  console.log(
    `| app.js | ${kb(js)} |\n| app.css | ${kb(css)} |\n| total | ${kb(total)} (budget ${kb(budget)}) |`,
  );
  if (total > budget) process.exit(1);
}
