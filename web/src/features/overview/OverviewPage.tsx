import { DownloadOutlined, FilePdfOutlined } from "@ant-design/icons";
import { useMutation, useQuery } from "@tanstack/react-query";
import {
  App,
  Badge,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Drawer,
  Empty,
  Flex,
  List,
  Row,
  Space,
  Statistic,
  Table,
  Tag,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import { client as http, dataOf, download } from "../../api/http.ts";
import { useCapabilities } from "../../api/queries.ts";
import { Chart, type ChartOption } from "../../components/Chart.tsx";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, ErrorState, Loading, useErrorMessage } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import type { DailyCounter } from "@keyhold/core/contract";
import {
  branchKey,
  byStatus,
  dailySeries,
  lastMonth,
  nonEmptyItems,
  overdue,
  ragStatuses,
  statusCounts,
  type ComplianceOverview,
  type ComplianceRow,
  type Rag,
  type ReportFormat,
} from "./compliance.ts";

const ragBadge: Record<Rag, "success" | "warning" | "error"> = { green: "success", amber: "warning", red: "error" };
const trendCounters = [
  "reveals",
  "tier1Reveals",
  "refusals",
  "breakGlass",
  "volumeAlerts",
] as const satisfies readonly DailyCounter[];
const trendColors = ["#1d4ed8", "#dc2626", "#f59e0b", "#9333ea", "#0f766e"];

/**
 * The HQ and compliance view, branch by branch: red/amber/green with the rule that set it, the
 * figures behind it, 30-day charts, a drill-down per branch and the monthly report. No client data.
 */
export default function OverviewPage() {
  const { t } = useTranslation();
  const caps = useCapabilities();
  const overview = useQuery({
    queryKey: ["compliance-overview"],
    queryFn: () => dataOf(http.GET("/compliance/overview")),
  });
  const [drill, setDrill] = useState<ComplianceRow | null>(null);
  const header = (
    <PageHeader
      title={t("overview.title")}
      subtitle={t("overview.subtitle")}
      extra={caps.has("GET /compliance/report") ? <MonthlyReport /> : undefined}
    />
  );
  if (overview.isPending)
    return (
      <>
        {header}
        <Loading rows={8} />
      </>
    );
  if (overview.isError)
    return (
      <>
        {header}
        <ErrorState error={overview.error} onRetry={() => void overview.refetch()} />
      </>
    );
  return (
    <>
      {header}
      <Overview data={overview.data} onDrill={setDrill} />
      <BranchDrawer row={drill} onClose={() => setDrill(null)} />
    </>
  );
}

