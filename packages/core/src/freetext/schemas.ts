import { z } from "zod";
import { personalDataLabels, scanPersonalData } from "./scan.ts";

/**
 * What may be typed into a request, decided property by property. Every string property of every
 * request body and query in the route table is built with one of these, so the decision sits next to
 * the property and a test (test/free-text.test.ts) walks the route table and fails on any string
 * property built without one.
 *
 * - `ref`: an opaque reference to evidence kept elsewhere (`paper:consent/0001`, `esign:8812`):
 *   `^[A-Za-z0-9:_./#-]{1,64}$`, scanned, stored and shown as it is.
 * - `sealed`: free text (details, notes, reasons, justifications, paper-file descriptions and
 *   locations): scanned, then sealed under the tenant key like a tier-2 field, masked in every view
 *   and revealed only through the gate (`notes/<id>` on the client's reveal, or the paper file's).
 * - `label`: short clear text that names an organisation, a role or a person on the staff (a share's
 *   recipient, a staff member's or a branch's name): scanned, stored and shown as it is.
 * - `id`: names a record or a catalog entry that must exist; refused otherwise, never free text.
 * - `value`: a client field's value, validated by the field catalog and sealed in its tier.
 * - `contact`: a staff member's own phone or e-mail, validated and sealed with the staff record.
 * - `filter`: a query parameter that selects or pages; never stored.
 */
export type FreeTextDecision = "ref" | "sealed" | "label" | "id" | "value" | "contact" | "filter";
export interface FreeTextMeta {
  decision: FreeTextDecision;
}

export const freeTextRegistry = z.registry<FreeTextMeta>();

/** The opaque-reference pattern, exact. */
export const REF_PATTERN = /^[A-Za-z0-9:_./#-]{1,64}$/;

/** The issue a personal-data hit raises; the HTTP layer answers it as 400 `personal_data_in_free_text`. */
export const PERSONAL_DATA_PARAM = "personalData";

function scan(value: string, ctx: z.RefinementCtx) {
  const kinds = scanPersonalData(value);
  if (!kinds.length) return;
  ctx.addIssue({
    code: "custom",
    message: `looks like ${kinds.map((k) => personalDataLabels[k].en).join(" and ")}: personal data belongs in the client's fields, not in free text`,
    params: { [PERSONAL_DATA_PARAM]: kinds },
  });
}

const decided = <T extends z.ZodType>(schema: T, decision: FreeTextDecision): T => {
  freeTextRegistry.add(schema as z.ZodType, { decision });
  return schema;
};

/**
 * An opaque reference, e.g. `paper:consent/0001`. Every check runs (none aborts), so a personal-data
 * hit is reported even when the text also breaks the pattern, and the HTTP layer answers that first.
 */
export const opaqueRef = (
  max = 64,
  message = "an opaque reference: letters, digits and : _ . / # - only, at most 64 characters (e.g. paper:consent/0001)",
) => {
  const pattern = z.string().trim().regex(REF_PATTERN, message);
  return decided((max < 64 ? pattern.max(max, message) : pattern).superRefine(scan), "ref");
};

/** Free text that is sealed at rest and masked in views. */
export const sealedText = (max: number, min = 1, message?: string) =>
  decided(z.string().trim().min(min, message).max(max).superRefine(scan), "sealed");

/** Short clear text naming an organisation, a role or a staff member. */
export const clearLabel = (max: number, min = 1, message?: string) =>
  decided(z.string().trim().min(min, message).max(max).superRefine(scan), "label");

/** A record's id (or a catalog name), as the routes have always accepted it. */
export const recordId = (max = 64) => decided(z.string().min(1).max(max), "id");

/** Marks a schema that already validates strictly (a pattern, the catalog) with its decision. */
export const markAs = <T extends z.ZodType>(
  schema: T,
  decision: Exclude<FreeTextDecision, "ref" | "sealed" | "label">,
): T => decided(schema, decision);

export const decisionOf = (schema: z.ZodType) => freeTextRegistry.get(schema)?.decision;

/** The personal-data issues among a parse's issues (their paths name the properties). */
export const personalDataIssues = (issues: readonly z.core.$ZodIssue[]) =>
  issues.filter(
    (i) =>
      i.code === "custom" && (i as { params?: Record<string, unknown> }).params?.[PERSONAL_DATA_PARAM] !== undefined,
  );
