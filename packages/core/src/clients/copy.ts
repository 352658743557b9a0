import type { Ctx, ActorCtx } from "../context.ts";
import type { Pass } from "../access/pass.ts";
import { rawReply } from "../http/reply.ts";
import { renderPdf } from "../reports/pdf.ts";
import { zonedIso } from "../reports/time.ts";
import { viewerMark } from "../documents/watermark.ts";
import { getTenant } from "../tenancy/records.ts";
import { fieldCatalog, tierLabels, type FieldName, type Tier } from "../catalog/catalog.ts";
import { historyView } from "../consent/consent.ts";
import { openTiers, presentTiers, type ClientRecord, type ConsentEvent } from "./records.ts";
import { collectionPurposes, consentPurposes } from "../catalog/catalog.ts";
import type { consentMethods } from "../consent/schemas.ts";
import type { RegisterClientRequest } from "./schemas.ts";
import { trailActions } from "../trail/actions.ts";

type Label = { zh: string; en: string };
const bilingual = (l: Label | undefined, code: string) => (l ? `${l.zh} ${l.en}` : code);

/** Where a client came from, as the register wizard offers it (web/src/i18n `common.sources`). */
const sourceLabels: Record<RegisterClientRequest["source"], Label> = {
  walk_in: { zh: "到店", en: "Walk-in" },
  phone: { zh: "电话", en: "Phone" },
  referral: { zh: "转介绍", en: "Referral" },
  online: { zh: "线上", en: "Online" },
  other: { zh: "其他", en: "Other" },
};
/** How consent was given, as the console words it (`common.consentMethods`). */
const consentMethodLabels: Record<(typeof consentMethods)[number], Label> = {
  written: { zh: "书面同意", en: "Written" },
  electronic: { zh: "电子签署", en: "Electronic signature" },
  recorded_verbal: { zh: "录音口头同意", en: "Recorded verbal" },
};
/** A consent event by what it did; added purposes and withdrawals read as their trail actions do. */
const consentEventLabels: Record<ConsentEvent["type"], Label> = {
  grant: { zh: "同意", en: "Consent given" },
  add_purposes: trailActions["consent.add_purposes"],
  withdraw: trailActions["consent.withdraw"],
};

const lookupLabel = <T extends string>(table: Record<T, Label>, code: string) =>
  bilingual(Object.hasOwn(table, code) ? table[code as T] : undefined, code);
const collectionPurposeLabel = (code: string) =>
  bilingual(
    Object.hasOwn(collectionPurposes, code)
      ? collectionPurposes[code as keyof typeof collectionPurposes].label
      : undefined,
    code,
  );

/** What a client's copy lets out: every field the record holds, each at its tier. */
export const copyItems = (client: ClientRecord, requestId: string): { field: string; tier: Tier }[] => {
  const fields = (Object.entries(client.fieldTiers) as [FieldName, Tier][]).map(([field, tier]) => ({ field, tier }));
  return fields.length ? fields : [{ field: `copy/${requestId}`, tier: 3 }];
};

/**
 * The client's own copy of their data (PIPL art. 45): every field in clear with its label and
 * tier, the registration and the consent history. Call only after `disclose` let it out.
 */
export async function copyData(ctx: ActorCtx, client: ClientRecord, pass: Pass) {
  const names = Object.keys(client.fieldTiers) as FieldName[];
  const values = await openTiers(ctx, client, presentTiers(client), pass);
  return {
    clientId: client.clientId,
    generatedAt: ctx.adapters.now().toISOString(),
    registration: client.registration,
    consent: client.consent,
    consentHistory: historyView(client.consentHistory),
    fields: names.map((f) => ({
      name: f,
      label: fieldCatalog[f].label,
      tier: client.fieldTiers[f]!,
      tierLabel: tierLabels[client.fieldTiers[f]!],
      value: values[f] ?? null,
    })),
  };
}
export type ClientCopy = Awaited<ReturnType<typeof copyData>>;

/**
 * The copy as a JSON file or a readable PDF rendered from the same data. The PDF is watermarked with
 * the staff member it goes out through: who produced it, or who made the link it is fetched by.
 */
export async function renderCopy(
  ctx: ActorCtx,
  data: ClientCopy,
  format: "json" | "pdf",
  requestId: string,
  through: { displayName: string; staffId: string },
) {
  const headers = (ext: string) => ({ "content-disposition": `attachment; filename="copy-${data.clientId}.${ext}"` });
  if (format === "json")
    return { body: JSON.stringify(data), contentType: "application/json; charset=utf-8", headers: headers("json") };
  const tz = ctx.settings.timeZone;
  const tenant = await getTenant(ctx.adapters, ctx.tenantId);
  const pdf = await renderPdf({
    title: `个人信息副本 Copy of personal information · ${data.clientId}`,
    subtitle: `依据《个人信息保护法》第四十五条提供 Provided under PIPL art. 45 · 请求 request ${requestId} · 生成于 generated ${zonedIso(data.generatedAt, tz)}`,
    tables: [
      {
        title: "个人信息 Personal information",
        columns: ["项目 Field", "密级 Tier", "内容 Value"],
        rows: data.fields.map((f) => [
          `${f.label.zh} ${f.label.en}`,
          `${f.tierLabel.zh} ${f.tierLabel.en}`,
          String(f.value ?? ""),
        ]),
        widths: [2, 1.2, 5],
      },
      {
        title: "登记与同意 Registration and consent",
        columns: ["事项 Event", "时间 When", "说明 Details"],
        rows: [
          [
            "登记 Registered",
            zonedIso(data.registration.registeredAt, tz),
            `${collectionPurposeLabel(data.registration.collectionPurpose)} · ${lookupLabel(sourceLabels, data.registration.source)}`,
          ],
          ...data.consentHistory.map((h) => [
            lookupLabel(consentEventLabels, h.type),
            zonedIso(h.at, tz),
            [
              h.method ? lookupLabel(consentMethodLabels, h.method) : "",
              h.evidenceRef,
              (h.purposes ?? []).map((p) => lookupLabel(consentPurposes, p)).join("、"),
            ]
              .filter(Boolean)
              .join(" · "),
          ]),
        ],
        widths: [2, 2, 4],
      },
    ],
    footer: `Keyhold · ${ctx.tenantId} · 绝密 confidential`,
    watermark: viewerMark({
      displayName: through.displayName,
      staffId: through.staffId,
      tenantName: tenant?.name ?? ctx.tenantId,
      tenantId: ctx.tenantId,
      at: ctx.adapters.now(),
      timeZone: tz,
    }),
  });
  return { body: pdf, contentType: "application/pdf", headers: headers("pdf") };
}

/** The rendered copy as an HTTP reply with the given status. */
export async function copyReply(ctx: Ctx, data: ClientCopy, format: "json" | "pdf", requestId: string, status: number) {
  const out = await renderCopy(ctx, data, format, requestId, ctx.principal);
  return rawReply(status, out.body, out.contentType, out.headers);
}
