import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { SettingsPatch } from "./settings.ts";

const Settings = z.object({
  requiredAgreementVersion: z.string(),
  revealQuotaPerHour: z.number(),
  accessPolicy: z.record(z.string(), z.unknown()),
});


export const tenancyRoutes = defineRoutes([
  {
    method: "GET",
    path: "/settings",
    handler: "settings.get",
    auth: "staff",
    action: "settings.read",
    summary: "The tenant's settings (HQ admin, compliance officer)",
    success: { status: 200, schema: Settings },
  },
  {
    method: "PATCH",
    path: "/settings",
    handler: "settings.update",
    auth: "staff",
    action: "settings.update",
    summary: "Change tenant settings; the access policy may only be tightened (HQ admin)",
    body: SettingsPatch,
    success: { status: 200, schema: Settings },
  },
]);
