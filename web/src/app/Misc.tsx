import { Button, Result } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import type { Role } from "@keyhold/core/contract";

export function NotFound() {
  const { t } = useTranslation();
  return (
    <Result
      status="404"
      title={t("app.notFound")}
      subTitle={t("app.notFoundHint")}
      extra={
        <Link to="/console">
          <Button type="primary">{t("app.home")}</Button>
        </Link>
      }
    />
  );
}

/** For a role with no screen yet (e.g. the platform operator before the platform API exists). */
export function Welcome() {
  const { t } = useTranslation();
  return <Result status="info" title={t("app.name")} subTitle={t("app.tagline")} />;
}

/**
 * A screen that exists but is not for this role: say so, and say who may open it, so a colleague
 * knows whom to ask (a missing page would only leave them wondering).
 */
export function Forbidden({ role, allowed }: { role: Role; allowed: readonly Role[] }) {
  const { t } = useTranslation();
  return (
    <Result
      status="403"
      title={t("denied.title")}
      subTitle={
        <span data-testid="forbidden" data-role={role}>
          {t("denied.why", { role: t(`roles.${role}`), roles: allowed.map((r) => t(`roles.${r}`)).join("、") })}
        </span>
      }
      extra={
        <Link to="/console">
          <Button type="primary">{t("app.home")}</Button>
        </Link>
      }
    />
  );
}
