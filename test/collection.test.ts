import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Catalog } from "@keyhold/core";
import { scan, upload } from "./documents-fixtures.ts";
import { Vault, newClientBody, startVault, uniquePhone, uniqueResidentId } from "./harness.ts";

/**
 * "May this be collected" is one rule (catalog/catalog.ts `collectionRefusals`): registration,
 * correction (a fulfilled correction request) and a filed scan refuse the same thing with the same
 * problem code, and keep nothing of what they refused.
 */
let vault: Vault;
beforeAll(async () => {
  vault = await startVault();
});
afterAll(() => vault.stop());

const LI = "agent.li@anjia";
const ZHAO = "manager.zhao@anjia";
const WANG = "compliance.wang@anjia";
const CARD = "6228480402564890018";

async function registered(collectionPurpose: string, sensitiveConsent: boolean) {
  const body = newClientBody({ collectionPurpose, fields: { fullName: "收集测试", phone: uniquePhone() } });
  body.consent.sensitiveConsent = sensitiveConsent;
  const r = await vault.post("/clients", body, LI);
  expect(r.status, r.text).toBe(201);
  return r.body.id as string;
}

async function denials(query: string) {
  const r = await vault.get(`/audit?outcome=denied&limit=200&${query}`, WANG);
  expect(r.status).toBe(200);
  return r.body.items as { action: string; code: string; actor: { id?: string } }[];
}

/** The three ways a field reaches a client's record, each answering with its refusal. */
async function collect(collectionPurpose: string, sensitiveConsent: boolean, field: string, value: string) {
  const body = newClientBody({ collectionPurpose, fields: { fullName: "收集测试", [field]: value } });
  body.consent.sensitiveConsent = sensitiveConsent;
  const registration = await vault.post("/clients", body, LI);

  const clientId = await registered(collectionPurpose, sensitiveConsent);
  const request = await vault.post(
    `/clients/${clientId}/requests`,
    { type: "correction", channel: "email", evidenceRef: "mail:collect" },
    LI,
  );
  expect(request.status, request.text).toBe(201);
  const correction = await vault.post(`/requests/${request.body.id}/fulfil`, { field, value }, ZHAO);

  const kind = field === "bankAccount" ? "bank_card" : "id_card_front";
  const filed = await upload(vault, clientId, kind, await scan(), LI);
  return { registration, correction, upload: filed, clientId, requestId: request.body.id as string };
}

describe("registration, correction and scans refuse the same collection with the same code", () => {
  const cases = [
    {
      name: "a field the collection purpose does not need (a rental client's bank account)",
      purpose: "rental",
      sensitiveConsent: true,
      field: "bankAccount" as const,
      value: CARD,
      code: "field_not_allowed",
    },
    {
      name: "tier-1 data without the client's separate sensitive consent (an ID number)",
      purpose: "purchase",
      sensitiveConsent: false,
      field: "idNumber" as const,
      value: uniqueResidentId(),
      code: "sensitive_consent_required",
    },
  ];

  for (const c of cases) {
    it(c.name, async () => {
      // The rule itself, as the catalog states it.
      const rule = Catalog.collectionRefusals(
        { fields: [c.field], tier: Catalog.tierOf(c.field) },
        { collectionPurpose: c.purpose, sensitiveConsent: c.sensitiveConsent },
      );
      expect(rule.code).toBe(c.code);

      const { registration, correction, upload, clientId, requestId } = await collect(
        c.purpose,
        c.sensitiveConsent,
        c.field,
        c.value,
      );
      for (const [step, r] of Object.entries({ registration, correction, upload })) {
        expect([r.status, r.body.code], step).toEqual([400, c.code]);
        expect(r.text, step).not.toContain(c.value);
      }
      // Nothing was kept: no client from the refused registration, no field on the corrected client, no document.
      expect(registration.body.id).toBeUndefined();
      const client = await vault.get(`/clients/${clientId}`, LI);
      expect(client.status).toBe(200);
      expect(client.body.fields[c.field]).toBeUndefined();
      expect((await vault.get(`/clients/${clientId}/documents`, LI)).body.items).toEqual([]);
      const still = await vault.get(`/requests/${requestId}`, ZHAO);
      expect(still.body.status).toBe("open");

      // Each refusal is in the trail with the same code.
      const create = await denials(`action=client.create&actorId=agent.li`);
      expect(create.some((e) => e.code === c.code)).toBe(true);
      const fulfil = await denials(`action=request.fulfil&actorId=manager.zhao`);
      expect(fulfil.some((e) => e.code === c.code)).toBe(true);
      const scans = await denials(`action=document.upload&clientId=${clientId}`);
      expect(scans.map((e) => e.code)).toEqual([c.code]);
    });
  }
});
