import { contactFields as catalogContactFields, isFieldName, maskValue } from "@keyhold/core/contract";

/**
 * The client list shows masks only (one screenshot must not take the client book). The API masks
 * them; should a value arrive in clear (an API from before that rule), the list masks it here with the
 * field catalog's own masks (core's catalog/catalog.ts).
 */

/** A field as a list cell shows it: the API's mask, or the catalog's mask applied here; never a clear value. */
export function listValue(field: { value: string | number; masked: boolean } | undefined, name: string): string {
  if (!field) return "—";
  if (field.masked) return String(field.value);
  return isFieldName(name) ? maskValue(name, field.value) : "******";
}

/** The owner's ways to reach the client, which the record shows masked with 显示 (reveal on demand). */
export const contactFields: readonly string[] = catalogContactFields;

/**
 * The list's search: over what the list itself shows (masks, the client id), never over clear
 * values, so it can find a surname or a phone's last four digits and nothing more.
 */
export function listMatches(
  client: { id: string; fields: Record<string, { value: string | number; masked: boolean }> },
  query: string,
): boolean {
  const q = query.trim().toLowerCase();
  if (!q) return true;
  const shown = [
    client.id,
    listValue(client.fields.fullName, "fullName"),
    listValue(client.fields.surname, "surname"),
    listValue(client.fields.phone, "phone"),
  ];
  return shown.some((s) => s.toLowerCase().includes(q));
}
