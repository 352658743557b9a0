import { Tags } from "aws-cdk-lib";
import * as iam from "aws-cdk-lib/aws-iam";
import { use, type StackContext } from "sst/constructs";
import { Auth } from "./Auth.ts";
import { accessOf, deployedRoutes, jobs, type AccessNeed } from "./core.ts";
import { deadLetterStatements } from "./deadletters.ts";
import { canonicalNeeds, functionPrincipalTag, policyFor, profileKey, usesTenantKeys } from "./grants.ts";
import { grantWildcards } from "./grant-findings.ts";
import { suppress } from "./nag.ts";
import { Storage } from "./Storage.ts";
import { Trail } from "./Trail.ts";

/** Every distinct set of needs in core's route and job tables, in a stable order. */
export const accessProfiles = (): AccessNeed[][] => {
  const byKey = new Map<string, AccessNeed[]>();
  for (const needs of [...deployedRoutes().map(accessOf), ...jobs.map((j) => j.access)]) byKey.set(profileKey(needs), canonicalNeeds(needs));
  return [...byKey.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([, needs]) => needs);
};

/** "data+seal:sign" → "RoleDataSealSign"; no needs → "RoleNone". */
const roleId = (needs: readonly AccessNeed[]) =>
  "Role" + (profileKey(needs) === "none" ? "None" : profileKey(needs).split(/[+:]/).map((w) => w[0]!.toUpperCase() + w.slice(1)).join(""));

/**
 * The functions' IAM roles: one per access profile (a distinct set of needs from core's route and
 * job tables), shared by every route and job with those needs, holding exactly the statements the
 * needs imply (grants.ts). Their own stack, before Api and Jobs, because:
 * - tenant keys name the roles that may use them (`KEYHOLD_APP_ROLE_ARNS`, written into each key
 *   policy by `keys:admin` functions), so those ARNs must exist before any function and outlive
 *   function replacements; a key policy keeps naming a deleted role's old id, so these roles must
 *   never be replaced in a stage that has tenants;
 * - a handful of shared roles keeps that list short (Lambda's environment is 4 KB) and lets both the
 *   Api and the Jobs functions use it without a cycle between their stacks.
 * Every role carries `keyhold:principal=function`, which the platform and seal keys refuse
 * administration to.
 */
export function Access({ stack }: StackContext) {
  const { table, platformKey, documents } = use(Storage);
  const { sealKey, digests } = use(Trail);
  const { userPool } = use(Auth);
  const targets = { stack, table, platformKey, documents, sealKey, digests, userPool };

  const roles = new Map<string, iam.Role>();
  for (const needs of accessProfiles()) {
    const role = new iam.Role(stack, roleId(needs), {
      description: `Keyhold ${stack.stage} functions that need: ${profileKey(needs)}`,
      assumedBy: new iam.ServicePrincipal("lambda.amazonaws.com"),
      inlinePolicies: { access: new iam.PolicyDocument({ statements: [...policyFor(needs, targets), ...deadLetterStatements(stack, needs)] }) },
    });
    suppress(role, grantWildcards(stack, needs));
    Tags.of(role).add(functionPrincipalTag.key, functionPrincipalTag.value);
    roles.set(profileKey(needs), role);
  }

  const roleArnFor = (needs: readonly AccessNeed[]) => {
    const role = roles.get(profileKey(needs));
    if (!role) throw new Error(`no role for the access profile ${profileKey(needs)}`);
    return role.roleArn;
  };
  const appRoleArns = accessProfiles()
    .filter(usesTenantKeys)
    .map(roleArnFor);

  return { roleArnFor, appRoleArns };
}
