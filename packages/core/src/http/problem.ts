/**
 * Every refusal the product makes is a Problem: an RFC 9457 problem+json body with a stable
 * machine `code`. Clients and independent checks rely on the codes, so they are listed here once.
 */
import {
  fillProblemMessage,
  problemMessageParams,
  problemMessagesNamed,
  problemMessagesZh,
  type ProblemLanguage,
  type ProblemMessageParams,
} from "./problem-messages.ts";

export const problemCodes = {
  validation_failed: { status: 400, title: "Request validation failed" },
  malformed_json: { status: 400, title: "Request body is not valid JSON" },
  unknown_field: { status: 400, title: "Unknown field" },
  field_not_allowed: { status: 400, title: "Field not allowed for this collection purpose" },
  field_not_present: { status: 400, title: "Field not present on this client" },
  sensitive_consent_required: { status: 400, title: "Separate consent for sensitive data is required" },
  purpose_required: { status: 400, title: "A purpose is required" },
  invalid_cursor: { status: 400, title: "Invalid pagination cursor" },
  setting_not_permitted: { status: 400, title: "This setting is not permitted" },
  unauthenticated: { status: 401, title: "Authentication required" },
  invalid_token: { status: 401, title: "Invalid or expired token" },
  session_revoked: { status: 401, title: "Session revoked" },
  unknown_user: { status: 401, title: "Unknown user" },
  agreement_missing: { status: 403, title: "Confidentiality agreement not signed" },
  consent_withdrawn: { status: 403, title: "The client withdrew consent" },
  tenant_suspended: { status: 403, title: "This tenant is suspended" },
  tenant_offboarded: { status: 403, title: "This tenant has left Keyhold" },
  plan_limit_reached: { status: 403, title: "The tenant's plan limit is reached" },
  background_check_required: { status: 403, title: "A passed background check is required" },
  purpose_not_consented: { status: 403, title: "The client did not consent to this purpose" },
  tier_not_permitted: { status: 403, title: "This tier is not permitted for your role" },
  role_not_permitted: { status: 403, title: "Your role may not do this" },
  branch_not_permitted: { status: 403, title: "Not permitted for this branch" },
  break_glass_required: { status: 403, title: "Break-glass justification required" },
  break_glass_not_permitted: { status: 403, title: "Break-glass is the compliance officer's alone" },
  justification_too_weak: { status: 400, title: "The justification does not say enough" },
  approval_required: { status: 403, title: "A second person's approval is required" },
  grant_not_yours: { status: 403, title: "This grant was given to someone else" },
  grant_mismatch: { status: 403, title: "This grant does not cover this use" },
  grant_not_found: { status: 404, title: "Grant not found" },
  access_request_not_found: { status: 404, title: "Access request not found" },
  grant_used: { status: 409, title: "This grant was already used" },
  grant_expired: { status: 410, title: "This grant has expired" },
  copy_already_issued: { status: 409, title: "The copy for this request was already issued" },
  request_closed: { status: 409, title: "This request is closed" },
  second_person_required: { status: 403, title: "A second person must do this" },
  staff_inactive: { status: 403, title: "Staff account is not active" },
  not_found: { status: 404, title: "Not found" },
  client_not_found: { status: 404, title: "Client not found" },
  staff_not_found: { status: 404, title: "Staff member not found" },
  request_not_found: { status: 404, title: "Request not found" },
  tenant_not_found: { status: 404, title: "Tenant not found" },
  document_not_found: { status: 404, title: "Document not found" },
  method_not_allowed: { status: 405, title: "Method not allowed" },
  client_destroyed: { status: 410, title: "The client's data has been destroyed" },
  document_destroyed: { status: 410, title: "The document has been destroyed" },
  share_expired: { status: 410, title: "This share link has expired" },
  share_exhausted: { status: 410, title: "This share link has been used up" },
  share_revoked: { status: 410, title: "This share link was revoked" },
  duplicate_client: { status: 409, title: "Client already registered" },
  staff_exists: { status: 409, title: "A staff member with this username exists" },
  conflict: { status: 409, title: "Changed meanwhile; reload and retry" },
  handover_not_eligible: { status: 409, title: "The handover recipient is not eligible" },
  tenant_exists: { status: 409, title: "A tenant with this id exists" },
  invalid_state: { status: 409, title: "Not possible in the current state" },
  payload_too_large: { status: 413, title: "Request body too large" },
  unsupported_media_type: { status: 415, title: "Unsupported media type" },
  reveal_quota_exceeded: { status: 429, title: "Too many tier-1 reveals" },
  internal_error: { status: 500, title: "Internal error" },
  integrity_failure: { status: 500, title: "Stored data failed its integrity check" },
  trail_unavailable: { status: 503, title: "Access trail unavailable; nothing was revealed" },
  self_change_not_permitted: {
    status: 403,
    title: "Nobody changes their own role, branch, status, agreement or background check",
  },
  storage_unavailable: { status: 503, title: "Storage unavailable; retry later" },
  document_too_complex: { status: 413, title: "The document exceeds what is parsed for an upload" },
  active_content: { status: 415, title: "The document contains active content" },
  malformed_document: { status: 415, title: "The document is malformed" },
  personal_data_in_free_text: { status: 400, title: "Personal data in free text" },
  staff_phone_missing: { status: 409, title: "Your staff record has no phone to call from" },
  client_phone_missing: { status: 409, title: "The client has no phone number on record" },
  privacy_number_unavailable: {
    status: 503,
    title: "Privacy numbers are unavailable; the client's number was not passed on",
  },
  call_not_found: { status: 404, title: "Call not found" },
  call_ended: { status: 410, title: "This call's virtual number has expired or was released" },
  invalid_credentials: { status: 401, title: "Wrong username, password or code" },
  too_many_attempts: { status: 429, title: "Too many failed attempts; try again later" },
  federated_identity_unknown: { status: 403, title: "This sign-in is not linked to a staff member" },
} as const;

