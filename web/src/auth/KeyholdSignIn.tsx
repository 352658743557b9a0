import { KeyOutlined, LockOutlined, SafetyOutlined, UserOutlined } from "@ant-design/icons";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Form, Input, QRCode, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { isApiError } from "../api/problem.ts";
import { problemMessage } from "../api/problems.ts";
import { useLang } from "../i18n/index.ts";
import { completeTotp, establishKeyhold, secretOf, signIn, type SignInChallenge } from "./keyholdSession.ts";

type Step = { kind: "password" } | (SignInChallenge & { kind: "challenge"; username: string });

/**
 * Keyhold identity (China stages, self-hosted with KEYHOLD_DEMO=0): username and password, then
 * the authenticator app — enrolled from a QR code on the first sign-in, together with a password of
 * one's own in place of the one-time password; its code on every other. Nothing is kept in the
 * browser but the session's token (sessionStorage) and, in memory, the refresh token.
 */
export function KeyholdSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const [step, setStep] = useState<Step>({ kind: "password" });
  const [passwordForm] = Form.useForm<{ username: string; password: string }>();
  const [codeForm] = Form.useForm<{ code: string; newPassword?: string; confirm?: string }>();

  const password = useMutation({
    mutationFn: ({ username, password }: { username: string; password: string }) =>
      signIn(username, password).then((c) => ({ ...c, username })),
    onSuccess: (c) => {
      codeForm.resetFields();
      setStep({ ...c, kind: "challenge" });
    },
  });
  const code = useMutation({
    mutationFn: (v: { session: string; code: string; newPassword?: string; username: string }) =>
      completeTotp(v.session, v.code.trim(), v.newPassword).then((tokens) => ({ tokens, username: v.username })),
    onSuccess: ({ tokens, username }) => {
      establishKeyhold(tokens, username);
      onSignedIn();
    },
  });

  const restart = () => {
    password.reset();
    code.reset();
    passwordForm.setFieldValue("password", "");
    setStep({ kind: "password" });
  };

  const failure = (e: unknown) =>
    isApiError(e) ? (
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 16 }}
        data-testid="sign-in-error"
        data-code={e.code}
        message={t("signIn.failed")}
        description={problemMessage(e.problem, lang)}
      />
    ) : null;

  if (step.kind === "challenge") {
    const setup = step.challenge === "totp_setup";
    return (
      <Form
        form={codeForm}
        layout="vertical"
        requiredMark={false}
        data-testid={setup ? "mfa-setup-form" : "mfa-form"}
        onFinish={(v) =>
          code.mutate({
            session: step.session,
            code: v.code,
            username: step.username,
            ...(setup && v.newPassword ? { newPassword: v.newPassword } : {}),
          })
        }
      >
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {setup ? t("signIn.mfaSetupTitle") : t("signIn.mfaTitle")}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {setup ? t("signIn.mfaSetupHint", { username: step.username }) : t("signIn.mfaHint")}
        </Typography.Paragraph>
        {failure(code.error)}
        {step.challenge === "totp_setup" && step.otpauthUri && (
          <div style={{ display: "flex", flexDirection: "column", alignItems: "center", gap: 8, marginBottom: 16 }}>
            <QRCode value={step.otpauthUri} size={176} bordered={false} data-testid="mfa-qr" />
            <Typography.Text type="secondary" style={{ fontSize: 12 }}>
              {t("signIn.mfaSecret")}
            </Typography.Text>
            <Typography.Text
              code
              copyable={{ text: secretOf(step.otpauthUri) }}
              data-testid="mfa-secret"
              data-otpauth={step.otpauthUri}
              style={{ wordBreak: "break-all", textAlign: "center" }}
            >
              {secretOf(step.otpauthUri)
                .replace(/(.{4})/g, "$1 ")
                .trim()}
            </Typography.Text>
            <Typography.Link href={step.otpauthUri} style={{ fontSize: 12 }}>
              {t("signIn.otpauthLink")}
            </Typography.Link>
          </div>
        )}
        <Form.Item
          name="code"
          label={setup ? t("signIn.mfaSetupCode") : t("signIn.mfaCode")}
          rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t("signIn.mfaCodeFormat") }]}
        >
          <Input
            prefix={<SafetyOutlined />}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            data-testid={setup ? "mfa-setup-code" : "mfa-code"}
          />
        </Form.Item>
        {setup && (
          <>
            <Form.Item
              name="newPassword"
              label={t("signIn.setupNewPassword")}
              rules={[
                { required: true, message: t("register.required") },
                { min: 12, message: t("signIn.passwordMin") },
              ]}
            >
              <Input.Password prefix={<KeyOutlined />} autoComplete="new-password" data-testid="new-password" />
            </Form.Item>
            <Form.Item
              name="confirm"
              label={t("signIn.confirmPassword")}
              dependencies={["newPassword"]}
              rules={[
                { required: true, message: t("register.required") },
                ({ getFieldValue }) => ({
                  validator: (_, v: string | undefined) =>
                    !v || v === getFieldValue("newPassword")
                      ? Promise.resolve()
                      : Promise.reject(new Error(t("signIn.mismatch"))),
                }),
              ]}
            >
              <Input.Password prefix={<KeyOutlined />} autoComplete="new-password" data-testid="confirm-password" />
            </Form.Item>
          </>
        )}
        <Button
          type="primary"
          htmlType="submit"
          block
          loading={code.isPending}
          data-testid={setup ? "confirm-mfa-setup" : "confirm-mfa"}
        >
          {setup ? t("signIn.confirmMfaSetup") : t("signIn.confirmMfa")}
        </Button>
        <Button type="link" block onClick={restart} style={{ marginTop: 8 }}>
          {t("signIn.startOver")}
        </Button>
      </Form>
    );
  }

  return (
    <Form
      form={passwordForm}
      layout="vertical"
      requiredMark={false}
      data-testid="password-form"
      onFinish={(v) => password.mutate({ username: v.username.trim(), password: v.password })}
    >
      <Typography.Paragraph type="secondary">{t("signIn.keyhold")}</Typography.Paragraph>
      {failure(password.error)}
      <Form.Item
        name="username"
        label={t("signIn.username")}
        rules={[{ required: true, whitespace: true, message: t("register.required") }]}
      >
        <Input prefix={<UserOutlined />} autoComplete="username" placeholder="zhang@anjia" data-testid="username" />
      </Form.Item>
      <Form.Item
        name="password"
        label={t("signIn.password")}
        rules={[{ required: true, message: t("register.required") }]}
      >
        <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={password.isPending} data-testid="sign-in">
        {t("signIn.submit")}
      </Button>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 12, marginBottom: 0 }}>
        {t("signIn.keyholdFirstTime")}
      </Typography.Paragraph>
    </Form>
  );
}
