import { describe, expect, it } from "vitest";
import { placeOf, stageRegion, stageSettings } from "../stacks/settings.ts";

/**
 * What a stage is deployed with beyond the template (stacks/settings.ts; README, "Deploy a stage"):
 * checked at synth, so a malformed value never deploys a half-working stage and prod never deploys
 * without what it needs.
 */
const REGION = "ap-southeast-1";
const prod = {
  KEYHOLD_BACKUP_REGION: "ap-northeast-1",
  KEYHOLD_ALARM_EMAIL: "ops@example.com",
  KEYHOLD_SES_IDENTITY_ARN: "arn:aws:ses:ap-southeast-1:123456789012:identity/example.com",
};

/** What every stage outside China is: the aws partition, staff signing in with Cognito. */
const global = { place: { region: REGION, partition: "aws", mainland: false }, identity: { kind: "cognito" } };

describe("stage settings", () => {
  it("lets a throwaway stage run with none, and reads each one given", () => {
    expect(stageSettings("dev", REGION, {})).toEqual(global);
    expect(
      stageSettings("dev", REGION, {
        ...prod,
        KEYHOLD_DOMAIN: "Vault.Example.com",
        KEYHOLD_CERTIFICATE_ARN: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
        KEYHOLD_NOTIFY_FROM: "security@example.com",
      }),
    ).toEqual({
      ...global,
      backupRegion: "ap-northeast-1",
      alarmEmail: "ops@example.com",
      domain: { name: "vault.example.com", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123" },
      notify: { sesIdentityArn: prod.KEYHOLD_SES_IDENTITY_ARN, from: "security@example.com" },
    });
  });

  it("refuses to synthesize prod without a backup region, an alarm address and an SES identity", () => {
    expect(() => stageSettings("prod", REGION, {})).toThrow(
      /KEYHOLD_BACKUP_REGION[\s\S]*KEYHOLD_ALARM_EMAIL[\s\S]*KEYHOLD_SES_IDENTITY_ARN/,
    );
    for (const missing of Object.keys(prod)) {
      const { [missing]: _, ...rest } = prod as Record<string, string>;
      expect(() => stageSettings("prod", REGION, rest), missing).toThrow(new RegExp(`prod needs ${missing}`));
    }
    expect(stageSettings("prod", REGION, prod)).toMatchObject({
      backupRegion: "ap-northeast-1",
      alarmEmail: "ops@example.com",
    });
  });

  it("refuses malformed values: the stage's own region as backup, a certificate outside us-east-1, half a domain", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ KEYHOLD_BACKUP_REGION: REGION }, /another region than the stage's own/],
      [{ KEYHOLD_BACKUP_REGION: "tokyo" }, /is not a region name/],
      [{ KEYHOLD_ALARM_EMAIL: "ops" }, /is not an e-mail address/],
      [{ KEYHOLD_DOMAIN: "vault.example.com" }, /go together/],
      [
        {
          KEYHOLD_DOMAIN: "vault.example.com",
          KEYHOLD_CERTIFICATE_ARN: "arn:aws:acm:ap-southeast-1:123456789012:certificate/x",
        },
        /in us-east-1/,
      ],
      [
        { KEYHOLD_DOMAIN: "not a domain", KEYHOLD_CERTIFICATE_ARN: "arn:aws:acm:us-east-1:123456789012:certificate/x" },
        /is not a domain name/,
      ],
      [{ KEYHOLD_NOTIFY_FROM: "security@example.com" }, /needs KEYHOLD_SES_IDENTITY_ARN/],
      [{ KEYHOLD_SES_IDENTITY_ARN: "security@example.com" }, /is not an SES identity ARN/],
    ];
    for (const [env, problem] of cases)
      expect(() => stageSettings("dev", REGION, env), JSON.stringify(env)).toThrow(problem);
  });
});

