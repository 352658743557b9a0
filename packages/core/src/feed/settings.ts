import { z } from "zod";
import { markAs } from "../freetext/schemas.ts";

/**
 * Where a tenant's trail feed goes (a tenant setting, `feed` in PATCH /settings): JSON-lines files
 * offline (per tenant under the data directory; in AWS the Firehose stream writes them to S3 under
 * the tenant's prefix), and optionally a webhook signed with the tenant's own secret.
 */
export const FeedSettingsPatch = z
  .object({
    files: z.boolean().optional(),
    /** A URL the tenant's SIEM receives at (http or https), parsed as one; null turns the webhook off. */
    webhookUrl: markAs(z.url({ protocol: /^https?$/ }).max(512), "id")
      .nullable()
      .optional(),
    /** Attempts per event before it goes to the dead letters. */
    maxAttempts: z.number().int().min(1).max(10).optional(),
  })
  .strict();
export type FeedSettingsPatch = z.infer<typeof FeedSettingsPatch>;

export interface FeedSettings {
  files: boolean;
  webhookUrl: string | null;
  maxAttempts: number;
}

export const defaultFeedSettings: FeedSettings = { files: true, webhookUrl: null, maxAttempts: 5 };

export const feedSettingsOf = (given: FeedSettingsPatch | undefined): FeedSettings => ({
  ...defaultFeedSettings,
  ...given,
});
