import { Staff, type Adapters } from "@keyhold/core";
import { demoTenants, platformTenant } from "./demo.ts";

/**
 * The demo users for the console's sign-in picker: the seed list, less anyone who can no longer
 * sign in (offboarding or departed, the same rule as `/local/login`), so a leaver is not offered.
 * A user whose record cannot be read stays listed: the picker is a convenience, login decides.
 */
export async function pickerTenants(a: Adapters) {
  return Promise.all(
    [...demoTenants, platformTenant].map(async (t) => {
      const users = await Promise.all(
        t.users.map(async (u) => {
          const staff = await Staff.getStaff(a.forTenant(t.tenantId), t.tenantId, u.staffId).catch(() => undefined);
          return staff && staff.status !== "active" ? undefined : u;
        }),
      );
      return {
        tenantId: t.tenantId,
        name: t.name,
        branches: t.branches,
        users: users
          .filter((u) => u !== undefined)
          .map((u) => ({
            username: u.username,
            displayName: u.displayName,
            role: u.role,
            branchId: u.branchId,
            agreementSigned: u.agreementSigned,
            backgroundCheck: u.backgroundCheck,
          })),
      };
    }),
  );
}
