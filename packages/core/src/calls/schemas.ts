import { z } from "zod";
import { consentPurposeNames } from "../catalog/catalog.ts";

/** Only a purpose a client can consent to: break-glass purposes never dial a client. */
export const CallRequest = z.object({ purpose: z.enum(consentPurposeNames) }).strict();
export type CallRequest = z.infer<typeof CallRequest>;

export const CallCreated = z.object({
  callId: z.string(),
  /** The number to dial; it reaches the client only from the caller's own phone, until `expiresAt`. */
  virtualNumber: z.string(),
  expiresAt: z.string(),
});

export const CallIdParams = z.object({ id: z.string().min(1).max(64) }).strict();

export const CallReleased = z.object({ callId: z.string(), status: z.literal("released"), releasedAt: z.string() });

export const SimulateCallRequest = z
  .object({
    durationSeconds: z
      .number()
      .int()
      .min(0)
      .max(4 * 3600),
  })
  .strict();
export const SimulatedCall = z.object({
  callId: z.string(),
  reportId: z.string(),
  calledAt: z.string(),
  answeredAt: z.string().nullable(),
  endedAt: z.string(),
  durationSeconds: z.number(),
});
