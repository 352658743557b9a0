import { chinaRegions, partitionOf, type Partition } from "./core.ts";
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
  /**
   * Where the stage runs, from its region (KEYHOLD_REGION, read by sst.config.ts, or `--region`): the
   * partition and whether that is mainland China. A mainland stage is a deployment into a separate
   * AWS China account (docs/china.md).
   */
  place: StagePlace;
  /**
   * KEYHOLD_IDENTITY: who signs staff in. `cognito` (the default outside China) is a Cognito user
   * pool; `keyhold` (the default in China, where there are no user pools and API Gateway has no
   * Cognito authorizers) is Keyhold's own sign-in, tokens signed by a KMS key of the stage; `oidc`
   * is that plus federation to the agency's own OIDC issuer (KEYHOLD_OIDC_ISSUER,
   * KEYHOLD_OIDC_CLIENT_ID, KEYHOLD_OIDC_CLIENT_SECRET_ARN, a Secrets Manager secret).
   */
  identity: IdentitySettings;
  /**
   * KEYHOLD_ICP_FILING: the console's domain's ICP filing number (ICP备案号, e.g. 京ICP备12345678号-1),
   * required in China together with KEYHOLD_DOMAIN and KEYHOLD_CERTIFICATE_ARN (an ACM certificate of
   * the stage's own region): API Gateway there serves a custom domain only for an ICP-filed name,
   * and the console links the filing number, as the MIIT requires of every site.
   */
  icpFiling?: string;
}

export type IdentityKind = "cognito" | "keyhold" | "oidc";
export const identityKinds: readonly IdentityKind[] = ["cognito", "keyhold", "oidc"];

/** The audience of Keyhold's own access tokens, which the API's JWT authorizer requires. */
export const TOKEN_AUDIENCE = "keyhold-console";

export interface IdentitySettings {
  kind: IdentityKind;
  oidc?: { issuer: string; clientId: string; clientSecretArn: string };
}

export interface StagePlace {
  region: string;
  partition: Partition;
  /** Mainland China (the aws-cn partition): personal information stored here stays in the mainland. */
  mainland: boolean;
}

/** A region's partition (core's table, which the processing register states too). */
export function placeOf(region: string): StagePlace {
  const partition = partitionOf(region);
  return { region, partition, mainland: partition === "aws-cn" };
}

/** The stage parameter that chooses the region (and so the partition); `--region` overrides it. */
export const REGION_ENV = "KEYHOLD_REGION";
export const DEFAULT_REGION = "ap-southeast-1";

/**
 * The stage's region for sst.config.ts: KEYHOLD_REGION when set, else the default. The China
 * regions are valid only there, since an AWS China account cannot deploy elsewhere, nor a global one there.
 */
export function stageRegion(env: Record<string, string | undefined> = process.env): string {
  const region = env[REGION_ENV]?.trim();
  if (!region) return DEFAULT_REGION;
  if (!REGION.test(region)) throw new Error(`${REGION_ENV} "${region}" is not a region name`);
  return region;
}

const REGION = /^[a-z]{2}(-gov)?-[a-z]+-\d$/;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const DOMAIN = /^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;
const CERTIFICATE = /^arn:aws[\w-]*:acm:us-east-1:\d{12}:certificate\/[\w-]+$/;
/** In China the certificate is API Gateway's (a regional custom domain): ACM of the stage's own region. */
const chinaCertificate = (region: string) => new RegExp(`^arn:aws-cn:acm:${region}:\\d{12}:certificate\\/[\\w-]+$`);
const SECRET = (partition: string, region: string) =>
  new RegExp(`^arn:${partition}:secretsmanager:${region}:\\d{12}:secret:\\S+$`);
/** 京ICP备12345678号, optionally with the site's suffix -1: a province's one-character abbreviation, ICP备, digits, 号. */
const ICP_FILING = /^[\u4e00-\u9fa5]ICP备\d{6,10}号(-\d{1,3})?$/u;
const SES_IDENTITY = /^arn:aws[\w-]*:ses:[a-z0-9-]+:\d{12}:identity\/\S+$/;

