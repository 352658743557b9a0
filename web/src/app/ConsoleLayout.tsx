import { GlobalOutlined, LogoutOutlined, MenuOutlined, SafetyCertificateOutlined } from "@ant-design/icons";
import { Button, Drawer, Flex, Layout, Menu, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Outlet, useLocation, useNavigate } from "react-router";
import { useBranchNames, useCapabilities } from "../api/queries.ts";
import { icpFiling } from "../auth/config.ts";
import { useSession } from "../auth/useSession.ts";
import { setLanguage, useLang } from "../i18n/index.ts";
import { useIsPhone } from "../components/responsive.ts";
import { Watermark } from "../components/Watermark.tsx";
import { useIdleLock } from "../auth/useIdleLock.ts";
import { lockSession, signOut } from "./queryClient.ts";
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
  useIdleLock(role, lockSession);
  const nav = availableScreens(role, caps.may).filter((s) => s.nav);
  const selected = nav
    .filter((s) => location.pathname === `/console/${s.path}` || location.pathname.startsWith(`/console/${s.path}/`))
    .sort((a, b) => b.path.length - a.path.length)[0]?.key;

  const phone = useIsPhone();
  const [drawer, setDrawer] = useState(false);
  const tenant = session?.tenantName ?? session?.claims.tenantId;
  const menu = (
    <Menu
      theme="dark"
      mode="inline"
      style={{ background: "transparent", borderInlineEnd: "none" }}
      selectedKeys={selected ? [selected] : []}
      items={nav.map((s) => ({
        key: s.key,
        icon: s.nav!.icon,
        label: t(s.nav!.label),
        onClick: () => {
          setDrawer(false);
          navigate(`/console/${s.path}`);
        },
      }))}
    />
  );
  const brand = (
    <Flex align="center" gap={8} style={{ height: 56, padding: "0 20px", color: "#fff" }}>
      <SafetyCertificateOutlined style={{ fontSize: 20, color: "#60a5fa" }} />
      <Typography.Text strong style={{ color: "#fff", fontSize: 16 }}>
        {t("app.short")}
      </Typography.Text>
    </Flex>
  );
  const doSignOut = () => {
    signOut();
    navigate("/console/sign-in", { replace: true });
  };

  return (
    <Layout style={{ minHeight: "100vh" }}>
      {session && (
        <Watermark
          viewer={{
            displayName: session.displayName,
            username: session.username,
            staffId: session.claims.staffId,
            tenantName: session.tenantName,
            tenantId: session.claims.tenantId,
          }}
        />
      )}
      {phone ? (
        // On a phone the menu is a drawer over the page, never a column that pushes it sideways.
        <Drawer
          open={drawer}
          onClose={() => setDrawer(false)}
          placement="left"
          width={260}
          closable={false}
          styles={{ body: { padding: 0, background: "#0f1f38" }, header: { display: "none" } }}
          data-testid="nav-drawer"
        >
          {brand}
          {menu}
        </Drawer>
      ) : (
        <Layout.Sider width={208} style={{ background: "#0f1f38" }}>
          {brand}
          {menu}
        </Layout.Sider>
      )}
      <Layout style={{ minWidth: 0 }}>
        <Layout.Header
          style={{
            background: "#fff",
            padding: phone ? "0 8px" : "0 24px",
            height: 56,
            lineHeight: "56px",
            borderBottom: "1px solid #e5e7eb",
          }}
        >
          <Flex justify="space-between" align="center" gap={8} style={{ height: "100%" }}>
            <Flex align="center" gap={8} style={{ minWidth: 0, flex: "1 1 auto" }}>
              {phone && (
                <Button
                  type="text"
                  icon={<MenuOutlined />}
                  onClick={() => setDrawer(true)}
                  aria-label={t("app.menu")}
                  data-testid="open-menu"
                />
              )}
              <Typography.Text
                strong
                className="kh-phone-header-name"
                title={tenant ?? undefined}
                data-testid="tenant-name"
              >
                {tenant}
              </Typography.Text>
              {caps.has("POST /local/login") && !phone && <Tag color="default">{t("app.offline")}</Tag>}
            </Flex>
            <Flex align="center" gap={phone ? 4 : 12} style={{ flex: "none" }}>
              <span data-testid="current-user" style={{ whiteSpace: "nowrap" }}>
                <Typography.Text>{session?.displayName ?? session?.claims.staffId}</Typography.Text>{" "}
                {!phone && <Tag color="geekblue">{role ? t(`roles.${role}`) : ""}</Tag>}
                {!phone && session?.claims.branchId && (
                  <Typography.Text type="secondary">{branchName(session.claims.branchId)}</Typography.Text>
                )}
              </span>
              <Tooltip title={t("app.language")}>
                <Button
                  size="small"
                  icon={<GlobalOutlined />}
                  onClick={() => setLanguage(lang === "zh" ? "en" : "zh-CN")}
                  data-testid="switch-language"
                  aria-label={t("app.switchTo")}
                >
                  {phone ? null : t("app.switchTo")}
                </Button>
              </Tooltip>
              <Button size="small" icon={<LogoutOutlined />} onClick={doSignOut} aria-label={t("app.signOut")}>
                {phone ? null : t("app.signOut")}
              </Button>
            </Flex>
          </Flex>
        </Layout.Header>
        <Layout.Content style={{ padding: phone ? 12 : 24, minWidth: 0 }}>
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
