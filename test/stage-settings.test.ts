import { describe, expect, it } from "vitest";
import { stageSettings } from "../stacks/settings.ts";

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

describe("stage settings", () => {
  it("lets a throwaway stage run with none, and reads each one given", () => {
    expect(stageSettings("dev", REGION, {})).toEqual({});
    expect(
      stageSettings("dev", REGION, {
        ...prod,
        KEYHOLD_DOMAIN: "Vault.Example.com",
        KEYHOLD_CERTIFICATE_ARN: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123",
        KEYHOLD_NOTIFY_FROM: "security@example.com",
      }),
    ).toEqual({
      backupRegion: "ap-northeast-1",
      alarmEmail: "ops@example.com",
      domain: { name: "vault.example.com", certificateArn: "arn:aws:acm:us-east-1:123456789012:certificate/abc-123" },
      notify: { sesIdentityArn: prod.KEYHOLD_SES_IDENTITY_ARN, from: "security@example.com" },
    });
  });

  it("refuses to synthesize prod without a backup region, an alarm address and an SES identity", () => {
    expect(() => stageSettings("prod", REGION, {})).toThrow(/KEYHOLD_BACKUP_REGION[\s\S]*KEYHOLD_ALARM_EMAIL[\s\S]*KEYHOLD_SES_IDENTITY_ARN/);
    for (const missing of Object.keys(prod)) {
      const { [missing]: _, ...rest } = prod as Record<string, string>;
      expect(() => stageSettings("prod", REGION, rest), missing).toThrow(new RegExp(`prod needs ${missing}`));
    }
    expect(stageSettings("prod", REGION, prod)).toMatchObject({ backupRegion: "ap-northeast-1", alarmEmail: "ops@example.com" });
  });

  it("refuses malformed values: the stage's own region as backup, a certificate outside us-east-1, half a domain", () => {
    const cases: [Record<string, string>, RegExp][] = [
      [{ KEYHOLD_BACKUP_REGION: REGION }, /another region than the stage's own/],
      [{ KEYHOLD_BACKUP_REGION: "tokyo" }, /is not a region name/],
      [{ KEYHOLD_ALARM_EMAIL: "ops" }, /is not an e-mail address/],
      [{ KEYHOLD_DOMAIN: "vault.example.com" }, /go together/],
      [{ KEYHOLD_DOMAIN: "vault.example.com", KEYHOLD_CERTIFICATE_ARN: "arn:aws:acm:ap-southeast-1:123456789012:certificate/x" }, /in us-east-1/],
      [{ KEYHOLD_DOMAIN: "not a domain", KEYHOLD_CERTIFICATE_ARN: "arn:aws:acm:us-east-1:123456789012:certificate/x" }, /is not a domain name/],
      [{ KEYHOLD_NOTIFY_FROM: "security@example.com" }, /needs KEYHOLD_SES_IDENTITY_ARN/],
      [{ KEYHOLD_SES_IDENTITY_ARN: "security@example.com" }, /is not an SES identity ARN/],
    ];
    for (const [env, problem] of cases) expect(() => stageSettings("dev", REGION, env), JSON.stringify(env)).toThrow(problem);
  });
});
