import { AssumeRoleCommand, STSClient } from "@aws-sdk/client-sts";
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from "@smithy/types";
import { DEFAULT_MAX_OPEN_TENANTS, TENANT_TAG, TenantScopeError, isTenantId } from "./isolation.ts";

/**
 * The credentials port in AWS: a tenant's session on the tenant-data role (stacks/Access.ts), from
 * STS AssumeRole with the tenant as a session tag. The role's policy substitutes that tag into every
 * condition (`dynamodb:LeadingKeys` `T#${aws:PrincipalTag/tenant}`…, the S3 key's tenant segment,
 * `kms:EncryptionContext:tenant`), so these credentials can reach one tenant and nothing else.
 *
 * A function's own role assuming another role is role chaining, which caps a session at one hour:
 * sessions are asked for that hour, kept per tenant while the container is warm, and renewed once
 * fewer than `REFRESH_BEFORE_EXPIRY_MS` remain. The SDK asks its provider again five minutes before
 * expiry, and by then ours has a fresh session: no call is signed in a session's last minutes.
 */
export const TENANT_SESSION_SECONDS = 3600;
export const REFRESH_BEFORE_EXPIRY_MS = 10 * 60 * 1000;

export interface TenantCredentialsOptions {
  /** The tenant-data role this function may assume (`KEYHOLD_TENANT_ROLE_ARN`). */
  roleArn: string;
  sts?: STSClient;
  now?: () => Date;
  maxTenants?: number;
}

export interface TenantCredentials {
  /** A provider for the SDK clients of one tenant; nothing is asked of STS until a client signs. */
  forTenant(tenantId: string): AwsCredentialIdentityProvider;
}

/** A session name CloudTrail shows beside every call made with it. */
export const sessionNameFor = (tenantId: string) => `keyhold-${tenantId}`;

export function stsTenantCredentials(options: TenantCredentialsOptions): TenantCredentials {
  const sts = options.sts ?? new STSClient({});
  const now = options.now ?? (() => new Date());
  const max = options.maxTenants ?? DEFAULT_MAX_OPEN_TENANTS;
  const sessions = new Map<string, Promise<AwsCredentialIdentity>>();

  async function assume(tenantId: string): Promise<AwsCredentialIdentity> {
    const out = await sts.send(
      new AssumeRoleCommand({
        RoleArn: options.roleArn,
        RoleSessionName: sessionNameFor(tenantId),
        DurationSeconds: TENANT_SESSION_SECONDS,
        Tags: [{ Key: TENANT_TAG, Value: tenantId }],
      }),
    );
    const c = out.Credentials;
    if (!c?.AccessKeyId || !c.SecretAccessKey || !c.SessionToken || !c.Expiration)
      throw new Error(`STS gave no credentials for tenant ${tenantId}`);
    return {
      accessKeyId: c.AccessKeyId,
      secretAccessKey: c.SecretAccessKey,
      sessionToken: c.SessionToken,
      expiration: c.Expiration,
    };
  }

  const fresh = (c: AwsCredentialIdentity) =>
    c.expiration !== undefined && c.expiration.getTime() - now().getTime() > REFRESH_BEFORE_EXPIRY_MS;

  async function session(tenantId: string): Promise<AwsCredentialIdentity> {
    const current = sessions.get(tenantId);
    if (current) {
      const c = await current;
      if (fresh(c)) return c;
      // Someone else renewed it while we waited: use theirs.
      if (sessions.get(tenantId) !== current) return session(tenantId);
    }
    const next = assume(tenantId);
    sessions.delete(tenantId);
    sessions.set(tenantId, next);
    if (sessions.size > max) sessions.delete(sessions.keys().next().value!);
    // A failure is not kept: the next request asks STS again.
    next.catch(() => {
      if (sessions.get(tenantId) === next) sessions.delete(tenantId);
    });
    return next;
  }

  return {
    forTenant(tenantId) {
      // The tag value is substituted into IAM patterns: only a well-formed tenant id may become one.
      if (!isTenantId(tenantId)) throw new TenantScopeError(`not a tenant id: ${JSON.stringify(tenantId)}`);
      return () => session(tenantId);
    },
  };
}
