import { expect } from "vitest";
import { QueryCommand } from "@aws-sdk/lib-dynamodb";
import {
  Compliance,
  Keys,
  Recovery,
  Staff,
  Tenancy,
  contextFor,
  tenantPk,
  type Adapters,
  type Ctx,
} from "@keyhold/core";
import type { Vault } from "./harness.ts";

/**
 * A second "process" over the same data as the vault: its ports die the moment the fault hook
 * fires at the named step, as under `kill -9` — nothing it tries afterwards (an undo in a catch
 * block included) reaches the table, the blob store, the identity provider or the key store. Its
 * clock runs ten minutes behind, so by the time recovery looks, its leases have run out.
 */
export function doomed(vault: Vault, step: string, clockOffsetMs = -10 * 60_000) {
  const base = vault.runtime.adapters;
  let dead = false;
  const mortal = <T extends object>(port: T): T =>
    new Proxy(port, {
      get(target, key) {
        const value = Reflect.get(target, key);
        if (typeof value !== "function") return value;
        return (...args: unknown[]) =>
          dead ? Promise.reject(new Error("the process is dead")) : value.apply(target, args);
      },
    });
  const adapters: Adapters = {
    ...base,
    db: mortal(base.db),
    blobs: mortal(base.blobs),
    identity: mortal(base.identity),
    tenantKeys: mortal(base.tenantKeys),
    now: () => new Date(Date.now() + clockOffsetMs),
    faults: (s) => {
      if (s === step) {
        dead = true;
        throw new Recovery.InjectedCrash(s);
      }
    },
    // The doomed process's contexts keep its mortal ports and its clock; each tenant's set is still
    // confined to that tenant, as in the real process.
    forTenant: (tenantId) =>
      Tenancy.isolate(adapters, {
        platformTenant: "platform",
        open: () => ({ db: adapters.db, blobs: adapters.blobs, keyrings: adapters.keyrings }),
      }).forTenant(tenantId),
  };
  return { adapters, crashed: () => dead };
}

/** Runs a write in a doomed process and checks it really died at that step. */
export async function crashAt(vault: Vault, step: string, write: (a: Adapters) => Promise<unknown>) {
  const p = doomed(vault, step);
  await expect(write(p.adapters)).rejects.toThrow();
  expect(p.crashed(), `the write reached ${step}`).toBe(true);
}

/** A use-case context for a staff member, over the given adapters. */
export async function ctxOf(vault: Vault, a: Adapters, tenantId: string, staffId: string): Promise<Ctx> {
  const base = vault.runtime.adapters;
  const staff = (await Staff.getStaff(base, tenantId, staffId))!;
  const tenant = (await Tenancy.getTenant(base, tenantId))!;
  return contextFor(
    {
      tenantId,
      staffId,
      role: staff.role,
      branchId: staff.branchId,
      sessionVersion: staff.sessionVersion,
      displayName: staff.displayName,
      agreementSigned: true,
      cleared: staff.backgroundCheck?.status === "passed",
    },
    tenant,
    `fault-${staffId}-${Math.random().toString(36).slice(2)}`,
    a,
    // The platform operator acts on other tenants in turn, as its routes do.
    { platform: staff.role === "platform_admin" },
  );
}

type Raw = Record<string, any>;

/** Every item of a partition (or an index partition), read straight from the table. */
export async function raw(
  vault: Vault,
  pk: string,
  options: { prefix?: string; index?: "gsi1" | "gsi2" } = {},
): Promise<Raw[]> {
  const a = vault.runtime.adapters;
  const pkAttr = options.index ? `${options.index}pk` : "pk";
  const skAttr = options.index ? `${options.index}sk` : "sk";
  const items: Raw[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const out = await a.db.send(
      new QueryCommand({
        TableName: a.tableName,
        IndexName: options.index,
        KeyConditionExpression: options.prefix ? "#pk = :pk AND begins_with(#sk, :p)" : "#pk = :pk",
        ExpressionAttributeNames: { "#pk": pkAttr, ...(options.prefix ? { "#sk": skAttr } : {}) },
        ExpressionAttributeValues: { ":pk": pk, ...(options.prefix ? { ":p": options.prefix } : {}) },
        ExclusiveStartKey: start,
      }),
    );
    items.push(...(out.Items ?? []));
    start = out.LastEvaluatedKey;
  } while (start);
  return items;
}

const eventsOfClient = (vault: Vault, tenantId: string, clientId: string) =>
  raw(vault, Keys.eventsOfClient(tenantId, clientId), { index: "gsi2" });

