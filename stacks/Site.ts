import { Duration, RemovalPolicy } from "aws-cdk-lib";
import * as cloudfront from "aws-cdk-lib/aws-cloudfront";
import * as origins from "aws-cdk-lib/aws-cloudfront-origins";
import * as s3 from "aws-cdk-lib/aws-s3";
import type { StackContext } from "sst/constructs";

/** The console's pages may talk to this origin, the region's HTTP APIs and Cognito's sign-in API, nothing else. */
export const consoleContentSecurityPolicy = (region: string, urlSuffix: string) =>
  [
    "default-src 'self'",
    // antd injects its styles inline.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    `connect-src 'self' https://*.execute-api.${region}.${urlSuffix} https://cognito-idp.${region}.${urlSuffix}`,
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

/**
 * Where the console is served from: a private bucket behind a CloudFront distribution (origin access
 * control). A stack of its own, before Api, so that the API's CORS can name the console's origin
 * while the console (stacks/Web.ts, after Api) is built with the API's URL — one stack holding both
 * would be a dependency cycle. The bucket holds only the console's build output: it goes with the
 * stage, prod included.
 */
export function Site({ stack, app }: StackContext) {
  const bucket = new s3.Bucket(stack, "ConsoleBucket", {
    blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
    objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
    enforceSSL: true,
    encryption: s3.BucketEncryption.S3_MANAGED,
    removalPolicy: RemovalPolicy.DESTROY,
    autoDeleteObjects: true,
  });

  const headers = new cloudfront.ResponseHeadersPolicy(stack, "ConsoleHeaders", {
    comment: `Keyhold ${stack.stage} console security headers`,
    securityHeadersBehavior: {
      contentSecurityPolicy: { contentSecurityPolicy: consoleContentSecurityPolicy(app.region, stack.urlSuffix), override: true },
      contentTypeOptions: { override: true },
      frameOptions: { frameOption: cloudfront.HeadersFrameOption.DENY, override: true },
      referrerPolicy: { referrerPolicy: cloudfront.HeadersReferrerPolicy.NO_REFERRER, override: true },
      strictTransportSecurity: { accessControlMaxAge: Duration.days(365), includeSubdomains: true, override: true },
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
    errorResponses: [403, 404].map((httpStatus) => ({ httpStatus, responseHttpStatus: 200, responsePagePath: "/index.html", ttl: Duration.seconds(0) })),
  });

  const origin = `https://${distribution.distributionDomainName}`;
  stack.addOutputs({ ConsoleUrl: origin });

  return { bucket, distribution, origin };
}