/** The stage's settings, checked: a malformed value stops the synth instead of deploying a half-working stage. */
export function stageSettings(
  stage: string,
  region: string,
  env: Record<string, string | undefined> = process.env,
): StageSettings {
  const value = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const problems: string[] = [];
  const place = placeOf(region);
  const settings: StageSettings = { place, identity: { kind: place.mainland ? "keyhold" : "cognito" } };

  const backupRegion = value("KEYHOLD_BACKUP_REGION");
  if (backupRegion) {
    if (!REGION.test(backupRegion)) problems.push(`KEYHOLD_BACKUP_REGION "${backupRegion}" is not a region name`);
    else if (backupRegion === region)
      problems.push(`KEYHOLD_BACKUP_REGION must be another region than the stage's own (${region})`);
    else if (placeOf(backupRegion).partition !== place.partition)
      problems.push(
        `KEYHOLD_BACKUP_REGION ${backupRegion} is in another partition than the stage's own (${place.partition}): ${place.mainland ? "copies must stay in the mainland (PIPL art. 40)" : "AWS Backup copies only within a partition"}`,
      );
    else settings.backupRegion = backupRegion;
  }
  // A mainland stage copies its backups to the other China region unless told otherwise: off-site, and still in the mainland.
  if (place.mainland && !backupRegion) settings.backupRegion = chinaRegions.find((r) => r !== region);
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
    else if (place.mainland ? !chinaCertificate(region).test(certificateArn) : !CERTIFICATE.test(certificateArn))
      problems.push(
        place.mainland
          ? `KEYHOLD_CERTIFICATE_ARN must be an ACM certificate in ${region} (API Gateway's custom domain reads it from the stage's own region)`
          : "KEYHOLD_CERTIFICATE_ARN must be an ACM certificate in us-east-1 (CloudFront reads certificates only there)",
      );
    else settings.domain = { name: domain, certificateArn };
  }
  const icpFiling = value("KEYHOLD_ICP_FILING");
  if (icpFiling) {
    if (!place.mainland) problems.push("KEYHOLD_ICP_FILING is for stages in China only");
    else if (!ICP_FILING.test(icpFiling))
      problems.push(`KEYHOLD_ICP_FILING "${icpFiling}" is not an ICP filing number (e.g. 京ICP备12345678号-1)`);
    else settings.icpFiling = icpFiling;
  }
  if (place.mainland && !(domain && certificateArn && icpFiling))
    problems.push(
      "a stage in China needs KEYHOLD_DOMAIN, KEYHOLD_CERTIFICATE_ARN and KEYHOLD_ICP_FILING: API Gateway there serves only an ICP-filed custom domain",
    );

  const identity = value("KEYHOLD_IDENTITY");
  if (identity) {
    if (!identityKinds.includes(identity as IdentityKind))
      problems.push(`KEYHOLD_IDENTITY "${identity}" is not one of ${identityKinds.join(", ")}`);
    else if (identity === "cognito" && place.mainland)
      problems.push(
        "KEYHOLD_IDENTITY cognito cannot run in China: there are no Cognito user pools and API Gateway has no Cognito authorizers",
      );
    else if (identity !== "cognito" && !place.mainland)
      problems.push(
        `KEYHOLD_IDENTITY ${identity} is built for stages in China (its issuer is the API on the stage's ICP-filed domain); outside China the stacks serve Cognito`,
      );
    else settings.identity = { kind: identity as IdentityKind };
  }
  const oidcIssuer = value("KEYHOLD_OIDC_ISSUER");
  const oidcClientId = value("KEYHOLD_OIDC_CLIENT_ID");
  const oidcSecret = value("KEYHOLD_OIDC_CLIENT_SECRET_ARN");
  if (settings.identity.kind === "oidc" || oidcIssuer || oidcClientId || oidcSecret) {
    if (settings.identity.kind !== "oidc") problems.push("KEYHOLD_OIDC_* go with KEYHOLD_IDENTITY=oidc");
    else if (!oidcIssuer || !oidcClientId || !oidcSecret)
      problems.push(
        "KEYHOLD_IDENTITY=oidc needs KEYHOLD_OIDC_ISSUER, KEYHOLD_OIDC_CLIENT_ID and KEYHOLD_OIDC_CLIENT_SECRET_ARN",
      );
    else if (!/^https:\/\/[^\s/]+(\/\S*)?$/.test(oidcIssuer))
      problems.push(`KEYHOLD_OIDC_ISSUER "${oidcIssuer}" is not an https URL`);
    else if (!SECRET(place.partition, region).test(oidcSecret))
      problems.push(
        `KEYHOLD_OIDC_CLIENT_SECRET_ARN must be a Secrets Manager secret of ${region} (${place.partition})`,
      );
    else
      settings.identity = {
        kind: "oidc",
        oidc: { issuer: oidcIssuer.replace(/\/$/, ""), clientId: oidcClientId, clientSecretArn: oidcSecret },
      };
  }
  const sesIdentityArn = value("KEYHOLD_SES_IDENTITY_ARN");
  const from = value("KEYHOLD_NOTIFY_FROM");
  if (sesIdentityArn || from) {
    if (place.mainland)
      problems.push("KEYHOLD_SES_IDENTITY_ARN is Cognito's threat protection, which China does not have");
    else if (!sesIdentityArn) problems.push("KEYHOLD_NOTIFY_FROM needs KEYHOLD_SES_IDENTITY_ARN");
    else if (!SES_IDENTITY.test(sesIdentityArn))
      problems.push(`KEYHOLD_SES_IDENTITY_ARN "${sesIdentityArn}" is not an SES identity ARN`);
    else if (from && !EMAIL.test(from)) problems.push(`KEYHOLD_NOTIFY_FROM "${from}" is not an e-mail address`);
    else settings.notify = { sesIdentityArn, ...(from ? { from } : {}) };
  }

  if (isProtectedStage(stage)) {
    if (!settings.backupRegion && !backupRegion)
      problems.push("prod needs KEYHOLD_BACKUP_REGION: its backups are copied off-site");
    if (!settings.alarmEmail && !alarmEmail)
      problems.push("prod needs KEYHOLD_ALARM_EMAIL: its alarms must reach someone");
    if (settings.identity.kind === "cognito" && !settings.notify && !sesIdentityArn)
      problems.push("prod needs KEYHOLD_SES_IDENTITY_ARN: risky sign-ins notify the staff member");
  }
  if (problems.length)
    throw new Error(
      `Stage ${stage} cannot be synthesized:\n  - ${problems.join("\n  - ")}\n(see README, "Deploy a stage")`,
    );
  return settings;
}
