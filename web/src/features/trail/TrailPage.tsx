import { DownloadOutlined, SafetyCertificateOutlined, SearchOutlined, VerifiedOutlined } from "@ant-design/icons";
import { useInfiniteQuery, useMutation } from "@tanstack/react-query";
import {
  Alert,
  App,
  AutoComplete,
  Button,
  Card,
  DatePicker,
  Flex,
  Form,
  Input,
  Select,
  Space,
  Table,
  Tag,
  Tooltip,
  Typography,
} from "antd";
import type { Dayjs } from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { actionLabel, fieldLabel, purposeLabel } from "../../api/catalog.ts";
import { client as http, dataOf, download } from "../../api/http.ts";
import { problemMessage } from "../../api/problems.ts";
import { trailScope } from "@keyhold/core/contract";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import type { TrailEvent } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { ActorCell } from "../../components/ActorCell.tsx";
import { formatTime, formatTimeSeconds } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useIsPhone } from "../../components/responsive.ts";
import { EmptyState, ErrorState, useErrorMessage } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { targetStaffLabel, trailOutcomes, trailQuery, verifySummary, type TrailFilters } from "./trail.ts";

interface FilterForm {
  clientId?: string;
  actorId?: string;
  action?: string;
  outcome?: TrailFilters["outcome"];
  range?: [Dayjs | null, Dayjs | null] | null;
}

const toFilters = (v: FilterForm): TrailFilters => ({
  clientId: v.clientId,
  actorId: v.actorId,
  action: v.action,
  outcome: v.outcome,
  from: v.range?.[0]?.format(),
  to: v.range?.[1]?.format(),
});