const sum = (into: Record<string, number>, add: Record<string, number>) => {
  for (const [k, v] of Object.entries(add)) into[k] = (into[k] ?? 0) + v;
};
const nonZero = (o: Raw) =>
  Object.fromEntries(Object.entries(o).filter(([k, v]) => typeof v === "number" && v !== 0 && k !== "rev"));
const dayOf = (d: Date) => d.toISOString().slice(0, 10);

/**
 * The invariants a crash and its recovery must leave, checked against the raw items:
 * - no intent left over;
 * - every visible client has its `client.create` event and its destruction-queue entry, and every
 *   queue entry belongs to a live client at that date;
 * - every destroyed client and document has exactly one certificate in the trail, with its id;
 * - every blind-index claim is held by a live client that lists it (no claim left behind), and
 *   every claim a live client lists is its own;
 * - every counter equals its recomputation from the raw items: compliance gauges, due buckets and
 *   today's activity, storage, seats, and each offboarding's hand-over count.
 */
export async function expectInvariants(vault: Vault, tenantId = "anjia") {
  const t = tenantPk(tenantId);
  expect(await raw(vault, Keys.intents(tenantId)), "no unfinished intent").toEqual([]);
  const clients = await raw(vault, t, { prefix: "CLIENT#" });
  const byId = new Map(clients.map((c) => [c.clientId as string, c]));
  const queue = await raw(vault, Keys.clientDestructionQueue(tenantId));
  const claims = await raw(vault, t, { prefix: "BI#" });

  for (const c of clients) {
    const events = await eventsOfClient(vault, tenantId, c.clientId);
    expect(c.destruction, `${c.clientId} has no destruction left half-done`).toBeUndefined();
    if (!c.destroyed) {
      expect(
        events.some((e) => e.action === "client.create" && e.outcome === "allowed"),
        `${c.clientId} has its client.create event`,
      ).toBe(true);
      expect(
        queue.map((q) => q.sk),
        `${c.clientId} is queued at its date`,
      ).toContain(`${c.destroyAfter}#${c.clientId}`);
      for (const sk of c.blindIndex ?? [])
        expect(claims.find((x) => x.sk === sk)?.clientId, `${c.clientId} holds ${sk}`).toBe(c.clientId);
    } else {
      const certs = events.filter((e) => e.action === "client.destroyed" && e.outcome === "allowed");
      expect(
        certs.map((e) => e.detail.certificateId),
        `${c.clientId} has exactly one certificate`,
      ).toEqual([c.destroyed.certificateId]);
    }
  }
  for (const q of queue) {
    const c = byId.get(q.clientId);
    expect(
      Boolean(c && !c.destroyed && `${c.destroyAfter}#${c.clientId}` === q.sk),
      `queue entry ${q.sk} belongs to a live client at that date`,
    ).toBe(true);
  }
  for (const claim of claims) {
    const c = byId.get(claim.clientId);
    expect(
      Boolean(c && !c.destroyed && (c.blindIndex ?? []).includes(claim.sk)),
      `claim ${claim.sk} is held by a live client that lists it`,
    ).toBe(true);
  }

  const documents = await raw(vault, t, { prefix: "DOC#" });
  for (const d of documents.filter((x) => x.status === "destroyed")) {
    const certs = (await eventsOfClient(vault, tenantId, d.clientId)).filter(
      (e) => e.action === "document.destroyed" && e.detail?.documentId === d.documentId,
    );
    expect(
      certs.map((e) => e.detail.certificateId),
      `${d.documentId} has exactly one certificate`,
    ).toEqual([d.certificate.certificateId]);
  }

  // Counters against a recomputation from scratch.
  const staff = await Staff.listStaff(vault.runtime.adapters, tenantId);
  const gauges = new Map<string, Record<string, number>>();
  const due = new Map<string, Record<string, number>>();
  const take = (c: Compliance.Contribution | undefined) => {
    if (!c) return;
    const b = c.branchId || "-";
    sum(gauges.get(b) ?? gauges.set(b, {}).get(b)!, c.gauges);
    if (c.due)
      sum(due.get(`${b}|${c.due.day}`) ?? due.set(`${b}|${c.due.day}`, {}).get(`${b}|${c.due.day}`)!, c.due.counts);
  };
  for (const s of staff) take(Compliance.ofStaff(s));
  for (const c of clients) take(Compliance.ofClient({ ...c, fieldTiers: c.fieldTiers ?? {} } as never));
  for (const r of await raw(vault, t, { prefix: "DSR#" })) take(Compliance.ofRequest(r as never));
  for (const f of await raw(vault, t, { prefix: "PAPER#" })) take(Compliance.ofPaperFile(f as never));
  const storedGauges = new Map((await raw(vault, Keys.gauges(tenantId))).map((g) => [g.sk as string, nonZero(g)]));
  for (const b of new Set([...gauges.keys(), ...storedGauges.keys()])) {
    expect(storedGauges.get(b) ?? {}, `gauges of ${tenantId}/${b}`).toEqual(nonZero(gauges.get(b) ?? {}));
  }
  const branches = [
    ...new Set(["-", ...(await Tenancy.listBranches(vault.runtime.adapters, tenantId)).map((b) => b.branchId)]),
  ];
  for (const b of branches) {
    const stored = new Map((await raw(vault, Keys.dueOf(tenantId, b))).map((d) => [`${b}|${d.sk}`, nonZero(d)]));
    const expected = new Map([...due].filter(([k]) => k.startsWith(`${b}|`)));
    for (const k of new Set([...stored.keys(), ...expected.keys()]))
      expect(stored.get(k) ?? {}, `due bucket ${tenantId}/${k}`).toEqual(nonZero(expected.get(k) ?? {}));
  }
  for (const day of new Set([dayOf(new Date()), dayOf(new Date(Date.now() - 10 * 60_000))])) {
    const daily = new Map<string, Record<string, number>>();
    for (const e of await raw(vault, Keys.eventDay(tenantId, day))) {
      const b = e.target.branchId ?? e.actor.branchId ?? "-";
      sum(daily.get(b) ?? daily.set(b, {}).get(b)!, Compliance.dailyOf(e as never));
    }
    for (const b of branches) {
      const stored = (await raw(vault, Keys.dailyOf(tenantId, b))).find((d) => d.sk === day) ?? {};
      expect(nonZero(stored), `activity of ${tenantId}/${b} on ${day}`).toEqual(nonZero(daily.get(b) ?? {}));
    }
  }

  const usage = (await raw(vault, t, { prefix: "USAGE" }))[0] ?? {};
  const bytes = documents.filter((d) => d.status !== "destroyed").reduce((n, d) => n + (d.size ?? 0), 0);
  expect(usage.storedBytes ?? 0, `storage of ${tenantId}`).toBe(bytes);
  if (usage.seats !== undefined)
    expect(usage.seats, `seats of ${tenantId}`).toBe(staff.filter((s) => s.status !== "departed").length);
  for (const s of staff.filter((x) => x.offboarding?.intentId)) {
    const moved = clients.filter((c) =>
      (c.handovers ?? []).some((h: Raw) => h.from === s.staffId && h.at >= s.offboarding!.startedAt),
    );
    expect(s.offboarding!.reassignedClients, `hand-over count of ${s.staffId}`).toBe(moved.length);
    for (const c of moved) {
      const moves = (await eventsOfClient(vault, tenantId, c.clientId)).filter(
        (e) => e.action === "client.reassign" && e.target.fields.includes(`from:${s.staffId}`),
      );
      expect(moves.length, `the hand-over of ${c.clientId} is in the trail`).toBeGreaterThanOrEqual(1);
    }
  }
}

