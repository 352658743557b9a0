import {
  AdminCreateUserCommand,
  AdminDisableUserCommand,
  AdminGetUserCommand,
  AdminUpdateUserAttributesCommand,
  AdminUserGlobalSignOutCommand,
  CognitoIdentityProviderClient,
} from "@aws-sdk/client-cognito-identity-provider";
import { customAttributes } from "../access/claims.ts";
import type { Role } from "../context.ts";

export interface IdentityUser {
  tenantId: string;
  username: string;
  email?: string;
  role: Role;
  branchId: string | null;
  sessionVersion: number;
}

/**
 * The identity provider's admin side. In AWS, Cognito: the staff id is the user's `sub`, and the
 * claims Keyhold reads (tenant, role, branch, session version) are custom attributes the app client
 * cannot write. Offline, the local token issuer reads the staff record itself.
 */
export interface IdentityPort {
  /** Creates the sign-in identity and answers the staff id to use. */
  createUser(user: IdentityUser): Promise<{ staffId: string }>;
  /** Keeps the token claims in step with the staff record (role, branch, session version). */
  updateClaims(user: IdentityUser): Promise<void>;
  /** Signs the user out everywhere and disables sign-in (offboarding). */
  disable(username: string): Promise<void>;
  /**
   * The identity a run that was cut short created (its answer lost to a crash or a dropped
   * response), so resuming it creates none twice. Only adapters whose `createUser` makes something
   * outside Keyhold that a second call would refuse have it.
   */
  findUser?(username: string): Promise<{ staffId: string } | undefined>;
}

const attributes = (u: IdentityUser) => [
  { Name: `custom:${customAttributes.tenant}`, Value: u.tenantId },
  { Name: `custom:${customAttributes.role}`, Value: u.role },
  { Name: `custom:${customAttributes.branch}`, Value: u.branchId ?? "" },
  { Name: `custom:${customAttributes.sessionVersion}`, Value: String(u.sessionVersion) },
];

export function cognitoIdentity(options: { userPoolId: string; client?: CognitoIdentityProviderClient }): IdentityPort {
  const cognito = options.client ?? new CognitoIdentityProviderClient({});
  const UserPoolId = options.userPoolId;
  return {
    async createUser(user) {
      const out = await cognito.send(
        new AdminCreateUserCommand({
          UserPoolId,
          Username: user.username,
          DesiredDeliveryMediums: user.email ? ["EMAIL"] : [],
          UserAttributes: [
            ...(user.email
              ? [
                  { Name: "email", Value: user.email },
                  { Name: "email_verified", Value: "true" },
                ]
              : []),
            ...attributes(user),
          ],
        }),
      );
      const sub = out.User?.Attributes?.find((a) => a.Name === "sub")?.Value;
      if (!sub) throw new Error("Cognito created a user without a sub");
      return { staffId: sub };
    },
    async updateClaims(user) {
      await cognito.send(
        new AdminUpdateUserAttributesCommand({ UserPoolId, Username: user.username, UserAttributes: attributes(user) }),
      );
    },
    async disable(username) {
      await cognito.send(new AdminUserGlobalSignOutCommand({ UserPoolId, Username: username }));
      await cognito.send(new AdminDisableUserCommand({ UserPoolId, Username: username }));
    },
    async findUser(username) {
      try {
        const out = await cognito.send(new AdminGetUserCommand({ UserPoolId, Username: username }));
        const sub = out.UserAttributes?.find((a) => a.Name === "sub")?.Value;
        return sub ? { staffId: sub } : undefined;
      } catch (e) {
        if ((e as Error).name === "UserNotFoundException") return undefined;
        throw e;
      }
    },
  };
}
