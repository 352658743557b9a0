import { isProtectedStage } from "./Storage.ts";

/**
 * What a stage needs beyond the template, read from the environment of `sst deploy` (README, "Deploy
 * a stage"; docs/infra.md). Prod refuses to synthesize without the settings it cannot run safely
 * without; other stages run without them, with what that costs said here.
 */
export interface StageSettings {
  /**
   * KEYHOLD_BACKUP_REGION: where the daily backups are copied (a vault in the Offsite stack). Required
   * in prod. Without it a stage keeps its backups in its own region only. The copies hold every
   * tenant's personal information: the region is chosen with the tenants (PIPL, README).
   */
  backupRegion?: string;
  /** KEYHOLD_ALARM_EMAIL: who the alarms write to (an SNS e-mail subscription). Required in prod. */
  alarmEmail?: string;
  /**
   * KEYHOLD_DOMAIN and KEYHOLD_CERTIFICATE_ARN (an ACM certificate in us-east-1 covering the domain):
   * the console's own name, served with TLS 1.2 or later. Without them CloudFront's default
   * certificate serves `*.cloudfront.net`, which accepts TLS 1.0 and cannot be told otherwise.
   */
  domain?: { name: string; certificateArn: string };
  /**
   * KEYHOLD_SES_IDENTITY_ARN (and KEYHOLD_NOTIFY_FROM, an address of that identity): the verified
   * SES identity Cognito's threat protection sends its "was this you?" e-mails from. Required in
   * prod; without it a medium-risk sign-in is let through without a notice (high risk is still
   * blocked).
   */
  notify?: { sesIdentityArn: string; from?: string };
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE = /^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/;
const SES_IDENTITY = /^arn:aws[\w-]*:ses:[a-z0-9-]+:\d{12}:identity\/\S+$/;

/** The stage's settings, checked: a malformed value stops the synth instead of deploying a half-working stage. */
export function stageSettings(stage: string, region: string, env: Record<string, string | undefined> = process.env): StageSettings {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const problems: string[] = [];
  const settings: StageSettings = {};

  const backupRegion = value("KEYHOLD_BACKUP_REGION");
  if (backupRegion) {
    if (!REGION.test(backupRegion)) problems.push(`KEYHOLD_BACKUP_REGION "${backupRegion}" is not a region name`);
    else if (backupRegion === region) problems.push(`KEYHOLD_BACKUP_REGION must be another region than the stage's own (${region})`);
    else settings.backupRegion = backupRegion;
  }
  const alarmEmail = value("KEYHOLD_ALARM_EMAIL");
  if (alarmEmail) {
    if (!EMAIL.test(alarmEmail)) problems.push(`KEYHOLD_ALARM_EMAIL "${alarmEmail}" is not an e-mail address`);
    else settings.alarmEmail = alarmEmail;
  }
  const domain = value("KEYHOLD_DOMAIN")?.toLowerCase();
  const certificateArn = value("KEYHOLD_CERTIFICATE_ARN");
  if (domain || certificateArn) {
    if (!domain || !certificateArn) problems.push("KEYHOLD_DOMAIN and KEYHOLD_CERTIFICATE_ARN go together");
    else if (!DOMAIN.test(domain)) problems.push(`KEYHOLD_DOMAIN "${domain}" is not a domain name`);
    else if (!CERTIFICATE.test(certificateArn)) problems.push("KEYHOLD_CERTIFICATE_ARN must be an ACM certificate in us-east-1 (CloudFront reads certificates only there)");
    else settings.domain = { name: domain, certificateArn };
  }
  const sesIdentityArn = value("KEYHOLD_SES_IDENTITY_ARN");
  const from = value("KEYHOLD_NOTIFY_FROM");
  if (sesIdentityArn || from) {
    if (!sesIdentityArn) problems.push("KEYHOLD_NOTIFY_FROM needs KEYHOLD_SES_IDENTITY_ARN");
    else if (!SES_IDENTITY.test(sesIdentityArn)) problems.push(`KEYHOLD_SES_IDENTITY_ARN "${sesIdentityArn}" is not an SES identity ARN`);
    else if (from && !EMAIL.test(from)) problems.push(`KEYHOLD_NOTIFY_FROM "${from}" is not an e-mail address`);
    else settings.notify = { sesIdentityArn, ...(from ? { from } : {}) };
  }

  if (isProtectedStage(stage)) {
    if (!settings.backupRegion && !backupRegion) problems.push("prod needs KEYHOLD_BACKUP_REGION: its backups are copied off-site");
    if (!settings.alarmEmail && !alarmEmail) problems.push("prod needs KEYHOLD_ALARM_EMAIL: its alarms must reach someone");
    if (!settings.notify && !sesIdentityArn) problems.push("prod needs KEYHOLD_SES_IDENTITY_ARN: risky sign-ins notify the staff member");
  }
  if (problems.length) throw new Error(`Stage ${stage} cannot be synthesized:\n  - ${problems.join("\n  - ")}\n(see README, "Deploy a stage")`);
  return settings;
}