describe("a stage in China", () => {
  const ACCOUNT = "123456789012";
  const DOMAIN = "vault.example.cn";
  const ICP = "京ICP备12345678号-1";
  const certificate = `arn:aws-cn:acm:cn-north-1:${ACCOUNT}:certificate/0f1e2d3c-aaaa-bbbb-cccc-123456789abc`;
  const base = { KEYHOLD_DOMAIN: DOMAIN, KEYHOLD_CERTIFICATE_ARN: certificate, KEYHOLD_ICP_FILING: ICP };

  it("signs staff in with Keyhold's own identity and copies its backups to the other China region unless told otherwise", () => {
    expect(stageSettings("dev", "cn-north-1", base)).toEqual({
      place: { region: "cn-north-1", partition: "aws-cn", mainland: true },
      identity: { kind: "keyhold" },
      backupRegion: "cn-northwest-1",
      icpFiling: ICP,
      domain: { name: DOMAIN, certificateArn: certificate },
    });
    expect(
      stageSettings("dev", "cn-northwest-1", {
        ...base,
        KEYHOLD_CERTIFICATE_ARN: certificate.replace("cn-north-1", "cn-northwest-1"),
      }).backupRegion,
    ).toBe("cn-north-1");
  });

  it("federates to an agency's OIDC issuer with a client secret of its own partition and region", () => {
    const secret = `arn:aws-cn:secretsmanager:cn-north-1:${ACCOUNT}:secret:keyhold/dev/oidc-AbCdEf`;
    const oidc = {
      KEYHOLD_IDENTITY: "oidc",
      KEYHOLD_OIDC_ISSUER: "https://sso.agency.example.cn/",
      KEYHOLD_OIDC_CLIENT_ID: "keyhold",
      KEYHOLD_OIDC_CLIENT_SECRET_ARN: secret,
    };
    expect(stageSettings("dev", "cn-north-1", { ...base, ...oidc }).identity).toEqual({
      kind: "oidc",
      oidc: { issuer: "https://sso.agency.example.cn", clientId: "keyhold", clientSecretArn: secret },
    });
    expect(() =>
      stageSettings("dev", "cn-north-1", {
        ...base,
        ...oidc,
        KEYHOLD_OIDC_CLIENT_SECRET_ARN: secret.replace("aws-cn", "aws"),
      }),
    ).toThrow(/Secrets Manager secret of cn-north-1 \(aws-cn\)/);
    expect(() =>
      stageSettings("dev", "cn-north-1", { ...base, ...oidc, KEYHOLD_OIDC_ISSUER: "http://sso.agency.example.cn" }),
    ).toThrow(/not an https URL/);
    expect(() => stageSettings("dev", "cn-north-1", { ...base, KEYHOLD_IDENTITY: "oidc" })).toThrow(
      /needs KEYHOLD_OIDC_ISSUER/,
    );
    expect(() =>
      stageSettings("dev", "cn-north-1", { ...base, KEYHOLD_OIDC_ISSUER: "https://sso.agency.example.cn" }),
    ).toThrow(/go with KEYHOLD_IDENTITY=oidc/);
  });

  it("refuses what cannot run there, and any backup copy that would leave the mainland", () => {
    const refused = (env: Record<string, string>, problem: RegExp) =>
      expect(() => stageSettings("dev", "cn-north-1", env), JSON.stringify(env)).toThrow(problem);
    refused({}, /needs KEYHOLD_DOMAIN, KEYHOLD_CERTIFICATE_ARN and KEYHOLD_ICP_FILING/);
    refused({ ...base, KEYHOLD_IDENTITY: "cognito" }, /no Cognito user pools/);
    refused({ ...base, KEYHOLD_IDENTITY: "ldap" }, /is not one of cognito, keyhold, oidc/);
    refused({ ...base, KEYHOLD_BACKUP_REGION: "ap-northeast-1" }, /another partition .*must stay in the mainland/);
    refused({ ...base, KEYHOLD_ICP_FILING: "12345678" }, /not an ICP filing number/);
    refused(
      { ...base, KEYHOLD_CERTIFICATE_ARN: `arn:aws:acm:us-east-1:${ACCOUNT}:certificate/abc` },
      /ACM certificate in cn-north-1/,
    );
    refused(
      { ...base, KEYHOLD_SES_IDENTITY_ARN: `arn:aws-cn:ses:cn-north-1:${ACCOUNT}:identity/example.cn` },
      /China does not have/,
    );
    // prod in China needs no SES identity (there is no Cognito to send from), the rest as anywhere.
    expect(() => stageSettings("prod", "cn-north-1", base)).toThrow(/prod needs KEYHOLD_ALARM_EMAIL/);
    expect(stageSettings("prod", "cn-north-1", { ...base, KEYHOLD_ALARM_EMAIL: "ops@example.cn" })).toMatchObject({
      backupRegion: "cn-northwest-1",
      alarmEmail: "ops@example.cn",
    });
  });

  it("keeps global stages global: no ICP filing, no Keyhold identity there, no backup copy into China", () => {
    expect(() => stageSettings("dev", REGION, { KEYHOLD_ICP_FILING: ICP })).toThrow(/China only/);
    expect(() => stageSettings("dev", REGION, { KEYHOLD_IDENTITY: "keyhold" })).toThrow(/built for stages in China/);
    expect(() => stageSettings("dev", REGION, { KEYHOLD_BACKUP_REGION: "cn-north-1" })).toThrow(/another partition/);
  });
});

describe("the stage parameter that chooses the region", () => {
  it("is KEYHOLD_REGION, ap-southeast-1 when unset, and must name a region", () => {
    expect(stageRegion({})).toBe("ap-southeast-1");
    expect(stageRegion({ KEYHOLD_REGION: "cn-northwest-1" })).toBe("cn-northwest-1");
    expect(() => stageRegion({ KEYHOLD_REGION: "beijing" })).toThrow(/not a region name/);
    expect(placeOf("cn-northwest-1")).toEqual({ region: "cn-northwest-1", partition: "aws-cn", mainland: true });
    expect(placeOf("eu-west-1")).toEqual({ region: "eu-west-1", partition: "aws", mainland: false });
  });
});
