import { CheckOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Flex,
  Form,
  Input,
  Modal,
  Segmented,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import type { AlertView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, formatTimeSeconds, staffLabel } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, ErrorState } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import {
  alertKinds,
  alertStatuses,
  alertsQuery,
  detailPairs,
  holdsAccount,
  reviewBlock,
  severityColor,
  type AlertFilters,
} from "./alerts.ts";

/**
 * 告警: one inbox for every kind — break-glass, role changes, departed staff knocking, reveal volume.
 * No personal data is in an alert; closing one takes a note, by someone it does not concern.
 */
export default function AlertsPage() {
  const { t } = useTranslation();
  const session = useSession();
  const [filters, setFilters] = useState<AlertFilters>({ status: "open" });
  const [reviewing, setReviewing] = useState<AlertView | null>(null);
  const me = { staffId: session?.claims.staffId ?? "", role: session?.claims.role };
  const alerts = useInfiniteQuery({
    queryKey: ["alerts", filters],
    queryFn: ({ pageParam }) => dataOf(http.GET("/alerts", { params: { query: alertsQuery(filters, 50, pageParam) } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const items = alerts.data?.pages.flatMap((p) => p.items) ?? [];
  const kindLabel = (k: string) => t(`alerts.kinds.${k}`, { defaultValue: k });

  return (
    <>
      <PageHeader title={t("alerts.title")} subtitle={t("alerts.subtitle")} />
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={16} align="center" wrap style={{ padding: 12, borderBottom: "1px solid #f0f0f0" }}>
          <Segmented
            value={filters.status}
            onChange={(v) => setFilters((f) => ({ ...f, status: v as AlertFilters["status"] }))}
            options={alertStatuses.map((s) => ({ value: s, label: t(`alerts.statuses.${s}`) }))}
            data-testid="alert-status"
          />
          <Select
            allowClear
            placeholder={t("alerts.allKinds")}
            style={{ width: 200 }}
            value={filters.kind}
            onChange={(kind) => setFilters((f) => ({ ...f, kind }))}
            options={alertKinds.map((k) => ({ value: k, label: kindLabel(k) }))}
            data-testid="alert-kind"
          />
        </Flex>
        {alerts.isError ? (
          <ErrorState error={alerts.error} onRetry={() => void alerts.refetch()} />
        ) : !alerts.isPending && items.length === 0 ? (
          <EmptyState description={filters.status === "open" ? t("alerts.emptyOpen") : t("alerts.empty")} />
        ) : (
          <>
            <Table<AlertView>
              rowKey="id"
              size="small"
              loading={alerts.isPending}
              dataSource={items}
              pagination={false}
              data-testid="alerts-table"
              columns={[
                {
                  title: t("alerts.at"),
                  dataIndex: "at",
                  width: 168,
                  render: (v: string) => <span style={{ whiteSpace: "nowrap" }}>{formatTimeSeconds(v)}</span>,
                },
                {
                  title: t("alerts.kind"),
                  key: "kind",
                  width: 170,
                  render: (_, a) => (
                    <Space size={4}>
                      <Tag color={severityColor[a.severity]}>{t(`alerts.severities.${a.severity}`)}</Tag>
                      <span>{kindLabel(a.kind)}</span>
                    </Space>
                  ),
                },
                {
                  title: t("alerts.staff"),
                  key: "staff",
                  width: 150,
                  render: (_, a) => (a.staffId ? staffLabel(a.staffName, a.staffUsername, a.staffId) : "—"),
                },
                {
                  title: t("alerts.summary"),
                  key: "summary",
                  render: (_, a) => (
                    <>
                      <div>{a.summary}</div>
                      {holdsAccount(a) && a.status === "open" && (
                        <Typography.Text
                          type="danger"
                          style={{ fontSize: 12, display: "block" }}
                          data-testid="alert-held"
                        >
                          {t("alerts.held")}
                        </Typography.Text>
                      )}
                      {detailPairs(a.detail).length > 0 && (
                        <Typography.Text type="secondary" style={{ fontSize: 12 }} className="kh-mono">
                          {detailPairs(a.detail)
                            .map(([k, v]) => `${k}: ${v}`)
                            .join(" · ")}
                        </Typography.Text>
                      )}
                    </>
                  ),
                },
                {
                  title: t("alerts.status"),
                  key: "status",
                  width: 200,
                  render: (_, a) => {
                    if (a.review) {
                      return (
                        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                          {t("alerts.reviewedBy", {
                            by: staffLabel(a.reviewedByName, a.reviewedByUsername, a.review.by),
                            at: formatTime(a.review.at),
                          })}
                        </Typography.Text>
                      );
                    }
                    const block = reviewBlock(a, me);
                    const button = (
                      <Button
                        size="small"
                        icon={<CheckOutlined />}
                        disabled={block !== null}
                        onClick={() => setReviewing(a)}
                        data-testid={`review-${a.id}`}
                      >
                        {t("alerts.review")}
                      </Button>
                    );
                    return block ? <Tooltip title={t(`alerts.blocked.${block}`)}>{button}</Tooltip> : button;
                  },
                },
              ]}
            />
            {alerts.hasNextPage && (
              <Flex justify="center" style={{ padding: 12 }}>
                <Button onClick={() => void alerts.fetchNextPage()} loading={alerts.isFetchingNextPage}>
                  {t("app.loadMore")}
                </Button>
              </Flex>
            )}
          </>
        )}
      </Card>
      <ReviewDialog alert={reviewing} onClose={() => setReviewing(null)} />
    </>
  );
}

function ReviewDialog({ alert, onClose }: { alert: AlertView | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ note: string }>();
  const review = useMutation({
    mutationFn: (note: string) =>
      dataOf(http.POST("/alerts/{id}/review", { params: { path: { id: alert!.id } }, body: { note: note.trim() } })),
    onSuccess: () => {
      message.success(t("alerts.reviewed"));
      void queryClient.invalidateQueries({ queryKey: ["alerts"] });
      onClose();
    },
  });
  return (
    <Modal
      open={alert !== null}
      title={
        alert ? t("alerts.reviewTitle", { kind: t(`alerts.kinds.${alert.kind}`, { defaultValue: alert.kind }) }) : ""
      }
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => review.mutate(v.note))}
      okText={t("alerts.review")}
      confirmLoading={review.isPending}
      destroyOnHidden
      afterOpenChange={(open) => {
        if (open) {
          form.resetFields();
          review.reset();
        }
      }}
    >
      {alert && (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 12 }}>
          {alert.summary}
        </Typography.Paragraph>
      )}
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="note"
          label={t("alerts.note")}
          extra={t("alerts.noteHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="review-note" />
        </Form.Item>
      </Form>
      {isApiError(review.error) && <Alert type="error" showIcon message={problemMessage(review.error.problem, lang)} />}
    </Modal>
  );
}
