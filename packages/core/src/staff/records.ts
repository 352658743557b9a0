import type { Adapters, Role } from "../context.ts";
import { Keys, tenantPk } from "../store/keys.ts";
import { getItem, putItem, queryPage } from "../store/table.ts";
import { track } from "../compliance/counters.ts";
import { ofStaff } from "../compliance/contributions.ts";
import { checklistItems, type BackgroundCheckStatus, type ChecklistItem } from "./values.ts";

export type StaffStatus = "active" | "offboarding" | "departed";
export type { BackgroundCheckStatus };

export interface StaffRecord {
  tenantId: string;
  staffId: string;
  username: string;
  displayName: string;
  role: Role;
  branchId: string | null;
  status: StaffStatus;
  /** Bumped on revocation; tokens carrying an older version are refused. */
  sessionVersion: number;
  agreement: { version: string; signedAt: string; evidenceRef: string; recordedBy?: string } | null;
  /** A passed check is applied only once a second person confirms it (`confirmedBy`). */
  backgroundCheck: {
    status: BackgroundCheckStatus;
    checkedAt: string;
    recordedBy: string;
    confirmedBy?: string;
  } | null;
  /** Every agreement ever signed, oldest first (the current one is also `agreement`). */
  agreementHistory?: { version: string; signedAt: string; evidenceRef: string; recordedBy: string }[];
  /** Contact details, sealed under the tenant key: staff personal data is confidential too. */
  sealedContact?: Uint8Array;
  createdAt?: string;
  /** When the role last changed (a hand-over to someone promoted days ago needs a second person). */
  roleChangedAt?: string;
  offboarding?: Offboarding;
  /**
   * The `sub` the agency's OIDC provider gives this person, linked by an admin (identity/federation.ts):
   * a federated sign-in reaches only a staff record linked this way, and never creates one.
   */
  federatedSubject?: string;
  /** A resignation is known (notice period): the anomaly detector flags client-data use until the person leaves. */
  notice?: { since: string; lastDay: string; setBy: string };
  /** Held by the anomaly detector pending the compliance officer's review of its alert: no session is admitted. */
  hold?: { alertId: string; kind: string; at: string };
  /** The confirmed proposal that created this account: how a confirmation resumed after a crash knows it landed. */
  createdByChange?: string;
  /** Optimistic-concurrency revision, bumped by every conditional save. */
  rev?: number;
}

export { checklistItems, type ChecklistItem } from "./values.ts";

export const emptyChecklist = () =>
  Object.fromEntries(checklistItems.map((i) => [i, null])) as Offboarding["checklist"];

export interface Offboarding {
  startedAt: string;
  startedBy: string;
  handoverTo: string;
  lastDay: string;
  /** `notes/<id>`: the reason, sealed as a note of the staff member. */
  reasonRef?: string;
  /** Only on offboardings started before free text was sealed; never shown in clear. */
  reason?: string;
  reassignedClients: number;
  /** The intent that began it: offboardings begun as state machines recount from the clients' hand-over history. */
  intentId?: string;
  checklist: Record<ChecklistItem, { closedAt: string; closedBy: string; evidenceRef: string } | null>;
  departedAt?: string;
  /** The four-eyes change a hand-over to a new account waits on (see staff/changes.ts). */
  handoverChange?: string;
}

export async function getStaff(a: Adapters, tenantId: string, staffId: string): Promise<StaffRecord | undefined> {
  const item = await getItem<StaffRecord>(a, Keys.staff(tenantId, staffId));
  return item ? strip(item) : undefined;
}

export async function findStaffByUsername(
  a: Adapters,
  tenantId: string,
  username: string,
): Promise<StaffRecord | undefined> {
  const link = await getItem<{ staffId: string }>(a, Keys.username(tenantId, username));
  return link ? getStaff(a, tenantId, link.staffId) : undefined;
}

export async function listStaff(a: Adapters, tenantId: string): Promise<StaffRecord[]> {
  const out: StaffRecord[] = [];
  let cursor: string | null = null;
  do {
    const page: { items: StaffRecord[]; nextCursor: string | null } = await queryPage<StaffRecord>(a, {
      partition: tenantPk(tenantId),
      sortPrefix: "STAFF#",
      limit: 500,
      cursor,
    });
    out.push(...page.items.map(strip));
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

/**
 * Writes a changed record only if nobody changed it since it was read (its `rev`), so two admins
 * acting at once cannot silently undo each other; the loser gets ConditionalCheckFailedException.
 */
export async function saveStaffIf(a: Adapters, staff: StaffRecord, previous: StaffRecord) {
  const rev = previous.rev ?? 0;
  await putItem(
    a,
    { ...Keys.staff(staff.tenantId, staff.staffId), type: "staff", ...staff, rev: rev + 1 },
    previous.rev === undefined
      ? { expression: "attribute_not_exists(rev)" }
      : { expression: "rev = :rev", values: { ":rev": rev } },
  );
  await track(a, staff.tenantId, ofStaff(previous), ofStaff(staff));
}

export async function saveStaff(a: Adapters, staff: StaffRecord) {
  const previous = await getStaff(a, staff.tenantId, staff.staffId);
  await putItem(a, { ...Keys.staff(staff.tenantId, staff.staffId), type: "staff", ...staff });
  await linkUsername(a, staff);
  await track(a, staff.tenantId, ofStaff(previous), ofStaff(staff));
}

/** The username's link to its record (idempotent): written after the record, so a crash between leaves no dangling link. */
export const linkUsername = (a: Adapters, staff: Pick<StaffRecord, "tenantId" | "username" | "staffId">) =>
  putItem(a, { ...Keys.username(staff.tenantId, staff.username), type: "username", staffId: staff.staffId });

function strip<T extends object>(item: T): T {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item as Record<string, unknown>;
  return rest as T;
}
