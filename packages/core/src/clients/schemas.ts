import { z } from "zod";
import {
  accessPurposeNames,
  collectionPurposeNames,
  consentPurposeNames,
  fieldNames,
  type FieldName,
} from "../catalog/catalog.ts";
import { markAs, opaqueRef, recordId, sealedText } from "../freetext/schemas.ts";
import { consentMethods } from "../consent/schemas.ts";

const isoDateTime = z.iso.datetime({
  offset: true,
  message: "must be an ISO 8601 date-time, e.g. 2026-03-01T10:00:00+08:00",
});

export const ConsentInput = z
  .object({
    method: z.enum(consentMethods),
    evidenceRef: opaqueRef(),
    purposes: z
      .array(z.enum(consentPurposeNames))
      .min(1, "at least one consented purpose is required")
      .max(consentPurposeNames.length)
      .refine((p) => new Set(p).size === p.length, "purposes must not repeat"),
    sensitiveConsent: z.boolean(),
  })
  .strict();

/**
 * The registration body. `fields` is checked field by field against the catalog after this shape
 * passes, so each unknown, disallowed or invalid field is named in the errors.
 */
export const RegisterClientRequest = z
  .object({
    collectionPurpose: z.enum(collectionPurposeNames),
    source: z.enum(["walk_in", "phone", "referral", "online", "other"]),
    acquiredAt: isoDateTime,
    branchId: recordId().optional(),
    consent: ConsentInput,
    fields: z
      .record(markAs(z.string(), "id"), markAs(z.union([z.string(), z.number()]), "value"))
      .refine((f) => Object.keys(f).length > 0, "at least one field is required"),
  })
  .strict();
export type RegisterClientRequest = z.infer<typeof RegisterClientRequest>;

export const RevealRequest = z
  .object({
    fields: z.array(recordId()).min(1, "name at least one field").max(fieldNames.length),
    purpose: z.enum(accessPurposeNames),
    justification: sealedText(2000, 0).optional(),
    /** An approved access request's id, used once. */
    grantId: recordId().optional(),
  })
  .strict();
export type RevealRequest = z.infer<typeof RevealRequest>;

export const ClientIdParams = z.object({ id: z.string().min(1).max(64) }).strict();

export const ListClientsQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    cursor: markAs(z.string().max(2048), "filter").optional(),
  })
  .strict();
export type ListClientsQuery = z.infer<typeof ListClientsQuery>;

export const FieldView = z.object({
  tier: z.union([z.literal(1), z.literal(2), z.literal(3)]),
  value: z.union([z.string(), z.number()]),
  masked: z.boolean(),
});

export const ClientView = z.object({
  id: z.string(),
  branchId: z.string(),
  ownerId: z.string(),
  /** The owner's display name and username, beside the id; null when no staff record of the tenant has it. */
  ownerName: z.string().nullable(),
  ownerUsername: z.string().nullable(),
  status: z.enum(["active", "consent_withdrawn", "destroyed"]),
  destroyAfter: z.string().optional(),
  destroyed: z.object({ at: z.string(), reason: z.string(), certificateId: z.string() }).optional(),
  fields: z.record(z.string(), FieldView),
  consent: z.object({
    method: z.string(),
    evidenceRef: z.string(),
    purposes: z.array(z.string()),
    sensitiveConsent: z.boolean(),
    grantedAt: z.string(),
    recordedBy: z.string(),
    /** The recorder as colleagues know them (李娜, agent.li@anjia); null when not shown or unknown. */
    recordedByName: z.string().nullable().optional(),
    recordedByUsername: z.string().nullable().optional(),
    withdrawnAt: z.string().optional(),
  }),
  registration: z.object({
    collectionPurpose: z.string(),
    source: z.string(),
    acquiredAt: z.string(),
    handledBy: z.string(),
    /** Who registered the client, by display name and username; null when not shown or unknown. */
    handledByName: z.string().nullable().optional(),
    handledByUsername: z.string().nullable().optional(),
    registeredAt: z.string(),
    fieldTiers: z.record(z.string(), z.number()),
  }),
});
export type ClientView = z.infer<typeof ClientView>;

/** A list shows masks only, for every role: one screenshot of it must not take the client book. */
export const ListedFieldView = FieldView.extend({ masked: z.literal(true) });
export const ClientListItem = ClientView.extend({ fields: z.record(z.string(), ListedFieldView) });
export const ClientList = z.object({ items: z.array(ClientListItem), nextCursor: z.string().nullable() });
export const RevealResponse = z.object({ fields: z.record(z.string(), z.union([z.string(), z.number()])) });

export type FieldInput = Partial<Record<FieldName, string | number>>;

const Label = z.object({ zh: z.string(), en: z.string() });
/**
 * The data subject's copy itself (clients/copy.ts `copyData`) as JSON (or a PDF of the same): downloaded
 * by staff, or through the share link made for the subject.
 */
export const ClientCopyFile = z.object({
  clientId: z.string(),
  generatedAt: z.string(),
  registration: z.record(z.string(), z.unknown()),
  consent: z.unknown(),
  consentHistory: z.array(z.record(z.string(), z.unknown())),
  fields: z.array(
    z.object({
      name: z.string(),
      label: Label,
      tier: z.number(),
      tierLabel: Label,
      value: z.union([z.string(), z.number(), z.null()]),
    }),
  ),
});
