import { z } from "zod";
import { defineRoutes } from "../http/route-spec.ts";
import { breakGlassPurposes, consentPurposeNames, type BreakGlassPurpose } from "./catalog.ts";

const Label = z.object({ zh: z.string(), en: z.string() });
const Named = z.object({ name: z.string(), label: Label });
const TierNumber = z.union([z.literal(1), z.literal(2), z.literal(3)]);

export const CatalogDocument = z.object({
  tiers: z.array(z.object({ tier: TierNumber, label: Label })),
  fields: z.array(
    z.object({
      name: z.string(),
      tier: TierNumber,
      label: Label,
      kind: z.enum(["text", "amount"]),
      maxLength: z.number().nullable(),
      hint: z.boolean(),
      blindIndex: z.enum(["phone", "idNumber"]).nullable(),
      contact: z.boolean(),
    }),
  ),
  collectionPurposes: z.array(Named.extend({ refuses: z.array(z.string()), allows: z.array(z.string()) })),
  consentPurposes: z.array(Named.extend({ name: z.enum(consentPurposeNames) })),
  breakGlass: z.object({
    purposes: z.array(
      Named.extend({ name: z.enum(Object.keys(breakGlassPurposes) as [BreakGlassPurpose, ...BreakGlassPurpose[]]) }),
    ),
    minJustification: z.number(),
  }),
  sources: z.array(z.string()),
  consentMethods: z.array(z.string()),
  documents: z.object({
    kinds: z.array(Named.extend({ tier: TierNumber, shows: z.array(z.string()) })),
    contentTypes: z.array(z.string()),
    maxBytes: z.number(),
  }),
  freeText: z.object({
    tier: z.number(),
    mask: z.string(),
    notePath: z.string(),
    sources: z.array(
      z.object({
        name: z.string(),
        owner: z.enum(["client", "paper", "staff", "tenant"]),
        revealedBy: z.string().nullable(),
        label: Label,
      }),
    ),
  }),
  trailActions: z.array(
    z.object({ name: z.string(), label: Label, counts: z.enum(["reveal", "call", "volume_alert"]).nullable() }),
  ),
});

export const catalogRoutes = defineRoutes([
  {
    method: "GET",
    path: "/catalog",
    handler: "catalog.get",
    auth: "staff",
    action: "catalog.read",
    summary:
      "The field catalog: fields, tiers, labels, what each collection purpose refuses, consent purposes (no personal data)",
    success: { status: 200, schema: CatalogDocument },
  },
]);
