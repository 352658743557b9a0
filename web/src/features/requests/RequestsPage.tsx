import { Alert, Card, Flex, Segmented, Switch, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { PageHeader } from "../../components/PageHeader.tsx";
import { requestStatuses } from "./requests.ts";
import { RequestsTable, useRequests, type RequestFilter } from "./RequestsTable.tsx";

/** 个人信息权利请求: every request the signed-in person handles, overdue ones flagged. */
export default function RequestsPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<NonNullable<RequestFilter["status"]> | "all">("open");
  const [overdueOnly, setOverdueOnly] = useState(false);
  const filter: RequestFilter = { ...(status !== "all" ? { status } : {}), ...(overdueOnly ? { overdue: true } : {}) };
  const overdue = useRequests({ status: "open", overdue: true });
  const overdueCount = overdue.data?.items.length ?? 0;

  return (
    <>
      <PageHeader title={t("requests.title")} subtitle={t("requests.subtitle")} />
      {overdueCount > 0 && !overdueOnly && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("requests.overdueAlert", { n: overdueCount })}
          action={
            <Typography.Link onClick={() => setOverdueOnly(true)} data-testid="show-overdue">
              {t("requests.showOverdue")}
            </Typography.Link>
          }
          data-testid="overdue-alert"
        />
      )}
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={16} align="center" wrap style={{ padding: 12, borderBottom: "1px solid #f0f0f0" }}>
          <Segmented
            value={status}
            onChange={(v) => setStatus(v as typeof status)}
            options={[
              ...requestStatuses.map((s) => ({ value: s, label: t(`requests.statuses.${s}`) })),
              { value: "all", label: t("requests.all") },
            ]}
            data-testid="request-status-filter"
          />
          <Flex gap={8} align="center">
            <Switch size="small" checked={overdueOnly} onChange={setOverdueOnly} data-testid="overdue-only" />
            <Typography.Text>{t("requests.overdueOnly")}</Typography.Text>
          </Flex>
        </Flex>
        <RequestsTable filter={filter} emptyText={overdueOnly ? t("requests.noOverdue") : undefined} />
      </Card>
    </>
  );
}
