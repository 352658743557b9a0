import type { Body, Catalog } from "../../api/model.ts";

/** The register wizard's pure parts: what is sent, which step an API error belongs to. */

export const registerSteps = ["purpose", "fields", "consent", "review"] as const;
export type RegisterStep = (typeof registerSteps)[number];

type RegisterBody = Body<"/clients", "post">;

export interface RegisterForm {
  collectionPurpose: RegisterBody["collectionPurpose"];
  source: RegisterBody["source"];
  /** ISO 8601 with offset. */
  acquiredAt: string;
  fields: Record<string, string | number | null | undefined>;
  consent: RegisterBody["consent"];
}

const filled = (v: unknown) => v !== undefined && v !== null && !(typeof v === "string" && v.trim() === "");

/**
 * The POST /clients body: only fields the purpose allows and that were filled in, amounts as numbers.
 * The API checks everything again; this only keeps the request to what the person entered.
 */
export function buildRegisterBody(form: RegisterForm, catalog: Catalog): RegisterBody {
  const allowed = new Set(catalog.collectionPurposes.find((p) => p.name === form.collectionPurpose)?.allows ?? []);
  const kinds = new Map(catalog.fields.map((f) => [f.name, f.kind]));
  const fields: Record<string, string | number> = {};
  for (const [name, raw] of Object.entries(form.fields)) {
    if (!allowed.has(name) || !filled(raw)) continue;
    fields[name] = kinds.get(name) === "amount" ? Number(raw) : String(raw).trim();
  }
  return {
    collectionPurpose: form.collectionPurpose,
    source: form.source,
    acquiredAt: form.acquiredAt,
    consent: {
      method: form.consent.method,
      evidenceRef: form.consent.evidenceRef.trim(),
      purposes: form.consent.purposes,
      sensitiveConsent: form.consent.sensitiveConsent,
    },
    fields,
  };
}

/** Tier-1 data was entered, so the client's separate consent is required (PIPL art. 29). */
export function needsSensitiveConsent(fields: RegisterForm["fields"], catalog: Catalog, purpose?: string): boolean {
  const allowed = purpose ? new Set(catalog.collectionPurposes.find((p) => p.name === purpose)?.allows ?? []) : null;
  return catalog.fields.some((f) => f.tier === 1 && (!allowed || allowed.has(f.name)) && filled(fields[f.name]));
}

/** The step where a form path lives (paths as `fieldErrors` gives them, without `body.`). */
export function stepOfPath(path: string): number {
  if (/^(collectionPurpose|source|acquiredAt|branchId)\b/.test(path)) return 0;
  if (/^fields\b/.test(path)) return 1;
  if (/^consent\b/.test(path)) return 2;
  return 3;
}

/**
 * The step to return to after a refusal: missing sensitive consent is fixed on the consent step even
 * though the API names the tier-1 fields; otherwise the earliest step with an error.
 */
export function stepForProblem(code: string, paths: string[]): number {
  if (code === "sensitive_consent_required") return 2;
  if (code === "duplicate_client") return 1;
  return paths.length ? Math.min(...paths.map(stepOfPath)) : 3;
}
