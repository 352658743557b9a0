import { MIN_JUSTIFICATION } from "../access/policy.ts";
import { describeTrailActions } from "../trail/actions.ts";
import { ConsentInput, RegisterClientRequest } from "../clients/schemas.ts";
import { MAX_DOCUMENT_BYTES, contentTypeNames, documentKinds } from "../documents/kinds.ts";
import {
  allowedFields,
  breakGlassPurposes,
  type BreakGlassPurpose,
  collectionPurposeNames,
  collectionPurposes,
  consentPurposeNames,
  consentPurposes,
  fieldCatalog,
  fieldNames,
  FREE_TEXT_MASK,
  FREE_TEXT_TIER,
  freeTextSources,
  tierLabels,
  tiers,
} from "./catalog.ts";

type Def = { type?: string };
const defOf = (schema: unknown): Def => ((schema as { _zod?: { def?: Def } })._zod?.def ?? {}) as Def;
const enumValues = (schema: unknown): string[] => (schema as { options?: string[] }).options ?? [];

/**
 * The field catalog as the console reads it (`GET /catalog`): names, tiers, labels, which
 * collection purpose refuses which field, the purposes a client can consent to, and the kinds of
 * scanned document with what an upload may be. It is derived from `catalog.ts`, the registration
 * schema and `documents/kinds.ts`, so the forms offer exactly what the API accepts.
 * No validator, mask or value leaves: only names and labels.
 */
export function describeCatalog() {
  return {
    tiers: tiers.map((tier) => ({ tier, label: tierLabels[tier] })),
    fields: fieldNames.map((name) => {
      const spec = fieldCatalog[name];
      const def = defOf(spec.schema);
      const maxLength = (spec.schema as { maxLength?: number | null }).maxLength ?? null;
      return {
        name,
        tier: spec.tier,
        label: spec.label,
        kind: def.type === "number" ? ("amount" as const) : ("text" as const),
        maxLength,
        hint: "hint" in spec && spec.hint === true,
        blindIndex: "blindIndex" in spec ? spec.blindIndex : null,
        /** Masked in every view, even the owner's; shown by a reveal for a purpose. */
        contact: "contact" in spec && spec.contact === true,
      };
    }),
    collectionPurposes: collectionPurposeNames.map((name) => ({
      name,
      label: collectionPurposes[name].label,
      refuses: [...collectionPurposes[name].refuses],
      allows: allowedFields(name),
    })),
    consentPurposes: consentPurposeNames.map((name) => ({ name, label: consentPurposes[name] })),
    breakGlass: {
      purposes: (Object.keys(breakGlassPurposes) as BreakGlassPurpose[]).map((name) => ({
        name,
        label: breakGlassPurposes[name],
      })),
      minJustification: MIN_JUSTIFICATION,
    },
    sources: enumValues(RegisterClientRequest.shape.source),
    consentMethods: enumValues(ConsentInput.shape.method),
    documents: {
      kinds: Object.entries(documentKinds).map(([name, k]) => ({
        name,
        tier: k.tier,
        label: k.label,
        shows: [...k.shows],
      })),
      contentTypes: [...contentTypeNames],
      maxBytes: MAX_DOCUMENT_BYTES,
    },
    freeText: {
      tier: FREE_TEXT_TIER,
      mask: FREE_TEXT_MASK,
      notePath: "notes/<id>",
      sources: Object.entries(freeTextSources).map(([name, s]) => ({
        name,
        owner: s.owner,
        revealedBy: s.revealedBy,
        label: s.label,
      })),
    },
    // The trail's actions with their labels and what each counts toward (trail/actions.ts).
    trailActions: describeTrailActions(),
  };
}
