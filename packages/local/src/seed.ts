import { Clients, Keys, Problem, Staff, Store, Tenancy, contextFor, type Adapters, type Ctx } from "@keyhold/core";
import { AGREEMENT_VERSION, demoClients, demoConsentRef, demoTenants, platformTenant } from "./demo.ts";
import type { LocalKeystore } from "./keystore.ts";

const SEED_MARKER = "SEED#demo-v1";
/** How long ago the demo staff joined. */
export const DEMO_STAFF_AGE_DAYS = 90;

/** Seeds the demo tenants once; a partial seed (a crash half-way) is completed on the next start. */
export async function seedDemo(adapters: Adapters, keystore: LocalKeystore): Promise<boolean> {
  let seeded = false;
  for (const tenant of [platformTenant, ...demoTenants]) {
    const marker = { pk: Keys.tenant(tenant.tenantId).pk, sk: SEED_MARKER };
    if (await Store.getItem(adapters, marker)) continue;
    seeded = true;
    keystore.createTenantKey(tenant.tenantId);
    const now = adapters.now().toISOString();
    const tenantRecord: Tenancy.TenantRecord = {
      tenantId: tenant.tenantId,
      name: tenant.name,
      status: "active",
      createdAt: now,
      settings: { ...Tenancy.defaultSettings, requiredAgreementVersion: AGREEMENT_VERSION },
    };
    await Tenancy.saveTenant(adapters, tenantRecord);
    await Tenancy.saveRegistryEntry(adapters, tenantRecord);
    for (const b of tenant.branches) await Tenancy.saveBranch(adapters, { tenantId: tenant.tenantId, ...b });
    // The demo staff joined long ago: none counts as a days-old account (a hand-over to one waits
    // for a second person), and their agreements and checks predate everything else.
    const joined = new Date(adapters.now().getTime() - DEMO_STAFF_AGE_DAYS * 86_400_000).toISOString();
    for (const u of tenant.users) {
      await Staff.saveStaff(adapters, {
        tenantId: tenant.tenantId,
        staffId: u.staffId,
        username: u.username,
        displayName: u.displayName,
        role: u.role,
        branchId: u.branchId,
        status: "active",
        sessionVersion: 1,
        agreement: u.agreementSigned
          ? { version: AGREEMENT_VERSION, signedAt: joined, evidenceRef: `paper:agreement/${u.staffId}` }
          : null,
        backgroundCheck: u.backgroundCheck
          ? { status: u.backgroundCheck, checkedAt: joined, recordedBy: "hq.admin" }
          : null,
        createdAt: joined,
        sealedContact: await Staff.sealContact(adapters.keyrings, tenant.tenantId, u.staffId, { phone: u.phone }),
      });
    }
    for (const [index, c] of (demoClients[tenant.tenantId] ?? []).entries()) {
      const owner = tenant.users.find((u) => u.staffId === c.owner)!;
      const ctx: Ctx = contextFor(
        {
          tenantId: tenant.tenantId,
          staffId: owner.staffId,
          role: owner.role,
          branchId: owner.branchId,
          sessionVersion: 1,
          displayName: owner.displayName,
          agreementSigned: true,
          cleared: owner.backgroundCheck === "passed",
        },
        tenantRecord,
        "seed",
        adapters,
      );
      try {
        await Clients.register(ctx, {
          collectionPurpose: c.collectionPurpose,
          source: c.source,
          acquiredAt: now,
          // An opaque reference to the signed form in the branch's files; never the client's name.
          consent: {
            method: "written",
            evidenceRef: demoConsentRef(tenant.tenantId, index),
            purposes: c.purposes,
            sensitiveConsent: c.sensitiveConsent,
          },
          fields: c.fields,
        });
      } catch (e) {
        // Already registered by an interrupted earlier seed.
        if (!(e instanceof Problem && e.code === "duplicate_client")) throw e;
      }
    }
    await Store.putItem(adapters, { ...marker, type: "seed", at: now });
  }
  await addDemoPhones(adapters);
  return seeded;
}

const PHONES_MARKER = "SEED#demo-phones-v1";

/**
 * Data seeded before demo staff had phones gets them once (a staff member given a contact since
 * keeps it), so the privacy-number simulator works on an existing `.data/` too.
 */
async function addDemoPhones(adapters: Adapters) {
  for (const tenant of [platformTenant, ...demoTenants]) {
    const marker = { pk: Keys.tenant(tenant.tenantId).pk, sk: PHONES_MARKER };
    if (await Store.getItem(adapters, marker)) continue;
    for (const u of tenant.users) {
      const staff = await Staff.getStaff(adapters, tenant.tenantId, u.staffId);
      if (!staff || staff.sealedContact) continue;
      await Staff.saveStaff(adapters, {
        ...staff,
        sealedContact: await Staff.sealContact(adapters.keyrings, tenant.tenantId, u.staffId, { phone: u.phone }),
      });
    }
    await Store.putItem(adapters, { ...marker, type: "seed", at: adapters.now().toISOString() });
  }
}
