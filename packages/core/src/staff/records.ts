import type { Adapters, Role } from "../context.ts";
import { Keys } from "../store/keys.ts";
import { getItem, putItem } from "../store/table.ts";

export type StaffStatus = "active" | "offboarding" | "departed";
export type BackgroundCheckStatus = "pending" | "passed" | "failed";

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
  agreement: { version: string; signedAt: string; evidenceRef: string } | null;
  backgroundCheck: { status: BackgroundCheckStatus; checkedAt: string; recordedBy: string } | null;
}

export async function getStaff(a: Adapters, tenantId: string, staffId: string): Promise<StaffRecord | undefined> {
  const item = await getItem<StaffRecord>(a, Keys.staff(tenantId, staffId));
  return item ? strip(item) : undefined;
}

export async function findStaffByUsername(a: Adapters, tenantId: string, username: string): Promise<StaffRecord | undefined> {
  const link = await getItem<{ staffId: string }>(a, Keys.username(tenantId, username));
  return link ? getStaff(a, tenantId, link.staffId) : undefined;
}

export async function saveStaff(a: Adapters, staff: StaffRecord) {
  await putItem(a, { ...Keys.staff(staff.tenantId, staff.staffId), type: "staff", ...staff });
  await putItem(a, { ...Keys.username(staff.tenantId, staff.username), type: "username", staffId: staff.staffId });
}

function strip<T extends object>(item: T): T {
  const { pk: _pk, sk: _sk, type: _type, ...rest } = item as Record<string, unknown>;
  return rest as T;
}
