import type { Adapters } from "../context.ts";

/**
 * How long a copy of the data outlives the data: the one number behind the AWS Backup plan's
 * retention (the vault and its off-site copy), the table's point-in-time recovery window, the
 * offline archives' expiry, and the date every destruction certificate gives for the last backup
 * copy holding what it destroyed. A destroyed item is gone from the live store at once and from
 * every backup copy by `destroyedAt + days`; nothing keeps a copy longer (prod's vaults are locked
 * to at most this).
 */
export const retention = {
  /** The stage whose data outlives its stack (stacks/Storage.ts `isProtectedStage`): AWS Backup's and PITR's longest useful window. */
  protected: 35,
  /** Every other AWS stage: a week to recover from a mistake, short enough to forget quickly. */
  other: 7,
  /** The offline ring's archives (`npm run keyhold -- backup`): a restore refuses an older one. */
  local: 35,
} as const;

/** PITR keeps at most 35 days; a longer retention would make the certificates' date a lie. */
export const MAX_DAYS = 35;

/** Days of backup retention on an AWS stage. */
export const daysForStage = (stage: string) => (stage === "prod" ? retention.protected : retention.other);

/** Days of backup retention where these adapters run (the offline ring unless an AWS stage set it). */
export const daysFor = (a: Pick<Adapters, "backupRetentionDays">) => a.backupRetentionDays ?? retention.local;

/** When the last backup copy holding an item destroyed at `destroyedAt` expires. */
export function copiesExpireBy(a: Pick<Adapters, "backupRetentionDays">, destroyedAt: string): string {
  return new Date(new Date(destroyedAt).getTime() + daysFor(a) * 86_400_000).toISOString();
}
