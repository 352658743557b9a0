import { KeyOutlined, LockOutlined, SafetyOutlined, UserOutlined } from "@ant-design/icons";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Button, Form, Input, QRCode, Spin, Typography } from "antd";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { isApiError } from "../api/problem.ts";
import { problemMessage } from "../api/problems.ts";
import { useLang } from "../i18n/index.ts";
import { createCognito, passwordProblems, type Cognito, type SignInStep } from "./cognito.ts";
import { establish } from "./cognitoSession.ts";
import type { CognitoConfig } from "./config.ts";

type Step = { kind: "password" } | Exclude<SignInStep, { kind: "done" }>;

/**
 * Sign-in on AWS: username and password, then — on a first sign-in with the temporary password an
 * admin issued — a new password; then the authenticator app: enrolled on the first sign-in (a QR
 * code to scan, its first code to confirm), its code on every other. Passwords and the
 * authenticator's secret go only to Cognito and are never kept.
 */
export function CognitoSignIn({ config, onSignedIn }: { config: CognitoConfig; onSignedIn: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const cognito = useMemo(() => createCognito(config), [config]);
  const [step, setStep] = useState<Step>({ kind: "password" });
  const [username, setUsername] = useState("");
  const [passwordForm] = Form.useForm<{ username: string; password: string }>();
  const [newPasswordForm] = Form.useForm<{
    newPassword: string;
    confirm: string;
    attributes?: Record<string, string>;
  }>();
  const [mfaForm] = Form.useForm<{ code: string }>();
  const [setupForm] = Form.useForm<{ code: string }>();

  const advance = (next: SignInStep) => {
    if (next.kind === "done") {
      establish(cognito, next.tokens, username);
      onSignedIn();
    } else setStep(next);
  };

  const run = useMutation({
    mutationFn: async (action: () => Promise<SignInStep>) => action(),
    onSuccess: advance,
    onError: (e) => {
      // A challenge's session lasts minutes; once it has expired, start again from the password.
      if (isApiError(e) && e.code === "sign_in_expired" && step.kind !== "password") setStep({ kind: "password" });
    },
  });

  const restart = () => {
    run.reset();
    newPasswordForm.resetFields();
    mfaForm.resetFields();
    setupForm.resetFields();
    passwordForm.setFieldValue("password", "");
    setStep({ kind: "password" });
  };

  const error = isApiError(run.error) ? run.error : null;
  const errorAlert = error && (
    <Alert
      type="error"
      showIcon
      style={{ marginBottom: 16 }}
      data-testid="sign-in-error"
      data-code={error.code}
      message={t("signIn.failed")}
      description={problemMessage(error.problem, lang)}
    />
  );

  if (step.kind === "newPassword") {
    return (
      <Form
        form={newPasswordForm}
        layout="vertical"
        requiredMark={false}
        data-testid="new-password-form"
        onFinish={(v) => run.mutate(() => cognito.completeNewPassword(step, v.newPassword, v.attributes ?? {}))}
      >
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t("signIn.newPasswordTitle")}
        </Typography.Title>
        <Typography.Paragraph type="secondary">
          {t("signIn.newPasswordHint", { username: step.username })}
        </Typography.Paragraph>
        {errorAlert}
        <Form.Item
          name="newPassword"
          label={t("signIn.newPassword")}
          extra={t("signIn.passwordRules")}
          rules={[
            { required: true, message: t("register.required") },
            {
              validator: (_, v: string | undefined) => {
                const missing = passwordProblems(v ?? "");
                return !v || missing.length === 0
                  ? Promise.resolve()
                  : Promise.reject(new Error(missing.map((m) => t(`signIn.rules.${m}`)).join("；")));
              },
            },
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
        {step.requiredAttributes.map((a) => (
          <Form.Item
            key={a}
            name={["attributes", a]}
            label={t(`signIn.attributes.${a}`, { defaultValue: a })}
            rules={[{ required: true, whitespace: true, message: t("register.required") }]}
          >
            <Input autoComplete="off" />
          </Form.Item>
        ))}
        <Button
          type="primary"
          htmlType="submit"
          block
          loading={run.isPending}
          data-testid="set-password"
          style={{ marginTop: 8 }}
        >
          {t("signIn.setPassword")}
        </Button>
        <Button type="link" block onClick={restart} style={{ marginTop: 8 }}>
          {t("signIn.startOver")}
        </Button>
      </Form>
    );
  }

  if (step.kind === "mfaSetup") {
    return (
      <MfaSetup
        cognito={cognito}
        step={step}
        form={setupForm}
        errorAlert={errorAlert}
        pending={run.isPending}
        onVerify={(action) => run.mutate(action)}
        onRestart={restart}
      />
    );
  }

  if (step.kind === "mfa") {
    return (
      <Form
        form={mfaForm}
        layout="vertical"
        requiredMark={false}
        data-testid="mfa-form"
        onFinish={(v) => run.mutate(() => cognito.confirmMfa(step, v.code))}
      >
        <Typography.Title level={5} style={{ marginTop: 0 }}>
          {t("signIn.mfaTitle")}
        </Typography.Title>
        <Typography.Paragraph type="secondary">{t("signIn.mfaHint")}</Typography.Paragraph>
        {errorAlert}
        <Form.Item
          name="code"
          label={t("signIn.mfaCode")}
          rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t("signIn.mfaCodeFormat") }]}
        >
          <Input
            prefix={<SafetyOutlined />}
            inputMode="numeric"
            autoComplete="one-time-code"
            maxLength={6}
            data-testid="mfa-code"
          />
        </Form.Item>
        <Button type="primary" htmlType="submit" block loading={run.isPending} data-testid="confirm-mfa">
          {t("signIn.confirmMfa")}
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
      onFinish={(v) => {
        const name = v.username.trim();
        setUsername(name);
        run.mutate(() => cognito.signIn(name, v.password));
      }}
    >
      <Typography.Paragraph type="secondary">{t("signIn.cognito")}</Typography.Paragraph>
      {errorAlert}
      <Form.Item
        name="username"
        label={t("signIn.username")}
        rules={[{ required: true, whitespace: true, message: t("register.required") }]}
      >
        <Input prefix={<UserOutlined />} autoComplete="username" placeholder="agent.li@anjia" data-testid="username" />
      </Form.Item>
      <Form.Item
        name="password"
        label={t("signIn.password")}
        rules={[{ required: true, message: t("register.required") }]}
      >
        <Input.Password prefix={<LockOutlined />} autoComplete="current-password" data-testid="password" />
      </Form.Item>
      <Button type="primary" htmlType="submit" block loading={run.isPending} data-testid="sign-in">
        {t("signIn.submit")}
      </Button>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginTop: 12, marginBottom: 0 }}>
        {t("signIn.firstTime")}
      </Typography.Paragraph>
    </Form>
  );
}