function Overview({ data, onDrill }: { data: ComplianceOverview; onDrill: (row: ComplianceRow) => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const rows = useMemo(() => byStatus(data.branches), [data.branches]);
  const counts = statusCounts(rows);
  const branchLabel = (r: ComplianceRow) => (r.branchId ? r.name : t("overview.hq"));
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 40, right: 16, top: 36, bottom: 28 },
      xAxis: { type: "category", data: data.branches.map(branchLabel) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: t("overview.tier1Reveals"),
          type: "bar",
          data: data.branches.map((r) => r.tier1Reveals.d30),
          itemStyle: { color: "#dc2626" },
        },
        {
          name: t("overview.refusals"),
          type: "bar",
          data: data.branches.map((r) => r.refusals.d30),
          itemStyle: { color: "#f59e0b" },
        },
        { name: t("overview.overdue"), type: "bar", data: data.branches.map(overdue), itemStyle: { color: "#7c3aed" } },
      ],
    }),
    [data.branches, t],
  );
  if (!rows.length)
    return (
      <Card>
        <EmptyState description={t("overview.noBranches")} />
      </Card>
    );
  const trail = data.trail;
  return (
    <>
      <Row gutter={16} style={{ marginBottom: 16 }}>
        {ragStatuses.map((rag) => (
          <Col xs={8} md={4} key={rag}>
            <Card size="small">
              <Statistic title={<Badge status={ragBadge[rag]} text={t(`overview.rag.${rag}`)} />} value={counts[rag]} />
            </Card>
          </Col>
        ))}
        <Col xs={24} md={12}>
          <Card size="small">
            <Descriptions size="small" column={1}>
              <Descriptions.Item label={t("overview.lastSeal")}>
                {trail?.lastSeal ? `#${trail.lastSeal.seq} · ${formatTime(trail.lastSeal.at)}` : t("overview.never")}
              </Descriptions.Item>
              <Descriptions.Item label={t("overview.lastVerify")}>
                {trail?.lastVerify ? (
                  <Space size={4}>
                    <Tag color={trail.lastVerify.ok ? "green" : "red"}>
                      {trail.lastVerify.ok ? t("overview.verifyOk") : t("overview.verifyBroken")}
                    </Tag>
                    {formatTime(trail.lastVerify.at)}
                  </Space>
                ) : (
                  t("overview.never")
                )}
              </Descriptions.Item>
            </Descriptions>
          </Card>
        </Col>
      </Row>
      <Card
        title={t("overview.branch")}
        extra={
          <Typography.Text type="secondary">
            {t("overview.generatedAt", { at: formatTime(data.generatedAt) })}
          </Typography.Text>
        }
        style={{ marginBottom: 16 }}
        styles={{ body: { padding: 0 } }}
        data-testid="branch-table"
      >
        <Table<ComplianceRow>
          rowKey={branchKey}
          pagination={false}
          dataSource={rows}
          scroll={{ x: 1200 }}
          onRow={(r) =>
            ({
              onClick: () => onDrill(r),
              style: { cursor: "pointer" },
              "data-branch": branchKey(r),
            }) as React.HTMLAttributes<HTMLElement>
          }
          columns={[
            {
              title: t("overview.branch"),
              key: "name",
              fixed: "left",
              width: 150,
              render: (_, r) => (
                <Space direction="vertical" size={0}>
                  <Typography.Text strong>{branchLabel(r)}</Typography.Text>
                  {r.branchId && (
                    <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                      {r.branchId}
                    </Typography.Text>
                  )}
                </Space>
              ),
            },
            {
              title: t("overview.status"),
              key: "status",
              width: 90,
              render: (_, r) => (
                <Badge status={ragBadge[r.status]} text={t(`overview.rag.${r.status}`)} data-rag={r.status} />
              ),
            },
            {
              title: t("overview.reason"),
              key: "rule",
              width: 220,
              render: (_, r) => (r.rule ? pick(r.rule, lang) : "—"),
            },
            { title: t("overview.staff"), dataIndex: "activeStaff", width: 80 },
            {
              title: t("overview.signed"),
              key: "signed",
              width: 110,
              render: (_, r) => (
                <Typography.Text type={r.agreementsSignedPct < 100 ? "danger" : undefined}>
                  {r.agreementsSignedPct}%
                </Typography.Text>
              ),
            },
            { title: t("overview.checksPending"), dataIndex: "backgroundChecksPending", width: 110 },
            {
              title: t("overview.clients"),
              key: "clients",
              width: 210,
              render: (_, r) => (
                <Space size={6}>
                  <span>{r.clients}</span>
                  <span>
                    {([1, 2, 3] as const)
                      .filter((k) => r.clientsByTier[k])
                      .map((k) => (
                        <TierTag key={k} tier={k} count={r.clientsByTier[k]} />
                      ))}
                  </span>
                </Space>
              ),
            },
            {
              title: `${t("overview.tier1Reveals")} (${t("overview.d7d30")})`,
              key: "t1",
              width: 130,
              render: (_, r) => `${r.tier1Reveals.d7} / ${r.tier1Reveals.d30}`,
            },
            {
              title: `${t("overview.refusals")} (${t("overview.d7d30")})`,
              key: "ref",
              width: 130,
              render: (_, r) => `${r.refusals.d7} / ${r.refusals.d30}`,
            },
            { title: t("overview.breakGlass"), key: "bg", width: 90, render: (_, r) => r.breakGlass.d30 },
            {
              title: `${t("overview.calls")} (${t("overview.d7d30")})`,
              key: "calls",
              width: 130,
              render: (_, r) => (r.calls ? `${r.calls.d7} / ${r.calls.d30}` : "—"),
            },
            {
              title: t("overview.overdue"),
              key: "overdue",
              width: 90,
              render: (_, r) => (
                <Typography.Text type={overdue(r) ? "danger" : undefined}>{overdue(r)}</Typography.Text>
              ),
            },
            {
              title: "",
              key: "drill",
              width: 70,
              fixed: "right",
              render: () => (
                <Button type="link" size="small">
                  {t("overview.drill")}
                </Button>
              ),
            },
          ]}
        />
      </Card>
      <Card title={t("overview.chartTitle")}>
        <Chart option={option} label={t("overview.chartTitle")} />
      </Card>
    </>
  );
}

