import { CheckOutlined, CloseOutlined, KeyOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
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
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { fieldLabel, isBreakGlassPurpose, purposeLabel } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { decidesAccessRequests } from "@keyhold/core/contract";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import type { AccessRequestStatus, AccessRequestView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useIsPhone } from "../../components/responsive.ts";
import { EmptyState, ErrorState, Loading } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import {
  accessStatuses,
  decisionFor,
  effectiveStatus,
  formatCountdown,
  secondsToExpiry,
  sortAccessRequests,
  statusColor,
  usable,
} from "./access.ts";
import { GrantUseDialog } from "./GrantUseDialog.tsx";

type Filter = AccessRequestStatus | "all";

/**
 * 访问申请: just-in-time access. Compliance officers see every request and approve or deny the
 * others' (never their own); everyone sees their own, and uses an approved one once before it
 * expires.
 */
export default function AccessRequestsPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const caps = useCapabilities();
  const catalog = useCatalog().data;
  const role = session?.claims.role;
  const me = session?.claims.staffId;
  const officer = decidesAccessRequests(role).allowed;
  const [filter, setFilter] = useState<Filter>(officer ? "pending" : "all");
  const [deciding, setDeciding] = useState<{ request: AccessRequestView; outcome: "approve" | "deny" } | null>(null);
  const [using, setUsing] = useState<AccessRequestView | null>(null);
  const [now, setNow] = useState(() => Date.now());
  const phone = useIsPhone();

  const list = useInfiniteQuery({
    queryKey: ["access-requests", filter],
    queryFn: ({ pageParam }) =>
      dataOf(
        http.GET("/access-requests", {
          params: {
            query: { status: filter === "all" ? undefined : filter, limit: 50, cursor: pageParam ?? undefined },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  // The approval's time limit, for the approver's confirmation (compliance officers read settings).
  const settings = useQuery({
    queryKey: ["settings"],
    queryFn: () => dataOf(http.GET("/settings")),
    enabled: officer && caps.has("GET /settings"),
  });
  const items = sortAccessRequests(list.data?.pages.flatMap((p) => p.items) ?? [], me, now);
  const ticking = items.some((r) => r.status === "approved");

  // Grants count down to their expiry while on screen.
  useEffect(() => {
    if (!ticking) return;
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [ticking]);

  // The officer starts from what waits on them; the others from everything they asked.
  const filters: Filter[] = officer ? [...accessStatuses, "all"] : ["all", ...accessStatuses];

  return (
    <>
      <PageHeader
        title={t("access.title")}
        subtitle={officer ? t("access.subtitleOfficer") : t("access.subtitleOwn")}
      />
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={16} align="center" wrap style={{ padding: 12, borderBottom: "1px solid #f0f0f0" }}>
          {/* Six statuses outgrow a phone: the control scrolls in its own strip, never the page. */}
          <div style={{ maxWidth: "100%", overflowX: "auto" }} data-testid="access-status-strip">
            <Segmented
              value={filter}
              onChange={(v) => setFilter(v as Filter)}
              options={filters.map((f) => ({
                value: f,
                label: f === "all" ? t("access.all") : t(`access.statuses.${f}`),
              }))}
              data-testid="access-status-filter"
            />
          </div>
        </Flex>
        {list.isPending ? (
          <Loading rows={4} />
        ) : list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : items.length === 0 ? (
          <EmptyState description={officer && filter === "pending" ? t("access.emptyPending") : t("access.empty")} />
        ) : (
          <Table<AccessRequestView>
            rowKey="id"
            size="middle"
            dataSource={items}
            pagination={false}
            scroll={phone ? { x: "max-content" } : undefined}
            data-testid="access-requests"
            onRow={(r) =>
              ({ "data-request": r.id, "data-status": effectiveStatus(r, now) }) as React.HTMLAttributes<HTMLElement>
            }
            columns={[
              {
                title: t("access.list.createdAt"),
                key: "created",
                width: 150,
                render: (_, r) => (
                  <>
                    <div>{formatTime(r.createdAt)}</div>
                    <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                      {r.id}
                    </Typography.Text>
                  </>
                ),
              },
              {
                title: t("access.list.requester"),
                key: "requester",
                width: 140,
                render: (_, r) => (
                  <Space size={4} wrap>
                    <span>{staffLabel(r.requesterName, r.requesterUsername, r.requesterId)}</span>
                    {r.requesterId === me && <Tag>{t("access.list.me")}</Tag>}
                  </Space>
                ),
              },
              {
                title: t("access.list.client"),
                key: "client",
                width: 150,
                ellipsis: true,
                render: (_, r) => (
                  <Link
                    to={`/console/clients/${encodeURIComponent(r.clientId)}`}
                    className="kh-mono"
                    title={r.clientId}
                  >
                    {r.clientId}
                  </Link>
                ),
              },
              {
                title: t("access.list.fields"),
                key: "fields",
                width: 120,
                render: (_, r) => r.fields.map((f) => fieldLabel(catalog, f, lang)).join("、"),
              },
              {
                title: t("access.list.purpose"),
                key: "purpose",
                width: 120,
                render: (_, r) => (
                  <Space size={4} wrap>
                    {purposeLabel(catalog, r.purpose, lang)}
                    {isBreakGlassPurpose(catalog, r.purpose) && <Tag color="red">{t("access.list.legal")}</Tag>}
                  </Space>
                ),
              },
              {
                title: t("access.list.justification"),
                key: "justification",
                render: (_, r) => (
                  <Typography.Paragraph ellipsis={{ rows: 2, tooltip: r.justification }} style={{ margin: 0 }}>
                    {r.justification}
                  </Typography.Paragraph>
                ),
              },
              {
                title: t("access.list.status"),
                key: "status",
                width: 150,
                render: (_, r) => <StatusCell request={r} now={now} />,
              },
              {
                title: "",
                key: "actions",
                width: 170,
                render: (_, r) => {
                  if (usable(me, r, now) && caps.has("POST /clients/{id}/reveal")) {
                    return (
                      <Button
                        type="primary"
                        size="small"
                        icon={<KeyOutlined />}
                        onClick={() => setUsing(r)}
                        data-testid={`use-${r.id}`}
                      >
                        {t("access.use.action")}
                      </Button>
                    );
                  }
                  if (!officer || r.status !== "pending") return null;
                  const d = decisionFor(role, me, r);
                  const buttons = (
                    <Space size={4}>
                      <Button
                        size="small"
                        type="primary"
                        icon={<CheckOutlined />}
                        disabled={!d.allowed}
                        onClick={() => setDeciding({ request: r, outcome: "approve" })}
                        data-testid={`approve-${r.id}`}
                      >
                        {t("access.decide.approve")}
                      </Button>
                      <Button
                        size="small"
                        danger
                        icon={<CloseOutlined />}
                        disabled={!d.allowed}
                        onClick={() => setDeciding({ request: r, outcome: "deny" })}
                        data-testid={`deny-${r.id}`}
                      >
                        {t("access.decide.deny")}
                      </Button>
                    </Space>
                  );
                  if (d.allowed) return buttons;
                  return (
                    <Tooltip title={t("access.decide.ownExplained")}>
                      <div>
                        {buttons}
                        <div>
                          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`own-${r.id}`}>
                            {t("access.decide.own")}
                          </Typography.Text>
                        </div>
                      </div>
                    </Tooltip>
                  );
                },
              },
            ]}
          />
        )}
        {list.hasNextPage && (
          <Flex justify="center" style={{ padding: 12 }}>
            <Button onClick={() => void list.fetchNextPage()} loading={list.isFetchingNextPage}>
              {t("app.loadMore")}
            </Button>
          </Flex>
        )}
      </Card>
      <DecideDialog deciding={deciding} grantMinutes={settings.data?.grantMinutes} onClose={() => setDeciding(null)} />
      <GrantUseDialog grant={using} onClose={() => setUsing(null)} />
    </>
  );
}

function StatusCell({ request: r, now }: { request: AccessRequestView; now: number }) {
  const { t } = useTranslation();
  const status = effectiveStatus(r, now);
  const decided = r.decidedBy
    ? t("access.list.decided", {
        by: staffLabel(r.decidedByName, r.decidedByUsername, r.decidedBy),
        at: formatTime(r.decidedAt),
      })
    : null;
  return (
    <>
      <Tag color={statusColor[status]}>{t(`access.statuses.${status}`)}</Tag>
      {status === "approved" && (
        <div>
          <Typography.Text type="warning" style={{ fontSize: 12 }} data-testid={`countdown-${r.id}`}>
            {t("access.list.expiresIn", { left: formatCountdown(secondsToExpiry(r.expiresAt, now)) })}
          </Typography.Text>
        </div>
      )}
      {status === "used" && r.usedAt && (
        <div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {t("access.list.usedAt", { at: formatTime(r.usedAt) })}
          </Typography.Text>
        </div>
      )}
      {decided && (
        <div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
            {decided}
          </Typography.Text>
        </div>
      )}
      {r.note && (
        <div>
          <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`note-${r.id}`}>
            {t("access.list.note", { note: r.note })}
          </Typography.Text>
        </div>
      )}
    </>
  );
}

/** Approve or deny with an optional note; the API refuses a decision on one's own request. */
function DecideDialog({
  deciding,
  grantMinutes,
  onClose,
}: {
  deciding: { request: AccessRequestView; outcome: "approve" | "deny" } | null;
  grantMinutes: number | undefined;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ note?: string }>();
  const decide = useMutation({
    mutationFn: ({ id, outcome, note }: { id: string; outcome: "approve" | "deny"; note?: string }) =>
      dataOf(
        http.POST(outcome === "approve" ? "/access-requests/{id}/approve" : "/access-requests/{id}/deny", {
          params: { path: { id } },
          body: note ? { note } : {},
        }),
      ),
    onSuccess: (r) => {
      message.success(
        r.status === "approved"
          ? t("access.decide.approved", { at: formatTime(r.expiresAt) })
          : t("access.decide.denied"),
      );
      onClose();
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["access-requests"] }),
  });
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    form.resetFields();
    decide.reset();
  }, [deciding]);
  if (!deciding) return <Modal open={false} />;
  const { request: r, outcome } = deciding;
  return (
    <Modal
      open
      title={outcome === "approve" ? t("access.decide.approveTitle") : t("access.decide.denyTitle")}
      okText={outcome === "approve" ? t("access.decide.approve") : t("access.decide.deny")}
      okButtonProps={{ danger: outcome === "deny", "data-testid": "decide-submit" } as never}
      cancelText={t("app.cancel")}
      confirmLoading={decide.isPending}
      onOk={() =>
        void form.validateFields().then((v) => decide.mutate({ id: r.id, outcome, note: v.note?.trim() || undefined }))
      }
      onCancel={onClose}
      destroyOnHidden
      data-testid="decide-dialog"
    >
      <Typography.Paragraph>
        {t("access.decide.summary", {
          requester: staffLabel(r.requesterName, r.requesterUsername, r.requesterId),
          client: r.clientId,
          fields: r.fields.map((f) => fieldLabel(catalog, f, lang)).join("、"),
          purpose: purposeLabel(catalog, r.purpose, lang),
        })}
      </Typography.Paragraph>
      <Typography.Paragraph type="secondary" style={{ whiteSpace: "pre-wrap" }}>
        {t("access.list.justification")}：{r.justification}
      </Typography.Paragraph>
      {outcome === "approve" && (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 12 }}
          message={
            grantMinutes ? t("access.decide.approveHint", { n: grantMinutes }) : t("access.decide.approveHintPlain")
          }
        />
      )}
      <Form form={form} layout="vertical">
        <Form.Item
          name="note"
          label={outcome === "approve" ? t("access.decide.noteOptional") : t("access.decide.noteDeny")}
          rules={[{ max: 500 }]}
        >
          <Input.TextArea rows={2} maxLength={500} showCount data-testid="decide-note" />
        </Form.Item>
      </Form>
      {isApiError(decide.error) && (
        <Alert type="error" showIcon data-testid="decide-error" message={problemMessage(decide.error.problem, lang)} />
      )}
    </Modal>
  );
}
