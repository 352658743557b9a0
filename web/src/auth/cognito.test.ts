import { afterEach, describe, expect, it, vi } from "vitest";
import { isApiError } from "../api/problem.ts";
import { problemMessage } from "../api/problems.ts";
import { cognitoProblem, createCognito, endpointOf, passwordProblems, type Fetch } from "./cognito.ts";
import { endCognitoSession, establish, hasRefreshToken, refreshSession } from "./cognitoSession.ts";
import { apiBaseFrom, cognitoConfigFrom } from "./config.ts";
import { sessionStore } from "./session.ts";

const config = { region: "ap-east-1", userPoolId: "ap-east-1_AbCdEf123", clientId: "1example23456789abcdefghij" };
const b64url = (o: unknown) => Buffer.from(JSON.stringify(o)).toString("base64url");
const idToken = (claims: Record<string, unknown>) => `${b64url({ alg: "RS256", kid: "k" })}.${b64url(claims)}.sig`;
const claims = {
  sub: "5f1c-uuid",
  "cognito:username": "agent.li@anjia",
  name: "李娜",
  "custom:tenant_id": "anjia",
  "custom:role": "agent",
  "custom:branch_id": "bj-chaoyang",
  exp: 2_000_000_000,
  aud: config.clientId,
};

interface Sent {
  url: string;
  method: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
  credentials: RequestCredentials | undefined;
}

/** A fake fetch answering each call in turn, recording what was sent (no network). */
function fakeFetch(...replies: { status?: number; body: unknown; headers?: Record<string, string> }[]) {
  const sent: Sent[] = [];
  const fetch: Fetch = async (url, init) => {
    sent.push({
      url,
      method: String(init.method),
      headers: init.headers as Record<string, string>,
      body: JSON.parse(String(init.body)),
      credentials: init.credentials,
    });
    const reply = replies.shift();
    if (!reply) throw new Error("no more replies");
    return new Response(JSON.stringify(reply.body), {
      status: reply.status ?? 200,
      headers: { "content-type": "application/x-amz-json-1.1", ...reply.headers },
    });
  };
  return { fetch, sent };
}

const tokens = (extra: Record<string, unknown> = {}) => ({
  AuthenticationResult: {
    IdToken: idToken(claims),
    AccessToken: "access.jwt.sig",
    RefreshToken: "refresh-opaque",
    ExpiresIn: 3600,
    TokenType: "Bearer",
    ...extra,
  },
  ChallengeParameters: {},
});

describe("the console's Cognito configuration", () => {
  it("is absent offline and complete on AWS, the region read from the pool id when not given", () => {
    expect(cognitoConfigFrom({})).toBeNull();
    expect(cognitoConfigFrom(undefined)).toBeNull();
    expect(
      cognitoConfigFrom({ VITE_COGNITO_USER_POOL_ID: config.userPoolId, VITE_COGNITO_CLIENT_ID: config.clientId }),
    ).toEqual(config);
    expect(
      cognitoConfigFrom({
        VITE_COGNITO_REGION: "ap-east-1",
        VITE_COGNITO_USER_POOL_ID: config.userPoolId,
        VITE_COGNITO_CLIENT_ID: config.clientId,
      }),
    ).toEqual(config);
  });

  it("refuses a partial or malformed configuration instead of falling back", () => {
    expect(() => cognitoConfigFrom({ VITE_COGNITO_USER_POOL_ID: config.userPoolId })).toThrow(/both/);
    expect(() =>
      cognitoConfigFrom({ VITE_COGNITO_USER_POOL_ID: "not-a-pool", VITE_COGNITO_CLIENT_ID: config.clientId }),
    ).toThrow(/user pool id/);
    // The region goes into the URL the password is posted to: nothing but a region name.
    expect(() =>
      cognitoConfigFrom({
        VITE_COGNITO_REGION: "evil.example.com/x",
        VITE_COGNITO_USER_POOL_ID: config.userPoolId,
        VITE_COGNITO_CLIENT_ID: config.clientId,
      }),
    ).toThrow(/region/);
    expect(() =>
      cognitoConfigFrom({
        VITE_COGNITO_REGION: "us-east-1",
        VITE_COGNITO_USER_POOL_ID: config.userPoolId,
        VITE_COGNITO_CLIENT_ID: config.clientId,
      }),
    ).toThrow(/differs/);
  });

  it("reads the API's URL from VITE_KEYHOLD_API_URL (VITE_API_URL still works), same origin when unset", () => {
    expect(apiBaseFrom({ VITE_KEYHOLD_API_URL: "https://abc.execute-api.ap-east-1.amazonaws.com/" })).toBe(
      "https://abc.execute-api.ap-east-1.amazonaws.com",
    );
    expect(apiBaseFrom({ VITE_API_URL: "https://old.example/" })).toBe("https://old.example");
    expect(apiBaseFrom({})).toBe("");
  });
});

