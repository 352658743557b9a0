import { Duration } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as iam from "aws-cdk-lib/aws-iam";
import { Api as HttpApi, use, type ApiRouteProps, type StackContext } from "sst/constructs";
import { Access } from "./Access.ts";
import { Auth } from "./Auth.ts";
import { backupRoleName } from "./Backup.ts";
import { accessOf, deployedRoutes, type AccessNeed, type RouteSpec } from "./core.ts";
import { keyholdFunction, nativeNeedsOf } from "./functions.ts";
import { environmentFor, profileKey, stageIdentityEnvironment, type EnvironmentSources } from "./grants.ts";
import { runtimeFindings, suppress, synchronousFindings } from "./nag.ts";
import { API_BASE_PATH, Site } from "./Site.ts";
import { TOKEN_AUDIENCE, stageSettings } from "./settings.ts";
import { Storage, isProtectedStage } from "./Storage.ts";
import { Trail } from "./Trail.ts";

/** The route key API Gateway and SST use: `GET /clients/{id}`. */
export const routeKey = (r: RouteSpec) => `${r.method} ${r.path}`;

/**
 * API Gateway's access log: the route template and never the path, whose `/shared/{token}` would
 * write a live share token into the log.
 */
export const accessLogFields = [
  `"requestTime":"$context.requestTime"`,
  `"requestId":"$context.requestId"`,
  `"routeKey":"$context.routeKey"`,
  `"status":$context.status`,
  `"responseLatency":$context.responseLatency`,
  `"integrationStatus":"$context.integration.status"`,
  `"integrationLatency":"$context.integration.latency"`,
  `"ip":"$context.identity.sourceIp"`,
  `"userAgent":"$context.identity.userAgent"`,
];

/**
 * Request rates API Gateway lets through (requests per second, steady and burst) before answering
 * 429: the whole stage, and tighter on the public routes a stranger can call with a guessed link.
 * HTTP APIs cannot be fronted by AWS WAF (only REST APIs, CloudFront, ALB and AppSync can): these
 * limits, the JWT authorizer and the functions' own checks are the API's rate defence.
 */
export const throttles = {
  stage: { rate: 50, burst: 100 },
  routes: {
    "GET /shared/{token}": { rate: 5, burst: 10 },
    "POST /shared/{token}/download": { rate: 5, burst: 10 },
  } as Record<string, { rate: number; burst: number }>,
};

/** "GET /clients/{id}" → "GETclientsid": a construct id. */
const routeId = (r: RouteSpec) => routeKey(r).replace(/[^A-Za-z0-9]/g, "");

/**
 * The roles of the Access stack, imported immutable: a function here can never add a statement to
 * its role, so what a role allows is only what Access gave it.
 */
export function importedRoles(stack: StackContext["stack"]) {
  const { roleArnFor } = use(Access);
  const imported = new Map<string, iam.IRole>();
  return (needs: readonly AccessNeed[]) => {
    const key = profileKey(needs);
    let role = imported.get(key);
    if (!role) {
      role = iam.Role.fromRoleArn(stack, `Role-${key}`, roleArnFor(needs), { mutable: false });
      imported.set(key, role);
    }
    return role;
  };
}

/** The environment sources every function's variables are chosen from (grants.ts). */
export function environmentSources(stack: StackContext["stack"]): EnvironmentSources {
  const { table, documents, feed } = use(Storage);
  const { digests } = use(Trail);
  const { userPool, signingKey, identity } = use(Auth);
  const { apiUrl } = use(Site);
  const { backupRegion } = stageSettings(stack.stage, stack.region);
  const { appRoleArns, tenantRoleArnFor } = use(Access);
  return {
    stage: stack.stage,
    tableName: table.tableName,
    documentsBucket: documents.bucketName,
    digestBucket: digests.bucketName,
    ...(userPool ? { userPoolId: userPool.userPoolId } : {}),
    identity: {
      kind: identity.kind,
      ...(signingKey ? { signingKeyId: signingKey.keyArn } : {}),
      ...(apiUrl && !userPool ? { issuer: apiUrl } : {}),
      ...(identity.oidc ? { oidc: identity.oidc } : {}),
    },
    accountId: stack.account,
    ...(backupRegion ? { backupRegion } : {}),
    appRoleArns: appRoleArns.join(","),
    tenantRoleArnFor,
    backupRoleArn: stack.formatArn({
      service: "iam",
      region: "",
      resource: "role",
      resourceName: backupRoleName(stack.stage),
    }),
    feedStreamName: feed.streamName,
  };
}

