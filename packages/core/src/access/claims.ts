/**
 * The token claims Keyhold reads. Cognito puts custom attributes in ID tokens as `custom:<name>`;
 * the local token issuer writes the same names, so handlers read one shape in both rings.
 */
export const customAttributes = {
  tenant: "tenant_id",
  role: "role",
  branch: "branch_id",
  sessionVersion: "session_version",
} as const;

export const claimNames = {
  subject: "sub",
  tenant: `custom:${customAttributes.tenant}`,
  role: `custom:${customAttributes.role}`,
  branch: `custom:${customAttributes.branch}`,
  sessionVersion: `custom:${customAttributes.sessionVersion}`,
  username: "cognito:username",
} as const;
