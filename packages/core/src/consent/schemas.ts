import { z } from "zod";
import { consentPurposeNames } from "../catalog/catalog.ts";
import { markAs, opaqueRef, recordId, sealedText } from "../freetext/schemas.ts";

/** How a client's consent (or its withdrawal) was given. */
export const consentMethods = ["written", "electronic", "recorded_verbal"] as const;
/** How a data-subject request reached the brand. */
export const requestChannels = ["in_person", "phone", "email", "online", "letter"] as const;

const method = z.enum(consentMethods);
const evidenceRef = opaqueRef();

export const AddPurposesRequest = z
  .object({
    purposes: z.array(z.enum(consentPurposeNames)).min(1).max(consentPurposeNames.length),
    sensitiveConsent: z.boolean().optional(),
    method,
    evidenceRef,
  })
  .strict();
export type AddPurposesRequest = z.infer<typeof AddPurposesRequest>;

export const WithdrawRequest = z.object({ method, evidenceRef, reason: sealedText(500, 0).optional() }).strict();
export type WithdrawRequest = z.infer<typeof WithdrawRequest>;

export const requestTypes = ["access_copy", "correction", "deletion", "withdrawal", "access_history"] as const;
export type RequestType = (typeof requestTypes)[number];

/** Where a data-subject request stands: open until someone other than its recorder fulfils it. */
export const requestStatuses = ["open", "fulfilled"] as const;
export type RequestStatus = (typeof requestStatuses)[number];

export const NewRequest = z
  .object({
    type: z.enum(requestTypes),
    channel: z.enum(requestChannels),
    evidenceRef,
    receivedAt: z.iso.datetime({ offset: true }).optional(),
    assigneeId: recordId().optional(),
    details: sealedText(2000, 0).optional(),
  })
  .strict();
export type NewRequest = z.infer<typeof NewRequest>;

export const FulfilRequest = z
  .object({
    /** correction: the field and its corrected value */
    field: recordId().optional(),
    value: markAs(z.union([z.string(), z.number()]), "value").optional(),
    /** withdrawal: how the withdrawal was expressed */
    method: method.optional(),
    note: sealedText(1000, 0).optional(),
  })
  .strict();
export type FulfilRequest = z.infer<typeof FulfilRequest>;

export const ListRequestsQuery = z
  .object({
    status: z.enum(requestStatuses).optional(),
    overdue: z.enum(["true", "false"]).optional(),
    clientId: markAs(z.string().max(64), "filter").optional(),
  })
  .strict();
export type ListRequestsQuery = z.infer<typeof ListRequestsQuery>;

export const RequestIdParams = z.object({ id: z.string().min(1).max(64) }).strict();
export const CopyRequest = z
  .object({ format: z.enum(["json", "pdf"]), delivery: z.enum(["share", "download"]) })
  .strict();
export type CopyRequest = z.infer<typeof CopyRequest>;
