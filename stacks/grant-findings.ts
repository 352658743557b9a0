import type { Stack } from "sst/constructs";
import { canonicalNeeds } from "./grants.ts";
import type { AccessNeed } from "./core.ts";
import type { Suppression } from "./nag.ts";

/**
 * The wildcards in the functions' roles (grants.ts) that cdk-nag's IAM5 reports, each suppressed
 * for exactly that resource pattern on the role that has it, with why the wildcard is the narrowest
 * grant there is. Any other wildcard a role might gain stays an error.
 */
const IAM5 = "AwsSolutions-IAM5";
const pattern = (re: string) => ({ regex: `/^Resource::${re}$/` });
const escapeStage = (stage: string) => stage.replace(/[^A-Za-z0-9]/g, (c) => `\\${c}`);

export function grantWildcards(stack: Stack, needs: readonly AccessNeed[]): Suppression[] {
  const stage = escapeStage(stack.stage);
  const out: Suppression[] = [
    [
      IAM5,
      "X-Ray's PutTraceSegments and PutTelemetryRecords accept no resource; kms:CreateKey (keys:admin) names no key yet and is bound by stage tag, key spec and usage",
      [pattern("\\*")],
    ],
    [
      IAM5,
      "the stage's own function log groups, by their name prefix: a role serves every function of its access profile",
      [pattern(`arn:<AWS::Partition>:logs:[^:]+:\\d+:log-group:/aws/lambda/${stage}-keyhold-\\*:\\*`)],
    ],
  ];
  const has = new Set(canonicalNeeds(needs));
  if (has.has("data") || has.has("blobs") || has.has("keys:admin")) {
    out.push([
      IAM5,
      "tenant keys are created at run time by onboarding; the grant is bound to this stage's tenant alias namespace and a tenant encryption context",
      [pattern("arn:<AWS::Partition>:kms:[^:]+:\\d+:key/\\*")],
    ]);
  }
  if (has.has("data"))
    out.push([
      IAM5,
      "the single table's own global secondary indexes, which the use cases query",
      [pattern("<Table[A-Za-z0-9]+\\.Arn>/index/\\*")],
    ]);
  if (has.has("blobs"))
    out.push([
      IAM5,
      "objects of the documents bucket, keyed class/tenant/document at run time",
      [pattern("<Documents[A-Za-z0-9]+\\.Arn>/\\*")],
    ]);
  if (has.has("keys:admin"))
    out.push([
      IAM5,
      "aliases in this stage's tenant alias namespace (alias/keyhold/stage/tenant), created at onboarding",
      [pattern(`arn:<AWS::Partition>:kms:[^:]+:\\d+:alias/keyhold/${stage}/\\*`)],
    ]);
  if (has.has("digests:write") || has.has("digests:read"))
    out.push([
      IAM5,
      "the digest archive's digests/ prefix, one object per seal",
      [pattern("<Digests[A-Za-z0-9]+\\.Arn>/digests/\\*")],
    ]);
  return out;
}

/**
 * The wildcards in a tenant-data role (grants.ts `tenantPolicyFor`): each is pinned to one tenant by
 * the session's `tenant` tag (LeadingKeys on the table, the tenant's segment in object keys, the
 * encryption context and alias on keys), so the wildcard never spans tenants.
 */
export function tenantRoleWildcards(): Suppression[] {
  return [
    [
      IAM5,
      "a tenant session's items and indexes of the single table, pinned to its tenant by dynamodb:LeadingKeys on the session tag",
      [pattern("<Table[A-Za-z0-9]+\\.Arn>/index/\\*")],
    ],
    [
      IAM5,
      "a tenant session's own key among the runtime-created tenant keys, pinned by its alias and kms:EncryptionContext:tenant on the session tag",
      [pattern("arn:<AWS::Partition>:kms:[^:]+:\\d+:key/\\*")],
    ],
    [
      IAM5,
      "a tenant session's objects only: the tenant segment of every document key is the session tag",
      [pattern("<Documents[A-Za-z0-9]+\\.Arn>/\\*/[^/]*aws:PrincipalTag/tenant[^/]*/\\*")],
    ],
  ];
}