function BranchDrawer({ row, onClose }: { row: ComplianceRow | null; onClose: () => void }) {
  const { t } = useTranslation();
  const itemValue = useItemValue();
  const lang = useLang();
  const key = row ? branchKey(row) : null;
  const detail = useQuery({
    queryKey: ["compliance-branch", key],
    queryFn: () => dataOf(http.GET("/compliance/branches/{id}", { params: { path: { id: key! } } })),
    enabled: key !== null,
  });
  const option = useMemo<ChartOption | null>(() => {
    if (!detail.data) return null;
    const { days, series } = dailySeries(detail.data, trendCounters);
    return {
      tooltip: { trigger: "axis" },
      legend: { top: 0 },
      grid: { left: 32, right: 12, top: 36, bottom: 28 },
      xAxis: { type: "category", data: days.map((d) => d.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: series.map((s, i) => ({
        name: t(`overview.${s.counter}`),
        type: "line",
        smooth: true,
        data: s.values,
        itemStyle: { color: trendColors[i] },
      })),
    };
  }, [detail.data, t]);
  return (
    <Drawer
      open={row !== null}
      onClose={onClose}
      width={760}
      title={row ? (row.branchId ? row.name : t("overview.hq")) : ""}
      destroyOnHidden
      data-testid="branch-drawer"
    >
      {detail.isPending ? (
        <Loading rows={6} />
      ) : detail.isError ? (
        <ErrorState error={detail.error} onRetry={() => void detail.refetch()} />
      ) : (
        <>
          <Flex gap={8} align="center" style={{ marginBottom: 16 }}>
            <Badge status={ragBadge[detail.data.status]} text={t(`overview.rag.${detail.data.status}`)} />
            {detail.data.rule && <Typography.Text>{pick(detail.data.rule, lang)}</Typography.Text>}
          </Flex>
          <Descriptions size="small" bordered column={2} style={{ marginBottom: 16 }}>
            <Descriptions.Item label={t("overview.staff")}>{detail.data.activeStaff}</Descriptions.Item>
            <Descriptions.Item label={t("overview.signed")}>{detail.data.agreementsSignedPct}%</Descriptions.Item>
            <Descriptions.Item label={t("overview.missingEvidence")}>
              {detail.data.clientsMissingConsentEvidence}
            </Descriptions.Item>
            <Descriptions.Item label={t("overview.withdrawn")}>{detail.data.withdrawnNotDestroyed}</Descriptions.Item>
            <Descriptions.Item
              label={t("overview.requests")}
            >{`${detail.data.requests.open} / ${detail.data.requests.overdue}`}</Descriptions.Item>
            <Descriptions.Item label={t("overview.paper")}>{detail.data.paperFilesCheckedOut}</Descriptions.Item>
          </Descriptions>
          <Card size="small" title={t("overview.trendTitle")} style={{ marginBottom: 16 }}>
            {option && <Chart option={option} height={240} label={t("overview.trendTitle")} />}
          </Card>
          <Typography.Title level={5}>{t("overview.items")}</Typography.Title>
          {nonEmptyItems(detail.data.items).length === 0 ? (
            <Empty description={t("overview.noItems")} image={Empty.PRESENTED_IMAGE_SIMPLE} />
          ) : (
            nonEmptyItems(detail.data.items).map(([kind, list]) => (
              <Card
                key={kind}
                size="small"
                title={`${t(`overview.itemKinds.${kind}`, { defaultValue: kind })}（${list.length}）`}
                style={{ marginBottom: 8 }}
              >
                <List
                  size="small"
                  dataSource={list}
                  renderItem={(item) => (
                    <List.Item>
                      <Space size={12} wrap style={{ fontSize: 12 }}>
                        {Object.entries(item).map(([k, v]) => (
                          <span key={k}>
                            <Typography.Text type="secondary">
                              {t(`overview.itemFields.${k}`, { defaultValue: k })}：
                            </Typography.Text>
                            {itemValue(k, v)}
                          </span>
                        ))}
                      </Space>
                    </List.Item>
                  )}
                />
              </Card>
            ))
          )}
        </>
      )}
    </Drawer>
  );
}

/** One value of a warning item: dates as dates, checklist items and request types in words, ids as ids. */
function useItemValue() {
  const { t } = useTranslation();
  return (key: string, v: unknown): string => {
    if (v === null || v === undefined) return "—";
    if (typeof v === "boolean") return v ? t("app.yes") : t("app.no");
    if (Array.isArray(v))
      return v.map((x) => t(`staff.offboarding.items.${x}`, { defaultValue: String(x) })).join("、");
    if (/At$|^since$|^destroyAfter$/.test(key)) return formatTime(String(v));
    if (key === "type") return t(`overview.requestTypes.${v}`, { defaultValue: String(v) });
    return String(v);
  };
}

function MonthlyReport() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const [month, setMonth] = useState<Dayjs>(() => dayjs(`${lastMonth(new Date())}-01`));
  const get = useMutation({
    mutationFn: (format: ReportFormat) =>
      download(
        "/compliance/report",
        { month: month.format("YYYY-MM"), format },
        `keyhold-compliance-${month.format("YYYY-MM")}.${format}`,
      ),
    onSuccess: (r) => message.success(t("overview.reportDone", { name: r.name })),
    onError: (e) => message.error(errorMessage(e)),
  });
  return (
    <Space wrap data-testid="monthly-report">
      <Typography.Text>{t("overview.report")}</Typography.Text>
      <DatePicker
        picker="month"
        value={month}
        onChange={(v) => v && setMonth(v)}
        allowClear={false}
        disabledDate={(d) => d.isAfter(dayjs(), "month")}
      />
      <Button
        icon={<DownloadOutlined />}
        loading={get.isPending && get.variables === "csv"}
        onClick={() => get.mutate("csv")}
        data-testid="report-csv"
      >
        {t("overview.downloadCsv")}
      </Button>
      <Button
        icon={<FilePdfOutlined />}
        loading={get.isPending && get.variables === "pdf"}
        onClick={() => get.mutate("pdf")}
        data-testid="report-pdf"
      >
        {t("overview.downloadPdf")}
      </Button>
    </Space>
  );
}
