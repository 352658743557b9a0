import { Button, Empty, Result, Skeleton, Spin, Typography } from "antd";
import type { ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { isApiError } from "../api/problem.ts";
import { problemMessage } from "../api/problems.ts";
import { useLang } from "../i18n/index.ts";

/** The message for any error the console meets, in the user's language. */
export function useErrorMessage() {
  const lang = useLang();
  const { t } = useTranslation();
  return (error: unknown) => {
    if (isApiError(error)) return problemMessage(error.problem, lang);
    return error instanceof Error ? error.message : t("states.error");
  };
}

export function Loading({ rows = 4, tip }: { rows?: number; tip?: string }) {
  const { t } = useTranslation();
  return (
    <div role="status" aria-live="polite" data-state="loading" style={{ padding: 24 }}>
      <Spin tip={tip ?? t("app.loading")} size="small">
        <div style={{ minHeight: 24 }} />
      </Spin>
      <Skeleton active paragraph={{ rows }} title={false} />
    </div>
  );
}

export function EmptyState({ description, action }: { description?: ReactNode; action?: ReactNode }) {
  const { t } = useTranslation();
  return (
    <div data-state="empty" style={{ padding: 24 }}>
      <Empty description={description ?? t("states.empty")}>{action}</Empty>
    </div>
  );
}

export function ErrorState({ error, onRetry, title }: { error: unknown; onRetry?: () => void; title?: ReactNode }) {
  const { t } = useTranslation();
  const message = useErrorMessage();
  const code = isApiError(error) ? error.code : undefined;
  const status =
    isApiError(error) && (error.status === 403 || error.status === 401)
      ? "403"
      : isApiError(error) && error.status === 404
        ? "404"
        : "error";
  return (
    <div data-state="error" data-code={code}>
      <Result
        status={status}
        title={title ?? (status === "403" ? t("states.forbidden") : t("states.error"))}
        subTitle={
          <>
            <div role="alert">{message(error)}</div>
            {code && (
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {code}
              </Typography.Text>
            )}
          </>
        }
        extra={onRetry && status === "error" ? <Button onClick={onRetry}>{t("app.retry")}</Button> : undefined}
      />
    </div>
  );
}

/** Loading, error or content: the three states every screen has (empty is the screen's own). */
export function QueryState<T>({
  query,
  children,
  rows,
}: {
  query: { isPending: boolean; isError: boolean; error: unknown; data: T | undefined; refetch: () => unknown };
  children: (data: T) => ReactNode;
  rows?: number;
}) {
  if (query.isPending) return <Loading rows={rows} />;
  if (query.isError) return <ErrorState error={query.error} onRetry={() => void query.refetch()} />;
  return <>{children(query.data as T)}</>;
}
