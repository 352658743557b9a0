import { LoginOutlined, SafetyCertificateOutlined } from "@ant-design/icons";
import { useMutation, useQuery } from "@tanstack/react-query";
import { Alert, Avatar, Button, Card, Col, Flex, List, Row, Space, Tag, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Navigate, useLocation, useNavigate } from "react-router";
import { publicClient, dataOf } from "../api/http.ts";
import { problemMessage } from "../api/problems.ts";
import { isApiError } from "../api/problem.ts";
import { useCapabilities, useDirectory } from "../api/queries.ts";
import type { DemoDirectory } from "../api/model.ts";
import { ENDED_KEY } from "../app/queryClient.ts";
import { homePath } from "../app/screens.tsx";
import { ErrorState, Loading } from "../components/States.tsx";
import { setLanguage, useLang } from "../i18n/index.ts";
import { cognitoConfig, cognitoConfigError } from "./config.ts";
import { CognitoSignIn } from "./CognitoSignIn.tsx";
import { KeyholdSignIn } from "./KeyholdSignIn.tsx";
import { OidcSignIn } from "./OidcSignIn.tsx";
import { startSession } from "./session.ts";
import { useSession } from "./useSession.ts";

type DemoUser = DemoDirectory["tenants"][number]["users"][number];

const roleColors: Record<string, string> = {
  hq_admin: "purple",
  compliance_officer: "cyan",
  branch_manager: "blue",
  agent: "green",
  platform_admin: "gold",
};

