import { Duration } from "aws-cdk-lib";
import * as cognito from "aws-cdk-lib/aws-cognito";
import * as kms from "aws-cdk-lib/aws-kms";
import type { StackContext } from "sst/constructs";
import { customAttributes } from "./core.ts";
import { appRolesNeverAdminister } from "./grants.ts";
import { stageSettings } from "./settings.ts";
import { isProtectedStage, removalPolicyFor } from "./Storage.ts";

/** Longest value each custom attribute may hold (the schema cannot change once the pool exists). */
const maxLengths: Record<keyof typeof customAttributes, number> = {
  tenant: 64,
  role: 32,
  branch: 64,
  sessionVersion: 16,
};

/**
 * Staff sign-in: a Cognito user pool (KEYHOLD_IDENTITY cognito, global stages), or on a stage in
 * China, which has no user pools, the key that signs Keyhold's own tokens (`keyholdSigningKey`).
 *
 * In Cognito, ID tokens carry the tenant, role, branch and session version as `custom:*` claims,
 * the same claims the local token issuer writes. The attributes are mutable so that administrators
 * can move staff and bump `session_version` (revoking old sessions), but only through admin calls:
 * the app client may read them and may not write them.
 *
 * Every staff member signs in with a password and an authenticator app (TOTP; MFA required, no SMS):
 * the console enrols the app on the first sign-in (MFA_SETUP). The Plus feature plan's threat
 * protection runs in full-function mode: a password found in a known breach is refused, a high-risk
 * sign-in is blocked, a medium-risk one goes through with an e-mail to the staff member (when the
 * stage names an SES identity, KEYHOLD_SES_IDENTITY_ARN). docs/infra.md, "Identity", has the cost and
 * the path for a pool deployed before MFA was required.
 */
export function Auth(ctx: StackContext) {
  const { stack, app } = ctx;
  const { identity } = stageSettings(stack.stage, app.region);
  if (identity.kind !== "cognito")
    return { identity, signingKey: keyholdSigningKey(ctx), userPool: undefined, client: undefined };
  return { identity, signingKey: undefined, ...cognitoPool(ctx) };
}

/**
 * Keyhold's own sign-in (KEYHOLD_IDENTITY keyhold or oidc; China, where there are no user pools):
 * access tokens are signed ES256 by this asymmetric key, whose private half never leaves KMS; the
 * API's JWT authorizer verifies them with the public half, published at the issuer's
 * /.well-known/jwks.json. Asymmetric keys have no automatic rotation: a new key is a new `kid`
 * (docs/china.md).
 */
function keyholdSigningKey({ stack }: StackContext) {
  const key = new kms.Key(stack, "SigningKey", {
    description: `Keyhold ${stack.stage}: signs staff access tokens (ES256)`,
    keySpec: kms.KeySpec.ECC_NIST_P256,
    keyUsage: kms.KeyUsage.SIGN_VERIFY,
    removalPolicy: removalPolicyFor(stack.stage),
    pendingWindow: Duration.days(isProtectedStage(stack.stage) ? 30 : 7),
  });
  key.addToResourcePolicy(appRolesNeverAdminister());
  stack.addOutputs({ SigningKeyId: key.keyId });
  return key;
}

/** The Cognito user pool of a global stage (KEYHOLD_IDENTITY cognito, the default outside China). */
function cognitoPool({ stack, app }: StackContext) {
  const isProtected = isProtectedStage(stack.stage);
  const { notify } = stageSettings(stack.stage, app.region);
  const customNames = Object.values(customAttributes);

  const userPool = new cognito.UserPool(stack, "UserPool", {
    userPoolName: app.logicalPrefixedName("staff"),
    selfSignUpEnabled: false,
    signInAliases: { username: true },
    signInCaseSensitive: false,
    customAttributes: Object.fromEntries(
      (Object.keys(customAttributes) as (keyof typeof customAttributes)[]).map((k) => [
        customAttributes[k],
        new cognito.StringAttribute({ mutable: true, maxLen: maxLengths[k] }),
      ]),
    ),
    standardAttributes: {
      email: { required: false, mutable: true },
      fullname: { required: false, mutable: true },
    },
    passwordPolicy: {
      minLength: 12,
      requireLowercase: true,
      requireUppercase: true,
      requireDigits: true,
      requireSymbols: true,
      tempPasswordValidity: Duration.days(3),
    },
    mfa: cognito.Mfa.REQUIRED,
    mfaSecondFactor: { otp: true, sms: false },
    featurePlan: cognito.FeaturePlan.PLUS,
    standardThreatProtectionMode: cognito.StandardThreatProtectionMode.FULL_FUNCTION,
    accountRecovery: cognito.AccountRecovery.EMAIL_ONLY,
    deletionProtection: isProtected,
    removalPolicy: removalPolicyFor(stack.stage),
  });

  const client = userPool.addClient("Console", {
    generateSecret: false,
    // The console signs in through Cognito's JSON API with USER_PASSWORD_AUTH over TLS (and refreshes;
    // web/src/auth/cognito.ts). SRP is off: threat protection can check a password against known
    // breaches only when Cognito sees it, which SRP never lets it. No hosted UI, so no OAuth flows
    // (CDK would enable implicit).
    authFlows: { userPassword: true, userSrp: false },
    disableOAuth: true,
    preventUserExistenceErrors: true,
    enableTokenRevocation: true,
    idTokenValidity: Duration.hours(1),
    accessTokenValidity: Duration.hours(1),
    refreshTokenValidity: Duration.hours(12),
    readAttributes: new cognito.ClientAttributes()
      .withStandardAttributes({ email: true, emailVerified: true, fullname: true })
      .withCustomAttributes(...customNames),
    // Only what staff may change about themselves; never a custom attribute.
    writeAttributes: new cognito.ClientAttributes().withStandardAttributes({ fullname: true }),
  });

  // Threat protection's responses, for every app client of the pool.
  new cognito.CfnUserPoolRiskConfigurationAttachment(stack, "RiskResponses", {
    userPoolId: userPool.userPoolId,
    clientId: "ALL",
    compromisedCredentialsRiskConfiguration: { actions: { eventAction: "BLOCK" } },
    accountTakeoverRiskConfiguration: {
      actions: {
        highAction: { eventAction: "BLOCK", notify: Boolean(notify) },
        mediumAction: { eventAction: "NO_ACTION", notify: Boolean(notify) },
        lowAction: { eventAction: "NO_ACTION", notify: false },
      },
      ...(notify
        ? { notifyConfiguration: { sourceArn: notify.sesIdentityArn, ...(notify.from ? { from: notify.from } : {}) } }
        : {}),
    },
  });

  stack.addOutputs({
    UserPoolId: userPool.userPoolId,
    UserPoolClientId: client.userPoolClientId,
  });

  return { userPool, client };
}
