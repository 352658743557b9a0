import { z } from "zod";
import { roles } from "../context.ts";
import { checklistItems } from "./records.ts";
import { backgroundCheckStatuses } from "./values.ts";
import { clearLabel, markAs, opaqueRef, recordId, sealedText } from "../freetext/schemas.ts";

const username = markAs(
  z
    .string()
    .trim()
    .toLowerCase()
    .regex(/^[a-z0-9][a-z0-9._-]{1,40}@[a-z0-9-]{1,40}$/, "a username like name.surname@<tenant>"),
  "id",
);
const staffRoles = roles.filter((r) => r !== "platform_admin") as [
  "agent",
  "branch_manager",
  "compliance_officer",
  "hq_admin",
];
const isoDate = z.iso.date({ message: "a date like 2026-11-30" });
const isoDateTime = z.iso.datetime({ offset: true, message: "an ISO 8601 date-time" });

export const Contact = z
  .object({
    phone: markAs(z.string().trim().max(32), "contact").optional(),
    email: markAs(z.email().max(254), "contact").optional(),
  })
  .strict();

export const CreateStaffRequest = z
  .object({
    username,
    displayName: clearLabel(50),
    role: z.enum(staffRoles),
    branchId: recordId().nullable().optional(),
    contact: Contact.optional(),
  })
  .strict();
export type CreateStaffRequest = z.infer<typeof CreateStaffRequest>;

export const UpdateStaffRequest = z
  .object({
    displayName: clearLabel(50).optional(),
    role: z.enum(staffRoles).optional(),
    branchId: recordId().nullable().optional(),
    contact: Contact.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
export type UpdateStaffRequest = z.infer<typeof UpdateStaffRequest>;

export const AgreementRequest = z
  .object({
    version: opaqueRef(32, "a version like 2024-01 (letters, digits and : _ . / # - only)"),
    signedAt: isoDateTime,
    evidenceRef: opaqueRef(),
  })
  .strict();
export type AgreementRequest = z.infer<typeof AgreementRequest>;

export const BackgroundCheckRequest = z
  .object({ status: z.enum(backgroundCheckStatuses), checkedAt: isoDateTime })
  .strict();
export type BackgroundCheckRequest = z.infer<typeof BackgroundCheckRequest>;

export const OffboardingRequest = z
  .object({
    handoverTo: recordId(),
    lastDay: isoDate,
    reason: sealedText(500),
  })
  .strict();
export type OffboardingRequest = z.infer<typeof OffboardingRequest>;

export const ChecklistCloseRequest = z.object({ evidenceRef: opaqueRef() }).strict();
export const ChecklistParams = z.object({ id: z.string().min(1).max(64), item: z.enum(checklistItems) }).strict();
export const StaffIdParams = z.object({ id: z.string().min(1).max(64) }).strict();

/** A staff member's offboarding as stored (records.ts `Offboarding`); `reason` is only ever the mask. */
export const OffboardingRecord = z.object({
  startedAt: z.string(),
  startedBy: z.string(),
  handoverTo: z.string(),
  lastDay: z.string(),
  reasonRef: z.string().optional(),
  reason: z.string().optional(),
  reassignedClients: z.number(),
  intentId: z.string().optional(),
  checklist: z.record(
    z.enum(checklistItems),
    z
      .object({
        closedAt: z.string(),
        closedBy: z.string(),
        evidenceRef: z.string(),
        /** Who closed it, by name beside the id (null: no staff record of the tenant has it). */
        closedByName: z.string().nullable().optional(),
        closedByUsername: z.string().nullable().optional(),
      })
      .nullable(),
  ),
  departedAt: z.string().optional(),
  handoverChange: z.string().optional(),
});

const Masked = z.object({ value: z.string(), masked: z.boolean() });
export const StaffView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  branchId: z.string().nullable(),
  status: z.enum(["active", "offboarding", "departed"]),
  agreement: z
    .object({
      version: z.string(),
      signedAt: z.string(),
      evidenceRef: z.string(),
      recordedBy: z.string().optional(),
      current: z.boolean(),
    })
    .nullable(),
  backgroundCheck: z.object({ status: z.string(), checkedAt: z.string(), recordedBy: z.string() }).nullable(),
  contact: z.object({ phone: Masked.optional(), email: Masked.optional() }),
  offboarding: OffboardingRecord.optional(),
});
export type StaffView = z.infer<typeof StaffView>;
