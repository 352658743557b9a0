/**
 * The security headers the console is served with: by CloudFront's response headers policy in AWS
 * (stacks/Site.ts) and by the local server offline (packages/local/src/server.ts), from this one
 * table. Only `connect-src` differs: AWS adds the region's HTTP APIs and Cognito's sign-in API.
 */

/** The console's pages may talk to their own origin and to `connectSrc`, nothing else. */
export const contentSecurityPolicy = (connectSrc: readonly string[] = []) =>
  [
    "default-src 'self'",
    // antd injects its styles inline.
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "font-src 'self' data:",
    ["connect-src 'self'", ...connectSrc].join(" "),
    "object-src 'none'",
    "base-uri 'self'",
    "frame-ancestors 'none'",
  ].join("; ");

export const consoleSecurityHeaders = {
  frameOptions: "DENY",
  referrerPolicy: "no-referrer",
  contentTypeOptions: "nosniff",
  /** HSTS: a year, subdomains included (browsers ignore it over plain http, as offline). */
  hstsMaxAgeSeconds: 365 * 86_400,
  hstsIncludeSubdomains: true,
} as const;

/** The headers as a server sends them. */
export function securityHeaderValues(connectSrc: readonly string[] = []): Record<string, string> {
  const h = consoleSecurityHeaders;
  return {
    "content-security-policy": contentSecurityPolicy(connectSrc),
    "x-frame-options": h.frameOptions,
    "referrer-policy": h.referrerPolicy,
    "x-content-type-options": h.contentTypeOptions,
    "strict-transport-security": `max-age=${h.hstsMaxAgeSeconds}${h.hstsIncludeSubdomains ? "; includeSubDomains" : ""}`,
  };
}
