import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as apigwv2 from "aws-cdk-lib/aws-apigatewayv2";
import * as acm from "aws-cdk-lib/aws-certificatemanager";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { Stack, StackContext } from "sst/constructs";
import { consoleSecurityHeaders, contentSecurityPolicy } from "./core.ts";
import { suppress } from "./nag.ts";
import { stageSettings, type StageSettings } from "./settings.ts";

/** The console's pages may talk to this origin, the region's HTTP APIs and Cognito's sign-in API, nothing else. */
export const consoleContentSecurityPolicy = (region: string, urlSuffix: string) =>
  contentSecurityPolicy([`https://*.execute-api.${region}.${urlSuffix}`, `https://cognito-idp.${region}.${urlSuffix}`]);

/**
 * Where the console is served from: a private bucket behind a CloudFront distribution (origin access
 * control). A stack of its own, before Api, so that the API's CORS can name the console's origin
 * while the console (stacks/Web.ts, after Api) is built with the API's URL — one stack holding both
 * would be a dependency cycle. The bucket holds only the console's build output: it goes with the
 * stage, prod included.
 *
 * With a domain (KEYHOLD_DOMAIN and its us-east-1 certificate) viewers need TLS 1.2 or later
 * (TLSv1.2_2021). Without one CloudFront serves its default `*.cloudfront.net` certificate, whose
 * security policy is fixed at TLSv1 and cannot be raised: that stage accepts TLS 1.0.
 */
export function Site({ stack, app }: StackContext) {
  const settings = stageSettings(stack.stage, app.region);
  if (settings.place.mainland) return chinaSite(stack, settings);
  const { domain } = settings;
  const bucket = consoleBucket(stack);

  const headers = new cloudfront.ResponseHeadersPolicy(stack, "ConsoleHeaders", {
    comment: `Keyhold ${stack.stage} console security headers`,
    securityHeadersBehavior: {
      contentSecurityPolicy: {
        contentSecurityPolicy: consoleContentSecurityPolicy(app.region, stack.urlSuffix),
        override: true,
      },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: frameOptions[consoleSecurityHeaders.frameOptions], override: true },
      referrerPolicy: { referrerPolicy: referrerPolicies[consoleSecurityHeaders.referrerPolicy], override: true },
      strictTransportSecurity: {
        accessControlMaxAge: Duration.seconds(consoleSecurityHeaders.hstsMaxAgeSeconds),
        includeSubdomains: consoleSecurityHeaders.hstsIncludeSubdomains,
        override: true,
      },
    },
  });

  const distribution = new cloudfront.Distribution(stack, "ConsoleCdn", {
    comment: `Keyhold ${stack.stage} console`,
    defaultRootObject: "index.html",
    defaultBehavior: {
      origin: origins.S3BucketOrigin.withOriginAccessControl(bucket),
      viewerProtocolPolicy: cloudfront.ViewerProtocolPolicy.REDIRECT_TO_HTTPS,
      cachePolicy: cloudfront.CachePolicy.CACHING_OPTIMIZED,
      responseHeadersPolicy: headers,
    },
    // The single-page app's own paths (/console/...) are not files: S3 answers 403, the app answers.
    errorResponses: [403, 404].map((httpStatus) => ({
      httpStatus,
      responseHttpStatus: 200,
      responsePagePath: "/index.html",
      ttl: Duration.seconds(0),
    })),
    ...(domain
      ? {
          domainNames: [domain.name],
          certificate: acm.Certificate.fromCertificateArn(stack, "ConsoleCertificate", domain.certificateArn),
          minimumProtocolVersion: cloudfront.SecurityPolicyProtocol.TLS_V1_2_2021,
          sslSupportMethod: cloudfront.SSLMethod.SNI,
        }
      : {}),
  });
  suppress(distribution, [
    [
      "AwsSolutions-CFR3",
      "the console is static files with no personal data; every API call and read of data is logged by API Gateway, Lambda and CloudTrail",
    ],
    ...(domain
      ? []
      : ([
          [
            "AwsSolutions-CFR4",
            "no KEYHOLD_DOMAIN on this stage: CloudFront's default certificate fixes TLSv1 and cannot be raised (set a domain; prod should)",
          ],
        ] as [string, string][])),
  ]);
  suppress(bucket, [
    [
      "AwsSolutions-S1",
      "holds only the console's public build output; CloudFront serves it, and nothing with personal data is ever stored here",
    ],
  ]);

  const origin = domain ? `https://${domain.name}` : `https://${distribution.distributionDomainName}`;
  stack.addOutputs({ ConsoleUrl: origin });

  return {
    bucket,
    distribution: distribution as cloudfront.Distribution | undefined,
    origin,
    domainName: undefined as apigwv2.DomainName | undefined,
    apiUrl: undefined as string | undefined,
  };
}

/** The console's build output only: private, TLS-only, emptied and removed with the stage. */
const consoleBucket = (stack: Stack) =>
  new s3.Bucket(stack, "ConsoleBucket", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });

/** The base path the API is mapped at on a China stage's custom domain: `https://<domain>/api/...`. */
export const API_BASE_PATH = "api";

/**
 * A stage in China (docs/china.md): no CloudFront. The ICP-filed domain (KEYHOLD_DOMAIN, with an ACM
 * certificate of the stage's region and the filing number) is an API Gateway custom domain with
 * TLS 1.2: the HTTP API is mapped at `/api`, and the console at the root, served from this private
 * bucket by a function (stacks/Web.ts). One origin: the console calls its API same-origin, and the
 * issuer of Keyhold's tokens is `https://<domain>/api`, whose JWKS the API serves itself.
 */
function chinaSite(stack: Stack, settings: StageSettings) {
  const domain = settings.domain!;
  const bucket = consoleBucket(stack);
  suppress(bucket, [
    [
      "AwsSolutions-S1",
      "holds only the console's public build output, read by the console function alone; nothing with personal data is ever stored here",
    ],
  ]);
  const domainName = new apigwv2.DomainName(stack, "ConsoleDomain", {
    domainName: domain.name,
    certificate: acm.Certificate.fromCertificateArn(stack, "ConsoleCertificate", domain.certificateArn),
    securityPolicy: apigwv2.SecurityPolicy.TLS_1_2,
  });
  const origin = `https://${domain.name}`;
  stack.addOutputs({
    ConsoleUrl: origin,
    // The DNS record the agency points its ICP-filed name at (a CNAME).
    ConsoleDomainTarget: domainName.regionalDomainName,
    IcpFiling: settings.icpFiling!,
  });
  return {
    bucket,
    distribution: undefined as cloudfront.Distribution | undefined,
    origin,
    domainName: domainName as apigwv2.DomainName | undefined,
    apiUrl: `${origin}/${API_BASE_PATH}` as string | undefined,
  };
}

const frameOptions = { DENY: cloudfront.HeadersFrameOption.DENY } as const;
const referrerPolicies = { "no-referrer": cloudfront.HeadersReferrerPolicy.NO_REFERRER } as const;
