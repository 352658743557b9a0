import { GlobalOutlined, LogoutOutlined, SafetyCertificateOutlined } from "@ant-design/icons";
import { Button, Flex, Layout, Menu, Space, Tag, Tooltip, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { Outlet, useLocation, useNavigate } from "react-router";
import { useBranchNames, useCapabilities } from "../api/queries.ts";
import { icpFiling } from "../auth/config.ts";
import { useSession } from "../auth/useSession.ts";
import { setLanguage, useLang } from "../i18n/index.ts";
import { signOut } from "./queryClient.ts";
import { availableScreens } from "./screens.tsx";

export function ConsoleLayout() {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const caps = useCapabilities();
  const navigate = useNavigate();
  const location = useLocation();
  const branchName = useBranchNames(session?.claims.tenantId);
  const role = session?.claims.role;
  const nav = availableScreens(role, caps.has).filter((s) => s.nav);
  const selected = nav
    .filter((s) => location.pathname === `/console/${s.path}` || location.pathname.startsWith(`/console/${s.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0]?.key;

  return (
    <Layout style={{ minHeight: "100vh" }}>
      <Layout.Sider width={208} breakpoint="lg" collapsedWidth={0} style={{ background: "#0f1f38" }}>
        <Flex align="center" gap={8} style={{ height: 56, padding: "0 20px", color: "#fff" }}>
          <SafetyCertificateOutlined style={{ fontSize: 20, color: "#60a5fa" }} />
          <Typography.Text strong style={{ color: "#fff", fontSize: 16 }}>
            {t("app.short")}
          </Typography.Text>
        </Flex>
        <Menu
          theme="dark"
          mode="inline"
          style={{ background: "transparent" }}
          selectedKeys={selected ? [selected] : []}
          items={nav.map((s) => ({ key: s.key, icon: s.nav!.icon, label: t(s.nav!.label), onClick: () => navigate(`/console/${s.path}`) }))}
        />
      </Layout.Sider>
      <Layout>
        <Layout.Header style={{ background: "#fff", padding: "0 24px", height: 56, lineHeight: "56px", borderBottom: "1px solid #e5e7eb" }}>
          <Flex justify="space-between" align="center" style={{ height: "100%" }}>
            <Space size={8}>
              <Typography.Text strong>{session?.tenantName ?? session?.claims.tenantId}</Typography.Text>
              {caps.has("POST /local/login") && <Tag color="default">{t("app.offline")}</Tag>}
            </Space>
            <Space size={12}>
              <span data-testid="current-user">
                <Typography.Text>{session?.displayName ?? session?.claims.staffId}</Typography.Text>{" "}
                <Tag color="geekblue">{role ? t(`roles.${role}`) : ""}</Tag>
                {session?.claims.branchId && <Typography.Text type="secondary">{branchName(session.claims.branchId)}</Typography.Text>}
              </span>
              <Tooltip title={t("app.language")}>
                <Button size="small" icon={<GlobalOutlined />} onClick={() => setLanguage(lang === "zh" ? "en" : "zh-CN")} data-testid="switch-language">
                  {t("app.switchTo")}
                </Button>
              </Tooltip>
              <Button
                size="small"
                icon={<LogoutOutlined />}
                onClick={() => {
                  signOut();
                  navigate("/console/sign-in", { replace: true });
                }}
              >
                {t("app.signOut")}
              </Button>
            </Space>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: 24 }}>
          <Outlet />
        </Layout.Content>
        <Layout.Footer style={{ textAlign: "center", color: "#6b7280", fontSize: 12, padding: "12px 24px" }}>
          {t("app.tagline")} · {t("app.privacyNote")}
          {icpFiling ? (
            <>
              {" · "}
              <a href="https://beian.miit.gov.cn/" target="_blank" rel="noreferrer" style={{ color: "inherit" }}>
                {icpFiling}
              </a>
            </>
          ) : null}
        </Layout.Footer>
      </Layout>
    </Layout>
  );
}
