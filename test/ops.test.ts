import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { UpdateCommand } from "@aws-sdk/lib-dynamodb";
import { Backups, Documents, Keys, Ops, Trail, type Adapters } from "@keyhold/core";
import { destroyDue, sealAll } from "../functions/jobs.ts";
import { Vault, newClientBody, startVault, uniquePhone } from "./harness.ts";
import { scan, upload } from "./documents-fixtures.ts";

/**
 * What the jobs report for the Alarms stack: the seal lag and the overdue destructions, as
 * embedded-metric log lines with the names and dimensions the alarms watch (core ops.ts), computed
 * against dynalite.
 */
const LI = "agent.li@anjia";
let vault: Vault;
let a: Adapters;
beforeAll(async () => {
  vault = await startVault();
  a = vault.runtime.adapters;
});
afterAll(() => vault.stop());

/** The embedded-metric lines a job writes to stdout while `run` runs. */
async function metricLines(run: () => Promise<unknown>) {
  const lines: Record<string, any>[] = [];
  const spy = vi.spyOn(process.stdout, "write").mockImplementation((chunk: string | Uint8Array) => {
    for (const line of String(chunk).split("\n")) {
      try {
        const parsed = JSON.parse(line);
        if (parsed?._aws?.CloudWatchMetrics) lines.push(parsed);
      } catch {
        // not a metric line
      }
    }
    return true;
  });
  try {
    await run();
  } finally {
    spy.mockRestore();
  }
  return lines;
}

const shifted = (ms: number): Adapters => ({ ...a, now: () => new Date(Date.now() + ms) });

async function setDestroyAfter(documentId: string, at: string) {
  await a.db.send(
    new UpdateCommand({
      TableName: a.tableName,
      Key: Keys.document("anjia", documentId),
      UpdateExpression: "SET destroyAfter = :t, gsi2sk = :s",
      ExpressionAttributeValues: { ":t": at, ":s": `${at}#${documentId}` },
    }),
  );
}

describe("the seal lag", () => {
  it("is the age of the oldest event no digest seals yet, and nothing once the trail is sealed", async () => {
    await vault.post("/clients", newClientBody({ fields: { fullName: "滞后", phone: uniquePhone() } }), LI);
    const tenMinutesOn = shifted(600_000);
    expect(await Trail.unsealedAgeSeconds(tenMinutesOn, "anjia")).toBeGreaterThanOrEqual(600);
    await Trail.sealTenant(tenMinutesOn, "anjia");
    expect(await Trail.unsealedAgeSeconds(tenMinutesOn, "anjia")).toBe(0);
  });

  it("is published by the seal job as SealLagSeconds, with the dimensions the alarm reads", async () => {
    await vault.post("/clients", newClientBody({ fields: { fullName: "发布", phone: uniquePhone() } }), LI);
    const lines = await metricLines(() => sealAll());
    expect(lines).toHaveLength(1);
    const [emf] = lines;
    expect(emf!._aws.CloudWatchMetrics).toEqual([
      {
        Namespace: Ops.metricsNamespace,
        Dimensions: [["service", "stage"]],
        Metrics: [{ Name: Ops.opsMetrics.sealLag.name, Unit: "Seconds" }],
      },
    ]);
    expect(emf).toMatchObject({ service: "keyhold", stage: "local" });
    expect(emf).toMatchObject(Ops.opsDimensions("local"));
    // The run just sealed everything (no settle time in the tests): nothing waits.
    expect(emf![Ops.opsMetrics.sealLag.name]).toBe(0);
  });
});

describe("overdue destructions", () => {
  it("counts what is still not destroyed a day after its date, and not what is merely due", async () => {
    const c = await vault.post("/clients", newClientBody({ fields: { fullName: "逾期", phone: uniquePhone() } }), LI);
    const late = await upload(vault, c.body.id, "other", await scan(), LI);
    const due = await upload(vault, c.body.id, "other", await scan(), LI);
    await setDestroyAfter(late.body.id, new Date(Date.now() - Documents.OVERDUE_AFTER_MS - 3_600_000).toISOString());
    await setDestroyAfter(due.body.id, new Date(Date.now() - 3_600_000).toISOString());
    const before = await Documents.overdue(a);
    expect(before.documents).toBe(1);
    expect(before.total).toBeGreaterThanOrEqual(1);

    // The destruction job destroys both, then reports what is still overdue: nothing of these.
    const lines = await metricLines(() => destroyDue());
    expect(lines).toHaveLength(1);
    expect(lines[0]!._aws.CloudWatchMetrics[0].Metrics).toEqual([
      { Name: Ops.opsMetrics.destructionOverdue.name, Unit: "Count" },
    ]);
    expect(lines[0]![Ops.opsMetrics.destructionOverdue.name]).toBe((await Documents.overdue(a)).total);
    for (const id of [late.body.id, due.body.id]) {
      const doc = await Documents.getDocument(a, "anjia", id);
      expect(doc?.status).toBe("destroyed");
      // Each certificate says when the last backup copy holding the document expires.
      expect(doc!.certificate!.backupCopiesExpireBy).toBe(
        new Date(Date.parse(doc!.certificate!.destroyedAt) + Backups.retention.local * 86_400_000).toISOString(),
      );
    }
    expect((await Documents.overdue(a)).documents).toBe(0);
  });
});

describe("backup retention", () => {
  it("is 35 days in prod and offline, a week on other AWS stages, never past what PITR can keep", () => {
    expect(Backups.daysForStage("prod")).toBe(35);
    expect(Backups.daysForStage("dev")).toBe(7);
    expect(Backups.daysFor({})).toBe(Backups.retention.local);
    expect(Backups.daysFor({ backupRetentionDays: 7 })).toBe(7);
    for (const days of [...Object.values(Backups.retention)]) expect(days).toBeLessThanOrEqual(Backups.MAX_DAYS);
    expect(Backups.copiesExpireBy({ backupRetentionDays: 7 }, "2026-12-01T00:00:00.000Z")).toBe(
      "2026-12-08T00:00:00.000Z",
    );
  });
});
