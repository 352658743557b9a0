import { LoginOutlined } from "@ant-design/icons";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Form, Input, Spin, Typography } from "antd";
import { useEffect, useRef } from "react";
import { useTranslation } from "react-i18next";
import { publicClient, dataOf } from "../api/http.ts";
import { isApiError } from "../api/problem.ts";
import { problemMessage } from "../api/problems.ts";
import { useLang } from "../i18n/index.ts";
import { establishKeyhold } from "./keyholdSession.ts";

/** The provider sends the browser back here; the API, not the browser, exchanges the code. */
export const oidcRedirectUri = () => `${window.location.origin}/console/sign-in`;

/**
 * OIDC federation (the agency's 企业微信, 钉钉, 飞书 or other provider): the API hands out the
 * provider's authorization URL (code + PKCE, the verifier kept server-side); on the way back this
 * page passes the code and state to the API, which answers Keyhold tokens only for a staff member an
 * admin linked.
 */
export function OidcSignIn({ onSignedIn }: { onSignedIn: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const params = new URLSearchParams(window.location.search);
  const returned =
    params.get("code") && params.get("state")
      ? { code: params.get("code")!, state: params.get("state")!, iss: params.get("iss") ?? undefined }
      : null;

  const start = useMutation({
    mutationFn: (tenantId: string) =>
      dataOf(publicClient.POST("/auth/oidc/start", { body: { tenantId, redirectUri: oidcRedirectUri() } })),
    onSuccess: ({ authorizationUrl }) => window.location.assign(authorizationUrl),
  });
  const finish = useMutation({
    mutationFn: (cb: { code: string; state: string; iss?: string }) =>
      dataOf(publicClient.POST("/auth/oidc/callback", { body: cb })),
    onSuccess: (tokens) => {
      window.history.replaceState(null, "", window.location.pathname);
      establishKeyhold(tokens, "");
      onSignedIn();
    },
  });
  const once = useRef(false);
  useEffect(() => {
    if (returned && !once.current) {
      once.current = true;
      finish.mutate(returned);
    }
  }, [returned, finish]);

  const error = start.error ?? finish.error;
  return (
    <Form
      layout="vertical"
      requiredMark={false}
      data-testid="oidc-form"
      onFinish={(v: { tenantId: string }) => start.mutate(v.tenantId.trim())}
    >
      <Typography.Paragraph type="secondary">{t("signIn.oidc")}</Typography.Paragraph>
      {isApiError(error) && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="sign-in-error"
          data-code={error.code}
          message={t("signIn.failed")}
          description={problemMessage(error.problem, lang)}
        />
      )}
      {finish.isPending ? (
        <Spin tip={t("signIn.oidcCompleting")} />
      ) : (
        <>
          <Form.Item
            name="tenantId"
            label={t("signIn.oidcTenant")}
            rules={[{ required: true, whitespace: true, message: t("register.required") }]}
          >
            <Input autoComplete="organization" placeholder="anjia" data-testid="tenant-id" />
          </Form.Item>
          <Button
            type="primary"
            htmlType="submit"
            block
            icon={<LoginOutlined />}
            loading={start.isPending}
            data-testid="oidc-go"
          >
            {t("signIn.oidcGo")}
          </Button>
        </>
      )}
    </Form>
  );
}
