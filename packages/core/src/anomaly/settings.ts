import { z } from "zod";
import { markAs } from "../freetext/schemas.ts";

/**
 * The detector's thresholds: a tenant setting (`anomaly` in PATCH /settings), each bounded so a
 * tenant can tune the detector but not switch a rule off by an absurd value. Stored as given; read
 * through `anomalySettingsOf`, which fills what a tenant never set from the defaults.
 */
/** A time of day, `HH:MM` (an ISO time without seconds: a format, not free text). */
const clock = z.iso.time({ precision: -1, message: "a time of day like 08:00" });

/** A name from the IANA time-zone catalog, checked against the runtime's own list. */
const timeZone = markAs(
  z
    .string()
    .min(1)
    .max(64)
    .refine((tz) => {
      try {
        new Intl.DateTimeFormat("en-GB", { timeZone: tz });
        return true;
      } catch {
        return false;
      }
    }, "an IANA time zone like Asia/Shanghai"),
  "id",
);

export const AnomalySettingsPatch = z
  .object({
    /** Working hours in the tenant's time zone: tier-1 reveals outside them raise `off_hours`. */
    workingHours: z.object({ timeZone, start: clock, end: clock }).strict().optional(),
    /** A rolling hour's reveals, calls and detail views above factor × max(own, branch baseline) raise `velocity`. */
    velocityFactor: z.number().min(2).max(50).optional(),
    /** …and never below this many in the hour, whatever the baselines (a quiet newcomer's first busy hour). */
    velocityMinPerHour: z.number().int().min(10).max(1000).optional(),
    /** How many days of a person's own activity make their baseline. */
    baselineDays: z.number().int().min(3).max(60).optional(),
    /** Distinct clients' details viewed within the window that raise `browsing`. */
    browsingDistinctClients: z.number().int().min(5).max(500).optional(),
    browsingWindowMinutes: z
      .number()
      .int()
      .min(10)
      .max(24 * 60)
      .optional(),
  })
  .strict();
export type AnomalySettingsPatch = z.infer<typeof AnomalySettingsPatch>;

export interface AnomalySettings {
  workingHours: { timeZone: string; start: string; end: string };
  velocityFactor: number;
  velocityMinPerHour: number;
  baselineDays: number;
  browsingDistinctClients: number;
  browsingWindowMinutes: number;
}

export const defaultAnomalySettings: AnomalySettings = {
  workingHours: { timeZone: "Asia/Shanghai", start: "08:00", end: "21:00" },
  velocityFactor: 5,
  velocityMinPerHour: 60,
  baselineDays: 14,
  browsingDistinctClients: 30,
  browsingWindowMinutes: 60,
};

export const anomalySettingsOf = (given: AnomalySettingsPatch | undefined): AnomalySettings => ({
  ...defaultAnomalySettings,
  ...given,
  workingHours: { ...defaultAnomalySettings.workingHours, ...given?.workingHours },
});
