import { z } from "zod";
import { roles } from "../context.ts";
import { checklistItems } from "./records.ts";

const username = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z0-9][a-z0-9._-]{1,40}@[a-z0-9-]{1,40}$/, "a username like name.surname@<tenant>");
const staffRoles = roles.filter((r) => r !== "platform_admin") as ["agent", "branch_manager", "compliance_officer", "hq_admin"];
const isoDate = z.iso.date({ message: "a date like 2026-11-30" });
const isoDateTime = z.iso.datetime({ offset: true, message: "an ISO 8601 date-time" });

export const Contact = z
  .object({
    phone: z.string().trim().max(32).optional(),
    email: z.email().max(254).optional(),
  })
  .strict();

export const CreateStaffRequest = z
  .object({
    username,
    displayName: z.string().trim().min(1).max(50),
    role: z.enum(staffRoles),
    branchId: z.string().min(1).max(64).nullable().optional(),
    contact: Contact.optional(),
  })
  .strict();
export type CreateStaffRequest = z.infer<typeof CreateStaffRequest>;

export const UpdateStaffRequest = z
  .object({
    displayName: z.string().trim().min(1).max(50).optional(),
    role: z.enum(staffRoles).optional(),
    branchId: z.string().min(1).max(64).nullable().optional(),
    contact: Contact.optional(),
  })
  .strict()
  .refine((b) => Object.keys(b).length > 0, "nothing to change");
export type UpdateStaffRequest = z.infer<typeof UpdateStaffRequest>;

export const AgreementRequest = z
  .object({
    version: z.string().trim().min(1).max(32),
    signedAt: isoDateTime,
    evidenceRef: z.string().trim().min(1, "evidence of the signature is required").max(200),
  })
  .strict();
export type AgreementRequest = z.infer<typeof AgreementRequest>;

export const BackgroundCheckRequest = z
  .object({ status: z.enum(["pending", "passed", "failed"]), checkedAt: isoDateTime })
  .strict();
export type BackgroundCheckRequest = z.infer<typeof BackgroundCheckRequest>;

export const OffboardingRequest = z
  .object({
    handoverTo: z.string().min(1).max(64),
    lastDay: isoDate,
    reason: z.string().trim().min(1).max(500),
  })
  .strict();
export type OffboardingRequest = z.infer<typeof OffboardingRequest>;

export const ChecklistCloseRequest = z.object({ evidenceRef: z.string().trim().min(1, "evidence is required").max(200) }).strict();
export const ChecklistParams = z.object({ id: z.string().min(1).max(64), item: z.enum(checklistItems) }).strict();
export const StaffIdParams = z.object({ id: z.string().min(1).max(64) }).strict();

const Masked = z.object({ value: z.string(), masked: z.boolean() });
export const StaffView = z.object({
  id: z.string(),
  username: z.string(),
  displayName: z.string(),
  role: z.string(),
  branchId: z.string().nullable(),
  status: z.enum(["active", "offboarding", "departed"]),
  agreement: z.object({ version: z.string(), signedAt: z.string(), evidenceRef: z.string(), current: z.boolean() }).nullable(),
  backgroundCheck: z.object({ status: z.string(), checkedAt: z.string(), recordedBy: z.string() }).nullable(),
  contact: z.object({ phone: Masked.optional(), email: Masked.optional() }),
  offboarding: z.unknown().optional(),
});
export type StaffView = z.infer<typeof StaffView>;