export function SignIn() {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const caps = useCapabilities();
  const navigate = useNavigate();
  const location = useLocation();
  // A build with a Cognito configuration signs in through Cognito; otherwise the API says how
  // (GET /auth/config): the offline demo picker, Keyhold identity (password + TOTP) or OIDC.
  const cognito = cognitoConfig !== null;
  const authConfig = useQuery({
    queryKey: ["auth-config"],
    queryFn: () => dataOf(publicClient.GET("/auth/config")),
    staleTime: Infinity,
    retry: false,
    enabled: !cognito,
  });
  // An API from before /auth/config: the picker when it offers one, as before.
  const mode = cognito
    ? "cognito"
    : (authConfig.data?.mode ?? (authConfig.isError && caps.has("GET /local/users") ? "demo" : undefined));
  const offline = mode === "demo" && caps.has("GET /local/users");
  const ownForm = mode === "keyhold" || mode === "oidc";
  const directory = useDirectory(offline);
  const [ended, setEnded] = useState<string | null>(null);

  useEffect(() => {
    const code = sessionStorage.getItem(ENDED_KEY);
    if (code) {
      setEnded(code);
      sessionStorage.removeItem(ENDED_KEY);
    }
  }, []);

  const login = useMutation({
    mutationFn: async ({ user, tenantName }: { user: DemoUser; tenantName: string }) => {
      const { token } = await dataOf(publicClient.POST("/local/login", { body: { username: user.username } }));
      return startSession(token, { username: user.username, displayName: user.displayName, tenantName });
    },
    onSuccess: (s) => {
      const from = (location.state as { from?: string } | null)?.from;
      navigate(from && from !== "/console" ? from : homePath(s.claims.role, caps.may), { replace: true });
    },
  });

  if (session) return <Navigate to="/console" replace />;
  const from = (location.state as { from?: string } | null)?.from;

  const branchName = (tenant: DemoDirectory["tenants"][number], id: string | null) =>
    id ? (tenant.branches.find((b) => b.branchId === id)?.name ?? id) : t("signIn.noBranch");

  return (
    <Flex
      vertical
      align="center"
      style={{
        minHeight: "100vh",
        padding: "48px 16px",
        background: "linear-gradient(180deg,#0f1f38 0,#0f1f38 240px,#f3f5f8 240px)",
      }}
    >
      <Flex vertical align="center" style={{ color: "#fff", marginBottom: 24 }}>
        <SafetyCertificateOutlined style={{ fontSize: 40, color: "#60a5fa" }} />
        <Typography.Title level={2} style={{ color: "#fff", margin: "8px 0 4px" }}>
          {t("app.name")}
        </Typography.Title>
        <Typography.Text style={{ color: "#cbd5e1" }}>{t("app.tagline")}</Typography.Text>
        <Button
          size="small"
          ghost
          style={{ marginTop: 12 }}
          onClick={() => setLanguage(lang === "zh" ? "en" : "zh-CN")}
          data-testid="switch-language"
        >
          {t("app.switchTo")}
        </Button>
      </Flex>
      <Card
        style={{ width: "100%", maxWidth: cognito || ownForm ? 440 : 960 }}
        title={offline ? t("signIn.pick") : t("signIn.title")}
        data-testid="sign-in-card"
      >
        {ended && (
          <Alert type="warning" showIcon style={{ marginBottom: 16 }} message={problemMessage({ code: ended }, lang)} />
        )}
        {login.isError && (
          <Alert
            type="error"
            showIcon
            style={{ marginBottom: 16 }}
            message={t("signIn.failed")}
            description={isApiError(login.error) ? problemMessage(login.error.problem, lang) : String(login.error)}
          />
        )}
        {cognitoConfig ? (
          <CognitoSignIn
            config={cognitoConfig}
            onSignedIn={() => navigate(from && from !== "/console" ? from : "/console", { replace: true })}
          />
        ) : cognitoConfigError ? (
          <Alert
            type="error"
            showIcon
            message={t("signIn.configError")}
            description={<span className="kh-mono">{cognitoConfigError}</span>}
          />
        ) : caps.isPending || authConfig.isPending ? (
          <Loading />
        ) : mode === "keyhold" ? (
          <KeyholdSignIn
            onSignedIn={() => navigate(from && from !== "/console" ? from : "/console", { replace: true })}
          />
        ) : mode === "oidc" ? (
          <OidcSignIn onSignedIn={() => navigate(from && from !== "/console" ? from : "/console", { replace: true })} />
        ) : caps.isError ? (
          <ErrorState error={caps.error} onRetry={() => void caps.refetch()} />
        ) : !offline ? (
          <Alert type="info" showIcon message={t("signIn.cognito")} description={t("signIn.cognitoMissing")} />
        ) : directory.isPending ? (
          <Loading />
        ) : directory.isError ? (
          <ErrorState error={directory.error} onRetry={() => void directory.refetch()} />
        ) : (
          <>
            <Typography.Paragraph type="secondary">{t("signIn.pickHint")}</Typography.Paragraph>
            <Row gutter={[16, 16]}>
              {directory.data.tenants.map((tenant) => (
                <Col xs={24} lg={tenant.users.length > 2 ? 14 : 10} key={tenant.tenantId}>
                  <Card size="small" type="inner" title={`${tenant.name}（${tenant.tenantId}）`}>
                    <List
                      dataSource={tenant.users}
                      renderItem={(u) => (
                        <List.Item
                          data-username={u.username}
                          actions={[
                            <Button
                              key="go"
                              type="primary"
                              size="small"
                              icon={<LoginOutlined />}
                              loading={login.isPending && login.variables?.user.username === u.username}
                              onClick={() => login.mutate({ user: u, tenantName: tenant.name })}
                              aria-label={`${t("signIn.signInAs")} ${u.username}`}
                            >
                              {t("signIn.signInAs")}
                            </Button>,
                          ]}
                        >
                          <List.Item.Meta
                            avatar={<Avatar style={{ background: "#1d4ed8" }}>{u.displayName.slice(0, 1)}</Avatar>}
                            title={
                              <Space size={4} wrap>
                                <span>{u.displayName}</span>
                                <Tag color={roleColors[u.role]}>{t(`roles.${u.role}`)}</Tag>
                                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                                  {branchName(tenant, u.branchId)}
                                </Typography.Text>
                              </Space>
                            }
                            description={
                              <Space size={4} wrap>
                                <Typography.Text className="kh-mono" type="secondary" style={{ fontSize: 12 }}>
                                  {u.username}
                                </Typography.Text>
                                {!u.agreementSigned && <Tag color="red">{t("signIn.agreementNotSigned")}</Tag>}
                                {u.backgroundCheck === "passed" && (
                                  <Tag color="green">{t("signIn.backgroundPassed")}</Tag>
                                )}
                                {u.backgroundCheck === "pending" && <Tag>{t("signIn.backgroundPending")}</Tag>}
                              </Space>
                            }
                          />
                        </List.Item>
                      )}
                    />
                  </Card>
                </Col>
              ))}
            </Row>
          </>
        )}
      </Card>
    </Flex>
  );
}