/**
 * Enrolling an authenticator app (MFA_SETUP): Cognito issues a secret for this sign-in, shown as the
 * otpauth QR code and as text to type in; the app's first code proves it holds the secret.
 */
function MfaSetup(props: {
  cognito: Cognito;
  step: Extract<SignInStep, { kind: "mfaSetup" }>;
  form: ReturnType<typeof Form.useForm<{ code: string }>>[0];
  errorAlert: React.ReactNode;
  pending: boolean;
  onVerify: (action: () => Promise<SignInStep>) => void;
  onRestart: () => void;
}) {
  const { t } = useTranslation();
  const { cognito, step } = props;
  // One secret per challenge session: never fetched again for the same session.
  const enrolment = useQuery({
    queryKey: ["mfa-setup", step.session],
    queryFn: () => cognito.associateTotp(step),
    staleTime: Infinity,
    gcTime: 0,
    retry: false,
  });
  const problem = isApiError(enrolment.error) ? enrolment.error : null;
  const lang = useLang();
  return (
    <Form
      form={props.form}
      layout="vertical"
      requiredMark={false}
      data-testid="mfa-setup-form"
      onFinish={(v) => enrolment.data && props.onVerify(() => cognito.verifyTotp(step, enrolment.data!, v.code))}
    >
      <Typography.Title level={5} style={{ marginTop: 0 }}>
        {t("signIn.mfaSetupTitle")}
      </Typography.Title>
      <Typography.Paragraph type="secondary">
        {t("signIn.mfaSetupHint", { username: step.username })}
      </Typography.Paragraph>
      {props.errorAlert}
      {problem && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="mfa-setup-error"
          data-code={problem.code}
          message={t("signIn.failed")}
          description={problemMessage(problem.problem, lang)}
        />
      )}
      {enrolment.isPending ? (
        <Spin />
      ) : enrolment.data ? (
        <div style={{ display: "flex", flexDirection: "column", alignItems: "center", gap: 8, marginBottom: 16 }}>
          <QRCode value={enrolment.data.uri} size={176} bordered={false} data-testid="mfa-qr" />
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t("signIn.mfaSecret")}
          </Typography.Text>
          <Typography.Text
            code
            copyable={{ text: enrolment.data.secret }}
            data-testid="mfa-secret"
            style={{ wordBreak: "break-all", textAlign: "center" }}
          >
            {enrolment.data.secret.replace(/(.{4})/g, "$1 ").trim()}
          </Typography.Text>
        </div>
      ) : null}
      <Form.Item
        name="code"
        label={t("signIn.mfaSetupCode")}
        rules={[{ required: true, pattern: /^\s*\d{6}\s*$/, message: t("signIn.mfaCodeFormat") }]}
      >
        <Input
          prefix={<SafetyOutlined />}
          inputMode="numeric"
          autoComplete="one-time-code"
          maxLength={6}
          data-testid="mfa-setup-code"
          disabled={!enrolment.data}
        />
      </Form.Item>
      <Button
        type="primary"
        htmlType="submit"
        block
        loading={props.pending}
        disabled={!enrolment.data}
        data-testid="confirm-mfa-setup"
      >
        {t("signIn.confirmMfaSetup")}
      </Button>
      <Button type="link" block onClick={props.onRestart} style={{ marginTop: 8 }}>
        {t("signIn.startOver")}
      </Button>
    </Form>
  );
}
