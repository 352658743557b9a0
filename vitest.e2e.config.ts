import { defineConfig } from "vitest/config";

/**
 * Browser tests: playwright-core drives Debian's Chromium (/usr/bin/chromium, or KEYHOLD_CHROMIUM)
 * against the local runtime serving the built console. `npm run test:e2e`; `npm test` never needs a browser.
 */
export default defineConfig({
  test: {
    name: "e2e",
    include: ["test/e2e/**/*.test.ts"],
    testTimeout: 120_000,
    // The first hook builds the console when it is missing: minutes on a loaded 2-core machine.
    hookTimeout: 900_000,
    fileParallelism: false,
    env: { POWERTOOLS_LOG_LEVEL: "SILENT", KEYHOLD_SEAL_SETTLE_MS: "0" },
  },
});