describe("signing in through Cognito's JSON API", () => {
  it("posts USER_PASSWORD_AUTH to the region's endpoint with the JSON 1.1 target header, no cookies, no secret", async () => {
    const { fetch, sent } = fakeFetch({ body: tokens() });
    const step = await createCognito(config, fetch).signIn("agent.li@anjia", "Correct-Horse-9!");
    expect(sent).toHaveLength(1);
    expect(sent[0]).toEqual({
      url: "https://cognito-idp.ap-east-1.amazonaws.com/",
      method: "POST",
      headers: {
        "content-type": "application/x-amz-json-1.1",
        "x-amz-target": "AWSCognitoIdentityProviderService.InitiateAuth",
      },
      body: {
        AuthFlow: "USER_PASSWORD_AUTH",
        ClientId: config.clientId,
        AuthParameters: { USERNAME: "agent.li@anjia", PASSWORD: "Correct-Horse-9!" },
      },
      credentials: "omit",
    });
    expect(step).toEqual({
      kind: "done",
      tokens: {
        idToken: idToken(claims),
        accessToken: "access.jwt.sig",
        refreshToken: "refresh-opaque",
        expiresIn: 3600,
      },
    });
  });

  it("talks to the pool's own region, in the China partition too", () => {
    expect(endpointOf({ region: "ap-southeast-1" })).toBe("https://cognito-idp.ap-southeast-1.amazonaws.com/");
    expect(endpointOf({ region: "cn-north-1" })).toBe("https://cognito-idp.cn-north-1.amazonaws.com.cn/");
  });

  it("answers NEW_PASSWORD_REQUIRED with the session, the canonical username and the new password", async () => {
    const challenge = {
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      Session: "session-1",
      ChallengeParameters: {
        USER_ID_FOR_SRP: "agent.li@anjia",
        requiredAttributes: "[]",
        userAttributes: '{"custom:role":"agent"}',
      },
    };
    const { fetch, sent } = fakeFetch({ body: challenge }, { body: tokens() });
    const cognito = createCognito(config, fetch);
    const first = await cognito.signIn("Agent.Li@anjia", "Temp-Passw0rd!");
    expect(first).toEqual({
      kind: "newPassword",
      username: "agent.li@anjia",
      session: "session-1",
      requiredAttributes: [],
    });
    if (first.kind !== "newPassword") throw new Error("expected the challenge");
    const done = await cognito.completeNewPassword(first, "My-New-Passw0rd!");
    expect(done.kind).toBe("done");
    expect(sent[1]!.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.RespondToAuthChallenge");
    expect(sent[1]!.body).toEqual({
      ChallengeName: "NEW_PASSWORD_REQUIRED",
      ClientId: config.clientId,
      Session: "session-1",
      ChallengeResponses: { USERNAME: "agent.li@anjia", NEW_PASSWORD: "My-New-Passw0rd!" },
    });
  });

  it("passes the attributes the pool requires on the first sign-in, and then the MFA code", async () => {
    const { fetch, sent } = fakeFetch(
      {
        body: {
          ChallengeName: "NEW_PASSWORD_REQUIRED",
          Session: "s1",
          ChallengeParameters: { USER_ID_FOR_SRP: "hq.admin@xinfang", requiredAttributes: '["userAttributes.name"]' },
        },
      },
      { body: { ChallengeName: "SOFTWARE_TOKEN_MFA", Session: "s2", ChallengeParameters: {} } },
      { body: tokens() },
    );
    const cognito = createCognito(config, fetch);
    const first = await cognito.signIn("hq.admin@xinfang", "Temp-Passw0rd!");
    expect(first).toMatchObject({ kind: "newPassword", requiredAttributes: ["name"] });
    const second = await cognito.completeNewPassword(
      first as Extract<typeof first, { kind: "newPassword" }>,
      "My-New-Passw0rd!",
      { name: "王总" },
    );
    expect((sent[1]!.body.ChallengeResponses as Record<string, string>)["userAttributes.name"]).toBe("王总");
    expect(second).toEqual({ kind: "mfa", username: "hq.admin@xinfang", session: "s2" });
    await cognito.confirmMfa(second as Extract<typeof second, { kind: "mfa" }>, " 123456 ");
    expect(sent[2]!.body).toEqual({
      ChallengeName: "SOFTWARE_TOKEN_MFA",
      ClientId: config.clientId,
      Session: "s2",
      ChallengeResponses: { USERNAME: "hq.admin@xinfang", SOFTWARE_TOKEN_MFA_CODE: "123456" },
    });
  });

  it("enrols an authenticator app on MFA_SETUP: the secret for the QR code, its first code, then the challenge's answer", async () => {
    const { fetch, sent } = fakeFetch(
      {
        body: {
          ChallengeName: "MFA_SETUP",
          Session: "s1",
          ChallengeParameters: { USER_ID_FOR_SRP: "agent.li@anjia", MFAS_CAN_SETUP: '["SOFTWARE_TOKEN_MFA"]' },
        },
      },
      { body: { SecretCode: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", Session: "s2" } },
      { body: { Status: "SUCCESS", Session: "s3" } },
      { body: tokens() },
    );
    const cognito = createCognito(config, fetch);
    const step = await cognito.signIn("Agent.Li@anjia", "Correct-Horse-9!");
    expect(step).toEqual({ kind: "mfaSetup", username: "agent.li@anjia", session: "s1" });
    const setup = step as Extract<typeof step, { kind: "mfaSetup" }>;
    const enrolment = await cognito.associateTotp(setup);
    expect(sent[1]).toMatchObject({
      headers: { "x-amz-target": "AWSCognitoIdentityProviderService.AssociateSoftwareToken" },
      body: { Session: "s1" },
    });
    expect(enrolment).toEqual({
      secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP",
      uri: "otpauth://totp/Keyhold:agent.li%40anjia?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Keyhold&algorithm=SHA1&digits=6&period=30",
      session: "s2",
    });
    const done = await cognito.verifyTotp(setup, enrolment, " 654321 ");
    expect(sent[2]).toMatchObject({
      headers: { "x-amz-target": "AWSCognitoIdentityProviderService.VerifySoftwareToken" },
      body: { Session: "s2", UserCode: "654321", FriendlyDeviceName: "Keyhold console" },
    });
    expect(sent[3]!.body).toEqual({
      ChallengeName: "MFA_SETUP",
      ClientId: config.clientId,
      Session: "s3",
      ChallengeResponses: { USERNAME: "agent.li@anjia" },
    });
    expect(done).toMatchObject({ kind: "done", tokens: { idToken: idToken(claims) } });
    // The secret goes nowhere else: not into any other request.
    expect(JSON.stringify(sent.filter((_, i) => i !== 1))).not.toContain("JBSWY3DP");
  });

  it("refuses a wrong first code and an MFA setup the pool offers only by SMS", async () => {
    const wrong = fakeFetch(
      { body: { SecretCode: "SECRET", Session: "s2" } },
      { status: 400, body: { __type: "EnableSoftwareTokenMFAException", message: "Code mismatch" } },
    );
    const cognito = createCognito(config, wrong.fetch);
    const setup = { kind: "mfaSetup", username: "agent.li@anjia", session: "s1" } as const;
    const error = await cognito
      .verifyTotp(setup, await cognito.associateTotp(setup), "000000")
      .catch((e: unknown) => e);
    expect(isApiError(error) && error.code).toBe("mfa_code_invalid");
    expect(wrong.sent).toHaveLength(2); // no answer to the challenge after a refused code
    const sms = fakeFetch({
      body: { ChallengeName: "MFA_SETUP", Session: "s", ChallengeParameters: { MFAS_CAN_SETUP: '["SMS_MFA"]' } },
    });
    const refused = await createCognito(config, sms.fetch)
      .signIn("a@b", "x")
      .catch((e: unknown) => e);
    expect(isApiError(refused) && refused.code).toBe("unsupported_challenge");
  });

  it("refuses a challenge it cannot answer rather than pretending to sign in", async () => {
    const { fetch } = fakeFetch({ body: { ChallengeName: "CUSTOM_CHALLENGE", Session: "s", ChallengeParameters: {} } });
    const error = await createCognito(config, fetch)
      .signIn("a@b", "x")
      .catch((e: unknown) => e);
    expect(isApiError(error) && error.code).toBe("unsupported_challenge");
  });

  it("refreshes with REFRESH_TOKEN_AUTH and revokes with RevokeToken", async () => {
    const { fetch, sent } = fakeFetch({ body: tokens({ RefreshToken: undefined }) }, { body: {} });
    const cognito = createCognito(config, fetch);
    const fresh = await cognito.refresh("refresh-opaque");
    expect(sent[0]!.body).toEqual({
      AuthFlow: "REFRESH_TOKEN_AUTH",
      ClientId: config.clientId,
      AuthParameters: { REFRESH_TOKEN: "refresh-opaque" },
    });
    expect(fresh.refreshToken).toBeUndefined();
    await cognito.revoke("refresh-opaque");
    expect(sent[1]!.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.RevokeToken");
    expect(sent[1]!.body).toEqual({ Token: "refresh-opaque", ClientId: config.clientId });
  });

  it("turns Cognito's errors into the console's codes, with Chinese messages", async () => {
    const cases: [string, string, string][] = [
      ["NotAuthorizedException", "Incorrect username or password.", "sign_in_failed"],
      [
        "com.amazonaws.cognito#NotAuthorizedException",
        "Invalid session for the user, session is expired.",
        "sign_in_expired",
      ],
      ["NotAuthorizedException", "Password attempts exceeded", "too_many_attempts"],
      ["NotAuthorizedException", "User is disabled.", "account_disabled"],
      ["PasswordResetRequiredException", "Password reset required for the user", "password_reset_required"],
      ["InvalidPasswordException", "Password does not conform to policy: Password not long enough", "password_policy"],
      ["CodeMismatchException", "Invalid code received for user", "mfa_code_invalid"],
      ["InvalidParameterException", "USER_PASSWORD_AUTH flow not enabled for this client", "sign_in_unavailable"],
      ["TooManyRequestsException", "Rate exceeded", "too_many_attempts"],
      ["InternalErrorException", "boom", "identity_provider_error"],
    ];
    for (const [type, message, code] of cases) {
      const { fetch } = fakeFetch({ status: 400, body: { __type: type, message } });
      const error = await createCognito(config, fetch)
        .signIn("a@b", "x")
        .catch((e: unknown) => e);
      expect(isApiError(error) && error.code, type + " " + message).toBe(code);
    }
    expect(
      problemMessage(cognitoProblem(400, "NotAuthorizedException", "Incorrect username or password.").problem, "zh"),
    ).toBe("用户名或密码错误");
    // The error type may come only in the header.
    const { fetch } = fakeFetch({
      status: 400,
      body: {},
      headers: { "x-amzn-errortype": "UserNotFoundException:http://internal.amazon.com/" },
    });
    expect(
      await createCognito(config, fetch)
        .signIn("a@b", "x")
        .catch((e: { code: string }) => e.code),
    ).toBe("sign_in_failed");
  });

  it("reports an unreachable Cognito as a network error", async () => {
    const error = await createCognito(config, async () => {
      throw new TypeError("Failed to fetch");
    })
      .signIn("a@b", "x")
      .catch((e: unknown) => e);
    expect(isApiError(error) && error.code).toBe("network_error");
  });

  it("checks the pool's password policy before sending", () => {
    expect(passwordProblems("short")).toEqual(["length", "upper", "digit", "symbol"]);
    expect(passwordProblems("My-New-Passw0rd!")).toEqual([]);
    expect(passwordProblems("mynewpassword1!")).toEqual(["upper"]);
  });
});

describe("a Cognito session", () => {
  afterEach(() => {
    endCognitoSession();
    sessionStore.set(null);
    vi.useRealTimers();
  });

  it("keeps the ID token as the session's token and the refresh token in memory only", async () => {
    const { fetch } = fakeFetch({ body: tokens() });
    const cognito = createCognito(config, fetch);
    const step = await cognito.signIn("agent.li@anjia", "pw");
    if (step.kind !== "done") throw new Error("expected tokens");
    const session = establish(cognito, step.tokens, "agent.li@anjia");
    expect(session).toMatchObject({
      token: step.tokens.idToken,
      username: "agent.li@anjia",
      displayName: "李娜",
      claims: { staffId: "5f1c-uuid", tenantId: "anjia", role: "agent", branchId: "bj-chaoyang" },
    });
    expect(JSON.stringify(session)).not.toContain("refresh-opaque");
    expect(JSON.stringify(session)).not.toContain("access.jwt.sig");
    expect(hasRefreshToken()).toBe(true);
  });

  it("renews the ID token before it expires, and revokes the refresh token on sign-out", async () => {
    vi.useFakeTimers({ now: 1_999_990_000_000 });
    const renewed = idToken({ ...claims, exp: 2_000_003_600 });
    const { fetch, sent } = fakeFetch(
      { body: tokens() },
      { body: { AuthenticationResult: { IdToken: renewed, AccessToken: "a2", ExpiresIn: 3600 } } },
      { body: {} },
    );
    const cognito = createCognito(config, fetch);
    const step = await cognito.signIn("agent.li@anjia", "pw");
    if (step.kind !== "done") throw new Error("expected tokens");
    establish(cognito, step.tokens, "agent.li@anjia");
    // exp is 2_000_000_000 s: the refresh runs five minutes before, 10,000 s − 300 s from now.
    await vi.advanceTimersByTimeAsync(9_700_000);
    expect(sent[1]!.body.AuthFlow).toBe("REFRESH_TOKEN_AUTH");
    expect(sessionStore.get()!.token).toBe(renewed);
    expect(sessionStore.get()!.claims.expiresAt).toBe(2_000_003_600_000);
    endCognitoSession();
    await vi.advanceTimersByTimeAsync(0);
    expect(sent[2]!.headers["x-amz-target"]).toBe("AWSCognitoIdentityProviderService.RevokeToken");
    expect(hasRefreshToken()).toBe(false);
    expect(await refreshSession()).toBeNull();
  });

  it("answers null when Cognito refuses the refresh token, so the session ends normally", async () => {
    const { fetch } = fakeFetch(
      { body: tokens() },
      { status: 400, body: { __type: "NotAuthorizedException", message: "Refresh Token has expired" } },
    );
    const cognito = createCognito(config, fetch);
    const step = await cognito.signIn("agent.li@anjia", "pw");
    if (step.kind !== "done") throw new Error("expected tokens");
    establish(cognito, step.tokens, "agent.li@anjia");
    expect(await refreshSession()).toBeNull();
    expect(hasRefreshToken()).toBe(false);
  });
});