/**
 * The HTTP API, generated from core's route table. Staff routes sit behind the JWT authorizer
 * (Cognito's, or Keyhold's own issuer on a China stage); each route's function gets the role and
 * the environment of exactly the needs its route declares (`accessOf`): public routes included (`GET /shared/{token}` reads the table, the
 * tenant key and the blob; /health and /openapi.json get nothing at all). Tenant data is reached
 * only through a session of a tenant-data role tagged with the request's tenant
 * (`KEYHOLD_TENANT_ROLE_ARN`), so IAM, not only core, keeps a request inside its tenant (docs/infra.md).
 */
export function Api({ stack, app }: StackContext) {
  const { userPool, client } = use(Auth);
  const { origin, domainName, apiUrl } = use(Site);
  const roleFor = importedRoles(stack);
  const sources = environmentSources(stack);

  const routes: Record<string, ApiRouteProps<"staff">> = Object.fromEntries(
    deployedRoutes().map((r) => {
      const needs = accessOf(r);
      const fn = keyholdFunction(stack, `Fn${routeId(r)}`, {
        handler: r.handler,
        description: `${routeKey(r)}: ${r.summary}`.slice(0, 256),
        role: roleFor(needs),
        environment: { ...environmentFor(needs, sources), ...stageIdentityEnvironment(sources) },
        // API Gateway waits 30 s at most; watermarking a large scan takes seconds.
        timeout: Duration.seconds(nativeNeedsOf(r.handler).includes("sharp") ? 29 : 10),
      });
      suppress(fn, [...runtimeFindings, ...synchronousFindings]);
      return [routeKey(r), { authorizer: r.auth === "staff" ? "staff" : "none", cdk: { function: fn } }];
    }),
  );

  const api = new HttpApi(stack, "Api", {
    authorizers: {
      // Cognito where the stage has a user pool; elsewhere (China) Keyhold's own tokens, whose
      // issuer is this API on the stage's domain: API Gateway reads its OIDC discovery document
      // and the JWKS it names, the signing key's public half (docs/china.md).
      staff:
        userPool && client
          ? {
              type: "user_pool",
              userPool: { id: userPool.userPoolId, clientIds: [client.userPoolClientId], region: app.region },
            }
          : { type: "jwt", jwt: { issuer: issuerOf(apiUrl), audience: [TOKEN_AUDIENCE] } },
    },
    defaults: { authorizer: "none", throttle: throttles.stage },
    accessLog: {
      format: `{${accessLogFields.join(",")}}`,
      retention: isProtectedStage(stack.stage) ? "one_year" : "one_month",
    },
    // Only the console's origin may call from a browser; tokens travel in the Authorization header
    // and no credentials (cookies) are allowed cross-origin.
    cors: {
      allowOrigins: [origin],
      allowHeaders: ["authorization", "content-type"],
      allowMethods: [...new Set(deployedRoutes().map((r) => r.method))],
      // What the console reads of a download (web/src/api/http.ts) and the request id for support.
      exposeHeaders: ["content-disposition", "x-keyhold-truncated", "x-keyhold-watermark", "x-request-id"],
      allowCredentials: false,
      maxAge: "1 hour",
    },
    routes,
  });
  const cfnStage = api.cdk.httpApi.defaultStage!.node.defaultChild as apigwv2.CfnStage;
  for (const key of Object.keys(throttles.routes))
    if (!routes[key]) throw new Error(`throttles name ${key}, which is not a deployed route`);
  cfnStage.routeSettings = Object.fromEntries(
    Object.entries(throttles.routes).map(([key, t]) => [
      key,
      { throttlingRateLimit: t.rate, throttlingBurstLimit: t.burst },
    ]),
  );
  const publicRoutes = new Set(
    deployedRoutes()
      .filter((r) => r.auth !== "staff")
      .map(routeKey),
  );
  for (const c of api.node.findAll()) {
    if (c instanceof apigwv2.CfnRoute && publicRoutes.has(c.routeKey)) suppress(c, publicRouteFindings);
  }

  // On a China stage's ICP-filed domain the API answers under /api (stacks/Site.ts).
  if (domainName)
    new apigwv2.ApiMapping(stack, "ApiMapping", { api: api.cdk.httpApi, domainName, apiMappingKey: API_BASE_PATH });

  stack.addOutputs({ ApiUrl: apiUrl ?? api.url });

  return { api, apiUrl: apiUrl ?? api.url };
}

function issuerOf(apiUrl: string | undefined): string {
  if (!apiUrl)
    throw new Error(
      "Keyhold's own identity needs the API on the stage's own domain, its token issuer (a stage in China: KEYHOLD_DOMAIN)",
    );
  return apiUrl;
}

/** A route anyone may call: /health, /openapi.json, a share link (whose token is its authorization). */
const publicRouteFindings: [string, string][] = [
  [
    "AwsSolutions-APIG4",
    "public by design in core's route table (health, the OpenAPI document, a share link whose unguessable token is its credential)",
  ],
];
