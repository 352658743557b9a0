import type { Catalog } from "../../api/model.ts";

/** Extensions the console recognises when a browser reports no type (the API decides by content). */
const byExtension: Record<string, string> = {
  jpg: "image/jpeg",
  jpeg: "image/jpeg",
  png: "image/png",
  pdf: "application/pdf",
};

export type UploadCheck =
  | { ok: true; contentType: string }
  | { ok: false; reason: "empty" | "type" | "size"; maxBytes: number; allowed: string[] };

/**
 * Checks a file before it is sent: a type the API stores (JPEG, PNG, PDF) and no larger than its
 * limit. The API checks again by the file's bytes; this spares a 5 MB upload that would be refused.
 */
export function checkUpload(
  file: { name: string; type: string; size: number },
  limits: Pick<NonNullable<Catalog["documents"]>, "contentTypes" | "maxBytes">,
): UploadCheck {
  const allowed = limits.contentTypes;
  const ext = file.name.toLowerCase().split(".").pop() ?? "";
  const contentType = allowed.includes(file.type) ? file.type : (byExtension[ext] ?? file.type);
  const fail = (reason: "empty" | "type" | "size"): UploadCheck => ({
    ok: false,
    reason,
    maxBytes: limits.maxBytes,
    allowed,
  });
  if (!allowed.includes(contentType)) return fail("type");
  if (file.size === 0) return fail("empty");
  if (file.size > limits.maxBytes) return fail("size");
  return { ok: true, contentType };
}

/** 5242880 → "5 MB", 834000 → "814 KB". */
export function formatBytes(n: number | null | undefined): string {
  if (n === null || n === undefined) return "—";
  if (n >= 1024 * 1024 * 1024) return `${Math.round((n / (1024 * 1024 * 1024)) * 10) / 10} GB`;
  if (n >= 1024 * 1024) return `${Math.round((n / (1024 * 1024)) * 10) / 10} MB`;
  if (n >= 1024) return `${Math.round(n / 1024)} KB`;
  return `${n} B`;
}

/** The kinds a collection purpose lets this client hold: a scan may show only fields the purpose allows. */
export function kindsFor(catalog: Catalog, collectionPurpose: string) {
  const allows = new Set(
    catalog.collectionPurposes.find((p) => p.name === collectionPurpose)?.allows ?? catalog.fields.map((f) => f.name),
  );
  return (catalog.documents?.kinds ?? []).filter((k) => k.shows.every((f) => allows.has(f)));
}