export default function TrailPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const session = useSession();
  const caps = useCapabilities();
  const catalog = useCatalog().data;
  const compliance = trailScope(session?.claims.role) === "tenant";
  const [form] = Form.useForm<FilterForm>();
  const [filters, setFilters] = useState<TrailFilters>({});
  const phone = useIsPhone();

  const trail = useInfiniteQuery({
    queryKey: ["trail", filters],
    queryFn: ({ pageParam }) => dataOf(http.GET("/audit", { params: { query: trailQuery(filters, 50, pageParam) } })),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  const verify = useMutation({ mutationFn: () => dataOf(http.GET("/audit/verify")) });
  const seal = useMutation({
    mutationFn: () => dataOf(http.POST("/audit/seal")),
    onSuccess: (r) => {
      if (r.sealed && r.digest) message.success(t("trail.sealed", { seq: r.digest.seq, count: r.digest.eventCount }));
      else message.info(t("trail.nothingToSeal"));
      void trail.refetch();
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const exportCsv = useMutation({
    mutationFn: () => download("/audit/export", trailQuery(filters, 200), "keyhold-trail.csv"),
    onSuccess: (r) =>
      r.truncated
        ? message.warning(t("trail.exportTruncated"))
        : message.success(t("trail.exported", { name: r.name })),
    onError: (e) => message.error(errorMessage(e)),
  });

  const summary = verify.data ? verifySummary(verify.data) : null;
  const items = trail.data?.pages.flatMap((p) => p.items) ?? [];

  return (
    <>
      <PageHeader
        title={t("trail.title")}
        subtitle={compliance ? t("trail.subtitleAll") : t("trail.subtitleOwn")}
        extra={
          <>
            {compliance && caps.has("GET /audit/verify") && (
              <Button
                type="primary"
                icon={<VerifiedOutlined />}
                loading={verify.isPending}
                onClick={() => verify.mutate()}
                data-testid="verify"
              >
                {t("trail.verify")}
              </Button>
            )}
            {compliance && caps.has("POST /audit/seal") && (
              <Button
                icon={<SafetyCertificateOutlined />}
                loading={seal.isPending}
                onClick={() => seal.mutate()}
                data-testid="seal"
              >
                {t("trail.seal")}
              </Button>
            )}
            {caps.has("GET /audit/export") && (
              <Button
                icon={<DownloadOutlined />}
                loading={exportCsv.isPending}
                onClick={() => exportCsv.mutate()}
                data-testid="export"
              >
                {t("trail.export")}
              </Button>
            )}
          </>
        }
      />
      {summary?.status === "ok" && (
        <Alert
          type="success"
          showIcon
          closable
          style={{ marginBottom: 16 }}
          data-testid="verify-result"
          data-verdict="ok"
          message={t("trail.verifyOk")}
          description={t("trail.verifyOkDetail", {
            events: summary.events,
            digests: summary.digests,
            through: summary.through ? formatTimeSeconds(summary.through) : t("trail.never"),
            unsealed: summary.unsealed,
          })}
        />
      )}
      {summary?.status === "broken" && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="verify-result"
          data-verdict="broken"
          message={t("trail.verifyBroken")}
          description={t("trail.verifyBrokenDetail", {
            window: summary.window,
            from: formatTimeSeconds(summary.from),
            to: formatTimeSeconds(summary.to),
            kind: t(`trail.kinds.${summary.kind}`),
            reason: summary.reason,
          })}
        />
      )}
      {verify.isError && (
        <Alert type="error" showIcon style={{ marginBottom: 16 }} message={errorMessage(verify.error)} />
      )}

      <Card size="small" style={{ marginBottom: 16 }}>
        <Form
          form={form}
          layout={phone ? "vertical" : "inline"}
          onFinish={(v) => setFilters(toFilters(v))}
          style={{ rowGap: 8 }}
        >
          <Form.Item name="clientId" label={t("trail.clientId")}>
            <Input allowClear style={{ width: 200 }} autoComplete="off" />
          </Form.Item>
          {compliance && (
            <Form.Item name="actorId" label={t("trail.actorId")}>
              <Input allowClear style={{ width: 150 }} autoComplete="off" />
            </Form.Item>
          )}
          <Form.Item name="action" label={t("trail.action")}>
            <AutoComplete
              allowClear
              style={{ width: 180 }}
              options={(catalog?.trailActions ?? []).map((a) => ({
                value: a.name,
                label: `${actionLabel(catalog, a.name, lang)} · ${a.name}`,
              }))}
            />
          </Form.Item>
          <Form.Item name="outcome" label={t("trail.outcome")}>
            <Select
              allowClear
              style={{ width: 110 }}
              options={trailOutcomes.map((o) => ({ value: o, label: t(`trail.${o}`) }))}
            />
          </Form.Item>
          <Form.Item name="range" label={t("trail.range")}>
            <DatePicker.RangePicker
              showTime={{ format: "HH:mm" }}
              format="YYYY-MM-DD HH:mm"
              style={phone ? { width: "100%" } : undefined}
            />
          </Form.Item>
          <Space>
            <Button type="primary" htmlType="submit" icon={<SearchOutlined />}>
              {t("trail.search")}
            </Button>
            <Button
              onClick={() => {
                form.resetFields();
                setFilters({});
              }}
            >
              {t("trail.reset")}
            </Button>
          </Space>
        </Form>
      </Card>

      <Card styles={{ body: { padding: 0 } }}>
        {trail.isError ? (
          <ErrorState error={trail.error} onRetry={() => void trail.refetch()} />
        ) : !trail.isPending && items.length === 0 ? (
          <EmptyState description={t("trail.empty")} />
        ) : (
          <>
            <Table<TrailEvent>
              rowKey="id"
              size="small"
              loading={trail.isPending || (trail.isFetching && !trail.isFetchingNextPage)}
              dataSource={items}
              pagination={false}
              // On a phone the columns scroll inside the card; the page itself never scrolls sideways.
              scroll={phone ? { x: "max-content" } : undefined}
              data-testid="trail-table"
              columns={[
                {
                  title: t("trail.at"),
                  dataIndex: "at",
                  width: 168,
                  render: (v: string) => <span style={{ whiteSpace: "nowrap" }}>{formatTimeSeconds(v)}</span>,
                },
                {
                  title: t("trail.actor"),
                  key: "actor",
                  width: 190,
                  render: (_, e) => (
                    <ActorCell actor={e.actor} source={e.source} name={e.actorName} username={e.actorUsername} />
                  ),
                },
                {
                  title: t("trail.action"),
                  key: "action",
                  width: 130,
                  render: (_, e) => (
                    <Tooltip title={e.action}>
                      <Tag
                        color={
                          e.action === "client.reveal" ? "volcano" : e.action.startsWith("alert.") ? "red" : "default"
                        }
                      >
                        {actionLabel(catalog, e.action, lang)}
                      </Tag>
                    </Tooltip>
                  ),
                },
                {
                  title: t("trail.target"),
                  key: "target",
                  render: (_, e) =>
                    e.target.clientId ? (
                      <Link className="kh-mono" to={`/console/clients/${e.target.clientId}`}>
                        {e.target.clientId}
                      </Link>
                    ) : e.target.clientIds?.length ? (
                      t("trail.clients", { n: e.target.clientIds.length })
                    ) : e.target.staffId ? (
                      <span title={e.target.staffId} data-testid="target-staff">
                        {targetStaffLabel(e)}
                      </span>
                    ) : (
                      "—"
                    ),
                },
                {
                  title: t("trail.fields"),
                  key: "fields",
                  render: (_, e) => e.target.fields.map((f) => fieldLabel(catalog, f, lang)).join("、") || "—",
                },
                {
                  title: t("trail.purpose"),
                  key: "purpose",
                  width: 110,
                  render: (_, e) => (
                    <span style={{ whiteSpace: "nowrap" }}>{purposeLabel(catalog, e.purpose, lang)}</span>
                  ),
                },
                {
                  title: t("trail.outcome"),
                  key: "outcome",
                  render: (_, e) => (
                    <Space size={4} wrap>
                      <Tag color={e.outcome === "allowed" ? "green" : "red"}>{t(`common.outcomes.${e.outcome}`)}</Tag>
                      {e.code && (
                        <Tooltip title={e.code}>
                          <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                            {problemMessage({ code: e.code, detail: e.code }, lang)}
                          </Typography.Text>
                        </Tooltip>
                      )}
                      {e.breakGlass && (
                        <Tooltip
                          title={t("sealed.justification", {
                            ref: e.breakGlass.justificationRef ?? e.breakGlass.justification,
                          })}
                        >
                          <Tag color="magenta">{t("detail.breakGlass")}</Tag>
                        </Tooltip>
                      )}
                    </Space>
                  ),
                },
              ]}
            />
            <Flex justify="space-between" align="center" style={{ padding: 12 }}>
              <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                {items.length > 0 && `${formatTime(items[items.length - 1]!.at)} – ${formatTime(items[0]!.at)}`}
              </Typography.Text>
              {trail.hasNextPage && (
                <Button onClick={() => void trail.fetchNextPage()} loading={trail.isFetchingNextPage}>
                  {t("app.loadMore")}
                </Button>
              )}
            </Flex>
          </>
        )}
      </Card>
    </>
  );
}
