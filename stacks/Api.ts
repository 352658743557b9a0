import * as iam from "aws-cdk-lib/aws-iam";
import { Api as HttpApi, use, type ApiRouteProps, type Permissions, type StackContext } from "sst/constructs";
import { Crypto, deployedRoutes, handlerLocation, type RouteSpec } from "@keyhold/core";
import { Auth } from "./Auth.ts";
import { Storage } from "./Storage.ts";

/** The item-level calls the use cases make. No Scan, no table administration, no wildcard. */
export const tableActions = [
  "dynamodb:GetItem",
  "dynamodb:PutItem",
  "dynamodb:UpdateItem",
  "dynamodb:DeleteItem",
  "dynamodb:Query",
  "dynamodb:BatchGetItem",
  "dynamodb:ConditionCheckItem",
] as const;

/** What DynamoDB needs of its caller to use the table's platform key, and only through DynamoDB. */
export const platformKeyActions = ["kms:Decrypt", "kms:Encrypt", "kms:GenerateDataKey", "kms:DescribeKey"] as const;

/** Envelope encryption under a tenant's key (the AWS Encryption SDK's KMS keyring). */
export const tenantKeyDataActions = ["kms:Encrypt", "kms:Decrypt", "kms:GenerateDataKey"] as const;

/** Resolving a tenant's alias to its key ARN (`kmsKeyrings` in core). */
export const tenantKeyDescribeActions = ["kms:DescribeKey"] as const;

/** Every tenant key of a stage, by alias: `alias/keyhold/<stage>/*`. */
export const tenantAliasPattern = (stage: string) => Crypto.tenantKeyAlias(stage, "*");

/** The route key API Gateway and SST use: `GET /clients/{id}`. */
export const routeKey = (r: RouteSpec) => `${r.method} ${r.path}`;

/** "clients.register" → "functions/clients.register" (file `functions/clients.ts`, export `register`). */
export const functionHandler = (r: RouteSpec) => {
  const { file, name } = handlerLocation(r.handler);
  return `functions/${file}.${name}`;
};

/**
 * The HTTP API, generated from core's route table. Staff routes sit behind the Cognito JWT
 * authorizer and get the data grants; public routes get neither. Tenant isolation inside a grant is
 * core's job (every key begins with `T#<tenant>`, every ciphertext names its tenant); IAM bounds
 * what any request could do at all.
 */
export function Api({ stack, app }: StackContext) {
  const { table, platformKey } = use(Storage);
  const { userPool, client } = use(Auth);

  const tenantKeyArns = stack.formatArn({ service: "kms", resource: "key", resourceName: "*" });
  const tenantAliasCondition = { "ForAnyValue:StringLike": { "kms:ResourceAliases": tenantAliasPattern(stack.stage) } };

  const statements = [
    new iam.PolicyStatement({
      sid: "TableItems",
      actions: [...tableActions],
      resources: [table.tableArn, `${table.tableArn}/index/*`],
    }),
    new iam.PolicyStatement({
      sid: "PlatformKeyViaDynamoDB",
      actions: [...platformKeyActions],
      resources: [platformKey.keyArn],
      conditions: { StringEquals: { "kms:ViaService": `dynamodb.${app.region}.${stack.urlSuffix}` } },
    }),
    new iam.PolicyStatement({
      sid: "TenantKeysWithTenantContext",
      actions: [...tenantKeyDataActions],
      resources: [tenantKeyArns],
      conditions: {
        ...tenantAliasCondition,
        "ForAnyValue:StringEquals": { "kms:EncryptionContextKeys": "tenant" },
      },
    }),
    // DescribeKey carries no encryption context, so it cannot share the statement above: a
    // context-key condition would never match it.
    new iam.PolicyStatement({
      sid: "TenantKeysDescribe",
      actions: [...tenantKeyDescribeActions],
      resources: [tenantKeyArns],
      conditions: tenantAliasCondition,
    }),
  ];

  // sst 2.49.8 bundles its own aws-cdk-lib (2.224.0) next to the project's (2.201.0); the statements
  // are the same class at runtime (sst recognises them by jsii type name), only TypeScript sees two.
  const dataPermissions = statements as unknown as Permissions;

  const routes: Record<string, ApiRouteProps<"staff">> = Object.fromEntries(
    deployedRoutes().map((r) => [
      routeKey(r),
      {
        authorizer: r.auth === "staff" ? "staff" : "none",
        function: {
          handler: functionHandler(r),
          permissions: r.auth === "staff" ? dataPermissions : [],
        },
      },
    ]),
  );

  const api = new HttpApi(stack, "Api", {
    authorizers: {
      staff: {
        type: "user_pool",
        userPool: {
          id: userPool.userPoolId,
          clientIds: [client.userPoolClientId],
          region: app.region,
        },
      },
    },
    defaults: {
      authorizer: "none",
      function: {
        runtime: "nodejs22.x",
        architecture: "arm_64",
        memorySize: "1024 MB",
        timeout: "10 seconds",
        environment: {
          KEYHOLD_TABLE: table.tableName,
          KEYHOLD_STAGE: stack.stage,
        },
        nodejs: { format: "esm" },
      },
    },
    // Tokens travel in the Authorization header and no credentials are allowed cross-origin, so the
    // open origin exposes no cookie. The console's Web stack should narrow it to its own domain.
    cors: {
      allowOrigins: ["*"],
      allowHeaders: ["authorization", "content-type"],
      allowMethods: [...new Set(deployedRoutes().map((r) => r.method))],
      allowCredentials: false,
    },
    routes,
  });

  stack.addOutputs({ ApiUrl: api.url });

  return { api };
}
