import { Button, Result } from "antd";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";

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
