import type { KeyringPort } from "../crypto/keyring.ts";
import { open, seal } from "../crypto/envelope.ts";
import type { StaffRecord } from "./records.ts";

/** A staff member's contact details, sealed under the tenant key: staff personal data is confidential too. */
export type Contact = { phone?: string; email?: string };

export const contactBinding = (tenantId: string, staffId: string) => ({
  tenantId,
  recordId: `STAFF#${staffId}`,
  context: { kind: "staff-contact" },
});

export const sealContact = (keyrings: KeyringPort, tenantId: string, staffId: string, contact: Contact) =>
  seal(keyrings, contactBinding(tenantId, staffId), contact);

/** The contact in clear, for use inside Keyhold (a call's own number); empty when none was recorded. */
export async function openContact(
  keyrings: KeyringPort,
  staff: Pick<StaffRecord, "tenantId" | "staffId" | "sealedContact">,
): Promise<Contact> {
  if (!staff.sealedContact) return {};
  return open<Contact>(keyrings, contactBinding(staff.tenantId, staff.staffId), staff.sealedContact);
}