/** The platform's side of a tenant's shredding: one certificate item and one trail event, or none. */
export async function shredCertificates(vault: Vault, tenantId: string) {
  const items = (await raw(vault, tenantPk("platform"), { prefix: "CERT#" })).filter((c) => c.tenantId === tenantId);
  const events: Raw[] = [];
  for (const day of new Set([dayOf(new Date()), dayOf(new Date(Date.now() - 10 * 60_000))])) {
    events.push(
      ...(await raw(vault, Keys.eventDay("platform", day))).filter(
        (e) => e.action === "platform.tenant_shredded" && e.detail?.tenant === tenantId,
      ),
    );
  }
  return { items, events };
}

/**
 * The same process's adapters with some ports replaced (a clock, a failing table, a logger), every
 * tenant's set built over the replaced ports and confined to its tenant as ever.
 */
export function sameProcess(base: Adapters, changes: Partial<Omit<Adapters, "forTenant">>): Adapters {
  const adapters: Adapters = {
    ...base,
    ...changes,
    forTenant: (tenantId) =>
      Tenancy.isolate(adapters, {
        platformTenant: "platform",
        open: () => ({ db: adapters.db, blobs: adapters.blobs, keyrings: adapters.keyrings }),
      }).forTenant(tenantId),
  };
  return adapters;
}

export const withClock = (base: Adapters, now: () => Date) => sameProcess(base, { now });
