import { cloudflareTest } from "@cloudflare/vitest-pool-workers";
import { defineConfig } from "vitest/config";

// One `npm test` runs every suite. Suites spawn real runtimes and servers on loopback, so they get generous
// timeouts; the machine has two cores, hence two workers.
export default defineConfig({
  test: {
    maxWorkers: 2,
    projects: [
      {
        test: {
          name: "node",
          include: [
            "tests/**/*.test.ts",
            "gateway/src/**/*.test.ts",
            "connector/src/**/*.test.ts",
            "skills-registry/src/**/*.test.ts",
          ],
          exclude: ["tests/cloudflare/**", "**/node_modules/**"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
      {
        // The same contract suites inside workerd: the store Durable Object and the KV blob store.
        plugins: [
          cloudflareTest({
            main: "./tests/cloudflare/worker.ts",
            wrangler: { configPath: "./tests/cloudflare/wrangler.jsonc" },
          }),
        ],
        test: {
          name: "workers",
          include: ["tests/cloudflare/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 60_000,
        },
      },
    ],
  },
});
