/** Printing skill summaries (search results, an author's skills). */
import { print } from "./api.ts";

export interface Summary {
  name: string;
  version: string;
  description: string;
  downloads: number;
  deprecated?: string;
}

export function printSummaries(rows: Summary[]): void {
  if (rows.length === 0) return print("no skills found");
  for (const row of rows) {
    const deprecated = row.deprecated ? ` [deprecated: ${row.deprecated}]` : "";
    print(`${row.name}@${row.version}  ${row.description}  (${row.downloads} downloads)${deprecated}`);
  }
}
