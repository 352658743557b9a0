/**
 * The client list shows masks only (one screenshot must not take the client book). The API masks
 * them; should a value arrive in clear (an API from before that rule), the list masks it here the
 * way the field catalog does (packages/core/src/catalog/catalog.ts; a unit test holds the two together).
 */

const stars = (n: number) => "*".repeat(Math.max(0, n));
const keepEdges = (value: string, head: number, tail: number) =>
  value.length <= head + tail
    ? stars(value.length)
    : value.slice(0, head) + stars(value.length - head - tail) + value.slice(value.length - tail);

const masks: Record<string, (v: string) => string> = {
  fullName: (v) => v.slice(0, 1) + "**",
  surname: (v) => v.slice(0, 1) + "*",
  phone: (v) => keepEdges(v, 3, 4),
  email: (v) => {
    const [local = "", domain = ""] = v.split("@");
    return `${local.slice(0, 1)}***@${domain}`;
  },
  wechat: (v) => v.slice(0, 2) + "****",
  idNumber: (v) => keepEdges(v, 4, 4),
  bankAccount: (v) => "****" + v.slice(-4),
  workPhone: (v) => stars(v.length - 4) + v.slice(-4),
};

/** A field as a list cell shows it: the API's mask, or a mask made here; never a clear value. */
export function listValue(field: { value: string | number; masked: boolean } | undefined, name: string): string {
  if (!field) return "—";
  if (field.masked) return String(field.value);
  const mask = masks[name];
  return mask ? mask(String(field.value)) : "******";
}

/** The owner's ways to reach the client, which the record shows masked with 显示 (reveal on demand). */
export const contactFields: readonly string[] = ["phone", "email", "wechat"];

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
