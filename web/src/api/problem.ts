import type { components } from "./schema";

type ApiProblem = components["schemas"]["Problem"];

/**
 * A problem as the console holds it: the API's RFC 9457 body (`application/problem+json`, generated
 * from core's document), or one the console makes up (`clientCodes`). So `code` is any string — the
 * console's own codes, or one a newer API sends that this build does not know yet — and `type`,
 * `title` and `detail` may be missing from a made-up one.
 */
export type ProblemBody = Omit<ApiProblem, "code" | "type" | "title" | "detail"> &
  Partial<Pick<ApiProblem, "type" | "title" | "detail">> & { code: string };

/** What a failed call throws: the problem the API sent, or one made up for network and odd replies. */
export class ApiError extends Error {
  constructor(readonly problem: ProblemBody) {
    super(problem.detail ?? problem.title ?? problem.code);
  }
  get code() {
    return this.problem.code;
  }
  get status() {
    return this.problem.status;
  }
}

/**
 * Codes the console makes up itself, for failures that never reached the API's problem+json: the
 * network, odd replies, and what Cognito answers at sign-in (auth/cognito.ts).
 */
export const clientCodes = {
  network_error: { status: 0, title: "The server could not be reached" },
  unexpected_response: { status: 0, title: "Unexpected response from the server" },
  sign_in_failed: { status: 400, title: "Incorrect username or password" },
  sign_in_expired: { status: 400, title: "The sign-in step timed out" },
  sign_in_unavailable: { status: 400, title: "Sign-in is not set up for this console" },
  account_disabled: { status: 400, title: "The account is disabled" },
  password_reset_required: { status: 400, title: "The password was reset by an administrator" },
  password_policy: { status: 400, title: "The new password does not meet the policy" },
  mfa_code_invalid: { status: 400, title: "The authenticator code is wrong or expired" },
  too_many_attempts: { status: 400, title: "Too many attempts" },
  unsupported_challenge: { status: 400, title: "Unsupported sign-in challenge" },
  identity_provider_error: { status: 400, title: "The identity provider answered with an error" },
  idle_locked: { status: 401, title: "Locked after inactivity" },
} as const;

export async function problemOf(res: Response): Promise<ProblemBody> {
  const type = res.headers.get("content-type") ?? "";
  if (/json/i.test(type)) {
    try {
      const body = (await res.json()) as Partial<ProblemBody>;
      if (body && typeof body.code === "string") return { ...body, status: body.status ?? res.status, code: body.code };
    } catch {
      // fall through
    }
  }
  // API Gateway's JWT authorizer refuses a missing or expired token itself, with {"message":"Unauthorized"}.
  if (res.status === 401)
    return {
      status: 401,
      code: "invalid_token",
      title: "Invalid or expired token",
      detail: "the gateway refused the token",
    };
  return {
    status: res.status,
    code: "unexpected_response",
    title: clientCodes.unexpected_response.title,
    detail: `HTTP ${res.status}`,
  };
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

/** A 401 that means "sign in again" rather than "you may not". */
export const endsSession = (e: unknown) =>
  isApiError(e) &&
  e.status === 401 &&
  ["unauthenticated", "invalid_token", "session_revoked", "unknown_user"].includes(e.code);
