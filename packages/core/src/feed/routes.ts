import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";

export const feedRoutes = defineRoutes([
  {
    method: "POST",
    path: "/settings/feed/secret",
    handler: "feed.rotateSecret",
    roles: ["hq_admin"],
    auth: "staff",
    action: "feed.secret",
    summary:
      "A new secret for the trail feed's webhook signatures (HMAC-SHA256 of the body, header x-keyhold-signature), answered this once (HQ admin)",
    success: { status: 201, schema: z.object({ secret: z.string() }) },
  },
]);
