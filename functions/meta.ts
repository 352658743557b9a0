import { healthStatus, openApiDocument, publicRoute, reply } from "@keyhold/core";

export const health = publicRoute("meta.health", async () => {
  const h = healthStatus();
  return h.status === 200 ? h.body : reply(h.status, h.body, { "retry-after": "2" });
});

export const openapi = publicRoute("meta.openapi", async () =>
  openApiDocument({ includeLocal: process.env.KEYHOLD_RUNTIME === "local" }),
);