export type ProblemCode = keyof typeof problemCodes;

/**
 * The code's message in a language (problem-messages.ts); English, the title, where a Chinese one is
 * missing. Given the `params` a fuller wording names (`problemMessagesNamed`), that wording.
 */
export const problemMessage = (
  code: ProblemCode,
  lang: ProblemLanguage = "en",
  params?: ProblemMessageParams,
): string => {
  const named = params ? problemMessagesNamed[code]?.[lang] : undefined;
  const filled = named ? fillProblemMessage(named, params) : undefined;
  if (filled) return filled;
  const zh = lang === "zh" ? problemMessagesZh[code] : undefined;
  return (zh ? fillProblemMessage(zh, params) : undefined) ?? problemCodes[code].title;
};

export interface ProblemDetail {
  path: string;
  message: string;
}

export class Problem extends Error {
  readonly status: number;
  readonly title: string;
  /** Set once the refusal is in the access trail, so the HTTP layer does not record it twice. */
  recorded = false;

  constructor(
    readonly code: ProblemCode,
    readonly detail?: string,
    readonly errors?: ProblemDetail[],
    readonly extra?: Record<string, unknown>,
  ) {
    super(detail ?? problemCodes[code].title);
    this.status = problemCodes[code].status;
    this.title = problemCodes[code].title;
  }

  /**
   * The body in a language (see `languageOf`): in Chinese the title and the detail are the code's
   * Chinese message (the detail in its fuller wording where the body names what it needs), since the
   * specific details are written in English; `code`, `errors` and the extension members are the same
   * in both.
   */
  toJSON(lang?: unknown) {
    const zh = lang === "zh";
    return {
      type: `https://keyhold.dev/problems/${this.code.replaceAll("_", "-")}`,
      title: zh ? problemMessage(this.code, "zh") : this.title,
      status: this.status,
      detail: zh ? problemMessage(this.code, "zh", problemMessageParams(this.extra)) : (this.detail ?? this.title),
      code: this.code,
      ...(this.errors ? { errors: this.errors } : {}),
      ...this.extra,
    };
  }
}

export const isProblem = (e: unknown): e is Problem => e instanceof Problem;

export const recorded = (p: Problem) => Object.assign(p, { recorded: true });
