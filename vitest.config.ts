import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts", "packages/*/src/**/*.test.ts", "web/src/**/*.test.{ts,tsx}"],
    exclude: ["test/e2e/**", "node_modules/**"],
    testTimeout: 30_000,
    hookTimeout: 120_000,
    // Tests seal on demand right after writing, so no settle delay (see audit/seal.ts).
    env: { POWERTOOLS_LOG_LEVEL: process.env.LOGLEVEL ?? "SILENT", KEYHOLD_SEAL_SETTLE_MS: "0" },
  },
});
