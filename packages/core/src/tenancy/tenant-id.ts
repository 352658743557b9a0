/**
 * The one shape of a tenant id: onboarding validates it, and nothing asks for a tenant's
 * credentials without it. No `#`, `/`, `*`, `?` or `$`, so an id can never widen the IAM patterns
 * it is substituted into (`T#<tenant>#*`, `*\/<tenant>/*`, `alias/keyhold/<stage>/<tenant>`).
 */
export const TENANT_ID_PATTERN = /^[a-z][a-z0-9-]{1,38}[a-z0-9]$/;
export const isTenantId = (value: unknown): value is string =>
  typeof value === "string" && TENANT_ID_PATTERN.test(value);

/** The tenant the platform operators and the platform's own records belong to (reserved at onboarding). */
export const PLATFORM_TENANT = "platform";

/** The STS session tag (and so the IAM principal tag) that carries a session's tenant in AWS. */
export const TENANT_TAG = "tenant";
