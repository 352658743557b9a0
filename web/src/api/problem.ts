/** An RFC 9457 problem as the API answers it (`application/problem+json`, a stable `code`). */
export interface ProblemBody {
  type?: string;
  title?: string;
  status: number;
  detail?: string;
  code: string;
  errors?: { path: string; message: string }[];
  existing?: { owner: string | null; branchId: string | null };
  [extra: string]: unknown;
}

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

/** Codes the console makes up itself, for failures that never reached the API's problem+json. */
export const clientCodes = {
  network_error: { status: 0, title: "The server could not be reached" },
  unexpected_response: { status: 0, title: "Unexpected response from the server" },
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
  return { status: res.status, code: "unexpected_response", title: clientCodes.unexpected_response.title, detail: `HTTP ${res.status}` };
}

export const isApiError = (e: unknown): e is ApiError => e instanceof ApiError;

/** A 401 that means "sign in again" rather than "you may not". */
export const endsSession = (e: unknown) =>
  isApiError(e) && e.status === 401 && ["unauthenticated", "invalid_token", "session_revoked", "unknown_user"].includes(e.code);
