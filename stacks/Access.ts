import { Duration, Tags } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { use, type StackContext } from "sst/constructs";
import { Auth } from "./Auth.ts";
import { accessOf, deployedRoutes, jobs, streamConsumers, type AccessNeed } from "./core.ts";
import { deadLetterStatements } from "./deadletters.ts";
import {
  assumeTenantRole,
  canonicalNeeds,
  functionPrincipalTag,
  policyFor,
  profileKey,
  tenantPartOf,
  tenantPolicyFor,
  tenantSessionConditions,
} from "./grants.ts";
import { grantWildcards, tenantRoleWildcards } from "./grant-findings.ts";
import { suppress } from "./nag.ts";
import { Storage } from "./Storage.ts";
import { Trail } from "./Trail.ts";

/** Every distinct set of needs in core's route and job tables, in a stable order. */
export const accessProfiles = (): AccessNeed[][] => {
  const byKey = new Map<string, AccessNeed[]>();
  for (const needs of [
    ...deployedRoutes().map(accessOf),
    ...jobs.map((j) => j.access),
    ...streamConsumers.map((c) => c.access),
  ])
    byKey.set(profileKey(needs), canonicalNeeds(needs));
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, needs]) => needs);
};

/** "data+seal:sign" → "RoleDataSealSign"; no needs → "RoleNone". */
const roleId = (needs: readonly AccessNeed[], prefix = "Role") =>
  prefix +
  (profileKey(needs) === "none"
    ? "None"
    : profileKey(needs)
        .split(/[+:]/)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join(""));

/** Every distinct tenant part of the profiles (`tenantPartOf`): one tenant-data role each. */
export const tenantParts = (): AccessNeed[][] => {
  const byKey = new Map<string, AccessNeed[]>();
  for (const needs of accessProfiles())
    if (tenantPartOf(needs).length) byKey.set(profileKey(tenantPartOf(needs)), tenantPartOf(needs));
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, part]) => part);
};

/**
 * The functions' IAM roles: one per access profile (a distinct set of needs from core's route and
 * job tables), shared by every route and job with those needs, holding exactly the statements the
 * needs imply (grants.ts); and the tenant-data roles they assume, one tenant per session, for the
 * tenant's items, documents and key (docs/infra.md, "Tenant isolation"). Their own stack, before
 * Api and Jobs, because:
 * - tenant keys name the roles that may use them, the tenant-data roles (`KEYHOLD_APP_ROLE_ARNS`,
 *   written into each key policy by `keys:admin` functions), so those ARNs must exist before any
 *   function and outlive function replacements; a key policy keeps naming a deleted role's old id,
 *   so the tenant-data roles must never be replaced in a stage that has tenants;
 * - a handful of shared roles keeps that list short (Lambda's environment is 4 KB) and lets both the
 *   Api and the Jobs functions use it without a cycle between their stacks.
 * Every role carries `keyhold:principal=function`, which the platform and seal keys refuse
 * administration to.
 */
export function Access({ stack }: StackContext) {
  const { table, platformKey, documents, feed } = use(Storage);
  const { sealKey, digests } = use(Trail);
  const { userPool, signingKey, identity } = use(Auth);
  const targets = {
    stack,
    table,
    platformKey,
    documents,
    sealKey,
    digests,
    userPool,
    signingKey,
    oidcClientSecretArn: identity.oidc?.clientSecretArn,
    feedStreamArn: feed.streamArn,
  };

  const roles = new Map<string, iam.Role>();
  for (const needs of accessProfiles()) {
    const role = new iam.Role(stack, roleId(needs), {
      description: `Keyhold ${stack.stage} functions that need: ${profileKey(needs)}`,
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      inlinePolicies: {
        access: new iam.PolicyDocument({
          statements: [...policyFor(needs, targets), ...deadLetterStatements(stack, needs)],
        }),
      },
    });
    suppress(role, grantWildcards(stack, needs));
    Tags.of(role).add(functionPrincipalTag.key, functionPrincipalTag.value);
    roles.set(profileKey(needs), role);
  }

  // The tenant-data roles: one per distinct tenant part, trusted by exactly the function roles whose
  // profiles have that part, each session tagged with one tenant (core's tenancy/sts.ts). Their
  // statements hold `${aws:PrincipalTag/tenant}` wherever a tenant is named (grants.ts).
  const tenantRoles = new Map<string, iam.Role>();
  for (const part of tenantParts()) {
    const assumers = accessProfiles()
      .filter((needs) => profileKey(tenantPartOf(needs)) === profileKey(part))
      .map((needs) => roles.get(profileKey(needs))!);
    const role = new iam.Role(stack, roleId(part, "TenantRole"), {
      description: `Keyhold ${stack.stage}: one tenant's session (its tag names the tenant) for: ${profileKey(part)}`,
      assumedBy: new iam.CompositePrincipal(...assumers.map((r) => new iam.ArnPrincipal(r.roleArn))),
      // Role chaining (a function's role assuming this one) allows no more than an hour anyway.
      maxSessionDuration: Duration.hours(1),
      inlinePolicies: { tenant: new iam.PolicyDocument({ statements: tenantPolicyFor(part, targets) }) },
    });
    // The trust, written out: the assumers, with the tenant tag and only it (grants.ts).
    const trust = role.node.defaultChild as iam.CfnRole;
    trust.assumeRolePolicyDocument = new iam.PolicyDocument({
      statements: [
        new iam.PolicyStatement({
          sid: "FunctionsOpenOneTenant",
          principals: assumers.map((r) => new iam.ArnPrincipal(r.roleArn)),
          actions: ["sts:AssumeRole", "sts:TagSession"],
          conditions: tenantSessionConditions,
        }),
      ],
    });
    for (const assumer of assumers) {
      assumer.attachInlinePolicy(
        new iam.Policy(stack, `${assumer.node.id}Opens${role.node.id}`, {
          statements: [assumeTenantRole(role.roleArn)],
        }),
      );
    }
    suppress(role, tenantRoleWildcards());
    Tags.of(role).add(functionPrincipalTag.key, functionPrincipalTag.value);
    tenantRoles.set(profileKey(part), role);
  }

  const roleArnFor = (needs: readonly AccessNeed[]) => {
    const role = roles.get(profileKey(needs));
    if (!role) throw new Error(`no role for the access profile ${profileKey(needs)}`);
    return role.roleArn;
  };
  const tenantRoleArnFor = (needs: readonly AccessNeed[]) => {
    const role = tenantRoles.get(profileKey(tenantPartOf(needs)));
    if (!role) throw new Error(`no tenant-data role for the access profile ${profileKey(needs)}`);
    return role.roleArn;
  };
  // Tenant keys are used only by tenant sessions: each key's policy names these roles.
  const appRoleArns = [...tenantRoles.values()].map((r) => r.roleArn);

  return { roleArnFor, tenantRoleArnFor, appRoleArns };
}
