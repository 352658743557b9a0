import { openApiDocument, publicRoute } from "@keyhold/core";

export const health = publicRoute("meta.health", async () => ({ status: "ok" as const, service: "keyhold" }));

export const openapi = publicRoute("meta.openapi", async () =>
  openApiDocument({ includeLocal: process.env.KEYHOLD_RUNTIME === "local" }),
);
