import { defineConfig } from "vitest/config";

/**
 * Four projects, so the inner loop stays fast. Three are here: `unit` (pure core and console code,
 * seconds: `npm run test:unit`), `http` (handlers against dynalite through the local server) and
 * `infra` (stack synthesis); `npm test` runs these three. The fourth, `e2e` (the console in a
 * browser), has its own config (vitest.e2e.config.ts, `npm run test:e2e`), so `npm test` never needs
 * a browser.
 * A new test file lands in `http` unless it is listed as `unit` or `infra`: the slower, safe default.
 *
 * Timeouts are sized for a 2-core machine shared with other work, never for an idle one.
 */
const unit = [
  "test/catalog.test.ts",
  "test/contract-files.test.ts",
  "test/crypto.test.ts",
  "test/documents-blobs.test.ts",
  "test/documents-crypto.test.ts",
  "test/documents-retention.test.ts",
  "test/documents-watermark.test.ts",
  "test/house.test.ts",
  "test/kms-keyring.test.ts",
  "test/policy.test.ts",
  "test/runtime.test.ts",
  "test/upload-limit.test.ts",
  "packages/*/src/**/*.test.ts",
  "web/src/**/*.test.{ts,tsx}",
];
const infra = ["test/infra*.test.ts"];

const env = { POWERTOOLS_LOG_LEVEL: process.env.LOGLEVEL ?? "SILENT", KEYHOLD_SEAL_SETTLE_MS: "0" };

export default defineConfig({
  test: {
    // Tests seal on demand right after writing, so no settle delay (see trail/seal.ts).
    env,
    projects: [
      { extends: true, test: { name: "unit", include: unit, testTimeout: 60_000 } },
      {
        extends: true,
        test: {
          name: "http",
          include: ["test/**/*.test.ts"],
          exclude: [...unit, ...infra, "test/e2e/**", "node_modules/**"],
          testTimeout: 180_000,
          hookTimeout: 300_000,
        },
      },
      { extends: true, test: { name: "infra", include: infra, testTimeout: 300_000, hookTimeout: 300_000 } },
    ],
  },
});
