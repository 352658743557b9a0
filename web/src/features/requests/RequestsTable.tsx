import { CheckCircleOutlined } from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import { Button, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { client as http, dataOf } from "../../api/http.ts";
import { useCapabilities } from "../../api/queries.ts";
import type { QueryOf, SubjectRequestView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { EmptyState, ErrorState } from "../../components/States.tsx";
import { FulfilDialog } from "./FulfilDialog.tsx";
import { dueState, recordedBy, sortRequests } from "./requests.ts";

export interface RequestFilter {
  status?: QueryOf<"/requests", "get">["status"];
  overdue?: boolean;
  clientId?: string;
}

export function useRequests(filter: RequestFilter) {
  return useQuery({
    queryKey: ["requests", filter],
    queryFn: () =>
      dataOf(
        http.GET("/requests", {
          params: {
            query: { status: filter.status, overdue: filter.overdue ? "true" : undefined, clientId: filter.clientId },
          },
        }),
      ),
  });
}

/** Data-subject requests with their due dates (overdue in red) and the way to fulfil each. */
export function RequestsTable({
  filter,
  showClient = true,
  emptyText,
}: {
  filter: RequestFilter;
  showClient?: boolean;
  emptyText?: string;
}) {
  const { t } = useTranslation();
  const caps = useCapabilities();
  const requests = useRequests(filter);
  const [open, setOpen] = useState<SubjectRequestView | null>(null);
  const canFulfil = caps.has("POST /requests/{id}/fulfil");
  const me = useSession()?.claims.staffId;

  // The dialog stays mounted whatever the list shows: a fulfilled request leaves the "open" list
  // while its outcome (the copy's downloads, the certificate) is still on screen.
  const dialog = <FulfilDialog request={open} onClose={() => setOpen(null)} />;
  if (requests.isError) return <ErrorState error={requests.error} onRetry={() => void requests.refetch()} />;
  if (!requests.isPending && requests.data.items.length === 0)
    return (
      <>
        <EmptyState description={emptyText ?? t("requests.empty")} />
        {dialog}
      </>
    );

  return (
    <>
      <Table<SubjectRequestView>
        rowKey="id"
        size={showClient ? "middle" : "small"}
        loading={requests.isPending}
        dataSource={sortRequests(requests.data?.items ?? [])}
        pagination={(requests.data?.items.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
        data-testid="requests-table"
        rowClassName={(r) => (r.overdue ? "kh-row-overdue" : "")}
        onRow={(r) =>
          ({ "data-request": r.id, "data-type": r.type, "data-status": r.status }) as React.HTMLAttributes<HTMLElement>
        }
        columns={[
          {
            title: t("requests.type"),
            key: "type",
            render: (_, r) => (
              <>
                <Tag color={r.type === "deletion" ? "red" : r.type === "withdrawal" ? "volcano" : "blue"}>
                  {t(`requests.types.${r.type}`, { defaultValue: r.type })}
                </Tag>
                <div>
                  <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                    {r.id}
                  </Typography.Text>
                </div>
              </>
            ),
          },
          ...(showClient
            ? [
                {
                  title: t("requests.client"),
                  key: "client",
                  render: (_: unknown, r: SubjectRequestView) => (
                    <Link to={`/console/clients/${encodeURIComponent(r.clientId)}`} className="kh-mono">
                      {r.clientId}
                    </Link>
                  ),
                },
              ]
            : []),
          {
            title: t("requests.channel"),
            key: "channel",
            render: (_, r) => t(`requests.channels.${r.channel}`, { defaultValue: r.channel }),
          },
          { title: t("requests.receivedAt"), key: "received", render: (_, r) => formatTime(r.receivedAt) },
          {
            title: t("requests.dueAt"),
            key: "due",
            render: (_, r) => {
              const s = dueState(r);
              return (
                <>
                  <div>{formatTime(r.dueAt)}</div>
                  {s.kind === "overdue" ? (
                    <Tag color="red" data-testid="overdue">
                      {t("requests.overdueBy", { n: s.days })}
                    </Tag>
                  ) : s.kind === "due" ? (
                    <Tag color={s.days <= 3 ? "orange" : "default"}>
                      {s.days === 0 ? t("requests.dueToday") : t("requests.dueIn", { n: s.days })}
                    </Tag>
                  ) : null}
                </>
              );
            },
          },
          {
            title: t("requests.assignee"),
            key: "assignee",
            render: (_, r) => staffLabel(r.assigneeName, r.assigneeUsername, r.assigneeId),
          },
          {
            title: t("requests.status"),
            key: "status",
            render: (_, r) =>
              r.status === "fulfilled" ? (
                <Tooltip title={`${formatTime(r.fulfilledAt)} · ${r.fulfilledBy ?? ""}`}>
                  <Tag color="green" icon={<CheckCircleOutlined />}>
                    {t("requests.statuses.fulfilled")}
                  </Tag>
                </Tooltip>
              ) : (
                <Tag color="processing">{t("requests.statuses.open")}</Tag>
              ),
          },
          {
            title: "",
            key: "actions",
            render: (_, r) =>
              r.status === "open" ? (
                canFulfil &&
                (recordedBy(r, me) ? (
                  // Four eyes: whoever recorded the request leaves its fulfilment (and its copy) to someone else.
                  <Tooltip title={t("requests.fourEyes.recorder")}>
                    <span>
                      <Button size="small" type="primary" disabled data-testid={`fulfil-${r.id}`}>
                        {t("requests.fulfil")}
                      </Button>
                      <Typography.Text
                        type="secondary"
                        style={{ fontSize: 12, marginLeft: 6 }}
                        data-testid={`recorded-by-me-${r.id}`}
                      >
                        {t("requests.fourEyes.short")}
                      </Typography.Text>
                    </span>
                  </Tooltip>
                ) : (
                  <Button size="small" type="primary" onClick={() => setOpen(r)} data-testid={`fulfil-${r.id}`}>
                    {t("requests.fulfil")}
                  </Button>
                ))
              ) : (
                <Button size="small" onClick={() => setOpen(r)} data-testid={`open-${r.id}`}>
                  {t("requests.open")}
                </Button>
              ),
          },
        ]}
      />
      {dialog}
    </>
  );
}
