import { healthStatus, openApiDocument, publicRoute, reply } from "@keyhold/core";

export const health = publicRoute("meta.health", async () => {
  const h = healthStatus();
  if (h.status === 200) return h.body;
  // Only a build under way is worth retrying; a failed one needs the operator.
  return reply(h.status, h.body, h.body.status === "starting" ? { "retry-after": "2" } : {});
});

export const openapi = publicRoute("meta.openapi", async () =>
  openApiDocument({ includeLocal: process.env.KEYHOLD_RUNTIME === "local" }),
);
