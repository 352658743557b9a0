import { ArrowLeftOutlined, CheckCircleFilled } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Col,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Input,
  List,
  Result,
  Row,
  Select,
  Statistic,
  Steps,
  Table,
  Tag,
  Typography,
} from "antd";
import { checklistItems } from "@keyhold/core/contract";
import dayjs from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { fieldLabel, purposeLabel } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useCatalog } from "../../api/queries.ts";
import type { OffboardingState, StaffView } from "../../api/model.ts";

type ChecklistItem = OffboardingState["openItems"][number];
import { Chart, type ChartOption } from "../../components/Chart.tsx";
import { formatTime, formatTimeSeconds, staffLabel } from "../../components/format.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { PageHeader } from "../../components/PageHeader.tsx";
import { ErrorState, Loading } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { handoverCandidates, isProposal } from "./staff.ts";

/** 离职: hand every client over (and revoke at once), close the exit checklist, review the last 30 days. */
export default function OffboardingPage() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const staff = useQuery({
    queryKey: ["staff", id],
    queryFn: () => dataOf(http.GET("/staff/{id}", { params: { path: { id } } })),
  });
  const started = staff.data && staff.data.status !== "active";
  const state = useQuery({
    queryKey: ["offboarding", id],
    queryFn: () => dataOf(http.GET("/staff/{id}/offboarding", { params: { path: { id } } })),
    enabled: Boolean(started),
  });
  return (
    <>
      <Link to="/console/staff">
        <Button type="link" icon={<ArrowLeftOutlined />} style={{ paddingInline: 0, marginBottom: 8 }}>
          {t("app.back")}
        </Button>
      </Link>
      {staff.isPending || (started && state.isPending) ? (
        <Loading rows={6} />
      ) : staff.isError ? (
        <ErrorState error={staff.error} onRetry={() => void staff.refetch()} />
      ) : state.isError ? (
        <ErrorState error={state.error} onRetry={() => void state.refetch()} />
      ) : (
        <Wizard staff={staff.data} state={state.data} />
      )}
    </>
  );
}

function Wizard({ staff, state }: { staff: StaffView; state: OffboardingState | undefined }) {
  const { t } = useTranslation();
  const step = !state ? 0 : state.status === "departed" ? 2 : 1;
  const [view, setView] = useState<number | null>(null);
  const current = view ?? step;
  return (
    <>
      <PageHeader
        title={t("staff.offboarding.title", { name: staff.displayName })}
        subtitle={`${staff.username} · ${t(`roles.${staff.role}`)}`}
      />
      <Card>
        <Steps
          current={current}
          onChange={(s) => state && setView(s)}
          style={{ marginBottom: 24 }}
          items={(["handover", "checklist", "review"] as const).map((k, i) => ({
            title: t(`staff.offboarding.steps.${k}`),
            disabled: !state && i > 0,
          }))}
        />
        {current === 0 && (!state ? <HandoverForm staff={staff} /> : <HandoverDone state={state} />)}
        {current === 1 && state && <Checklist staff={staff} state={state} onDone={() => setView(2)} />}
        {current === 2 && state && <Review state={state} />}
      </Card>
    </>
  );
}

function useStaffList() {
  return useQuery({ queryKey: ["staff"], queryFn: () => dataOf(http.GET("/staff")) });
}

function HandoverForm({ staff }: { staff: StaffView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const list = useStaffList();
  const candidates = useMemo(() => handoverCandidates(staff, list.data?.items ?? []), [staff, list.data]);
  // Starting revokes every sign-in at once and hands the clients over: asked once more, by username.
  const [pending, setPending] = useState<{ handoverTo: string; lastDay: dayjs.Dayjs; reason: string } | null>(null);
  const start = useMutation({
    mutationFn: (v: { handoverTo: string; lastDay: dayjs.Dayjs; reason: string }) =>
      dataOf(
        http.POST("/staff/{id}/offboarding", {
          params: { path: { id: staff.id } },
          body: { handoverTo: v.handoverTo, lastDay: v.lastDay.format("YYYY-MM-DD"), reason: v.reason },
        }),
      ),
    onSuccess: (s) => {
      if (isProposal(s)) {
        // Revoked at once; the clients move when a second person confirms the hand-over.
        message.info(t("staff.offboarding.handoverProposed"));
        void queryClient.invalidateQueries({ queryKey: ["staff-changes"] });
      } else {
        message.success(t("staff.offboarding.started"));
        queryClient.setQueryData(["offboarding", staff.id], s);
      }
      void queryClient.invalidateQueries({ queryKey: ["staff"] });
    },
    onSettled: () => setPending(null),
  });
  const error = start.error;
  const to = candidates.find((c) => c.id === pending?.handoverTo);
  return (
    <Form
      layout="vertical"
      style={{ maxWidth: 560 }}
      initialValues={{ lastDay: dayjs() }}
      onFinish={(v) => setPending(v)}
    >
      <ConfirmDialog
        open={pending !== null}
        title={t("confirm.offboardTitle", { name: staff.displayName })}
        consequence={t("confirm.offboardConsequence", {
          name: staff.displayName,
          username: staff.username,
          to: to ? `${to.displayName}（${to.username}）` : (pending?.handoverTo ?? ""),
        })}
        typed={staff.username}
        okText={t("confirm.offboardOk")}
        loading={start.isPending}
        onConfirm={() => pending && start.mutate(pending)}
        onCancel={() => setPending(null)}
      />
      <Form.Item
        name="handoverTo"
        label={t("staff.offboarding.handoverTo")}
        extra={t("staff.offboarding.handoverHint")}
        rules={[{ required: true, message: t("register.required") }]}
      >
        <Select
          loading={list.isPending}
          options={candidates.map((c) => ({ value: c.id, label: `${c.displayName}（${c.username}）` }))}
          data-testid="handover-to"
        />
      </Form.Item>
      <Form.Item
        name="lastDay"
        label={t("staff.offboarding.lastDay")}
        rules={[{ required: true, message: t("register.required") }]}
      >
        <DatePicker />
      </Form.Item>
      <Form.Item
        name="reason"
        label={t("staff.offboarding.reason")}
        rules={[{ required: true, whitespace: true, message: t("register.required") }]}
      >
        <Input.TextArea rows={2} maxLength={500} data-testid="offboarding-reason" />
      </Form.Item>
      {isApiError(error) && (
        <Alert
          style={{ marginBottom: 16 }}
          type="error"
          showIcon
          message={problemMessage(error.problem, lang)}
          description={Object.values(fieldErrors(error.problem, lang)).join("；") || undefined}
        />
      )}
      <Button type="primary" danger htmlType="submit" loading={start.isPending} data-testid="start-offboarding">
        {t("staff.offboarding.start")}
      </Button>
    </Form>
  );
}

function HandoverDone({ state }: { state: OffboardingState }) {
  const { t } = useTranslation();
  const handoverTo = staffLabel(state.handoverToName, state.handoverToUsername, state.handoverTo);
  return (
    <Descriptions bordered size="small" column={1}>
      <Descriptions.Item label={t("staff.offboarding.handoverTo")}>
        {state.handoverPending ? (
          <Typography.Text type="warning" data-testid="handover-pending">
            {t("staff.offboarding.handoverPending", { to: handoverTo })}
          </Typography.Text>
        ) : (
          t("staff.offboarding.handedOver", { n: state.reassignedClients, to: handoverTo })
        )}
      </Descriptions.Item>
      <Descriptions.Item label={t("staff.offboarding.lastDay")}>{state.lastDay}</Descriptions.Item>
      <Descriptions.Item label={t("staff.offboarding.reason")}>{state.reason}</Descriptions.Item>
    </Descriptions>
  );
}

function Checklist({ staff, state, onDone }: { staff: StaffView; state: OffboardingState; onDone: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const queryClient = useQueryClient();
  const [evidence, setEvidence] = useState<Record<string, string>>({});
  const handoverTo = staffLabel(state.handoverToName, state.handoverToUsername, state.handoverTo);
  const close = useMutation({
    mutationFn: (item: ChecklistItem) =>
      dataOf(
        http.POST("/staff/{id}/offboarding/checklist/{item}", {
          params: { path: { id: staff.id, item } },
          body: { evidenceRef: evidence[item]?.trim() ?? "" },
        }),
      ),
    onSuccess: (s) => {
      queryClient.setQueryData(["offboarding", staff.id], s);
      void queryClient.invalidateQueries({ queryKey: ["staff"] });
      if (s.status === "departed") {
        void queryClient.invalidateQueries({ queryKey: ["staff", staff.id] });
        onDone();
      }
    },
  });
  return (
    <>
      {state.handoverPending ? (
        <Alert
          type="warning"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("staff.offboarding.handoverPending", { to: handoverTo })}
        />
      ) : (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("staff.offboarding.handedOver", { n: state.reassignedClients, to: handoverTo })}
        />
      )}
      <List
        bordered
        dataSource={[...checklistItems]}
        data-testid="checklist"
        renderItem={(item) => {
          const closed = state.checklist[item];
          return (
            <List.Item data-item={item}>
              <Flex justify="space-between" align="center" style={{ width: "100%" }} gap={12} wrap>
                <span>
                  {closed ? <CheckCircleFilled style={{ color: "#16a34a", marginRight: 8 }} /> : null}
                  {t(`staff.offboarding.items.${item}`)}
                </span>
                {closed ? (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t("staff.offboarding.closedBy", {
                      by: staffLabel(closed.closedByName, closed.closedByUsername, closed.closedBy),
                      at: formatTime(closed.closedAt),
                    })}{" "}
                    · <span className="kh-mono">{closed.evidenceRef}</span>
                  </Typography.Text>
                ) : (
                  <Flex gap={8}>
                    <Input
                      size="small"
                      placeholder={t("staff.offboarding.evidence")}
                      value={evidence[item] ?? ""}
                      onChange={(e) => setEvidence((x) => ({ ...x, [item]: e.target.value }))}
                      style={{ width: 240 }}
                      data-testid={`evidence-${item}`}
                    />
                    <Button
                      size="small"
                      type="primary"
                      disabled={!evidence[item]?.trim()}
                      loading={close.isPending && close.variables === item}
                      onClick={() => close.mutate(item)}
                      data-testid={`close-${item}`}
                    >
                      {t("staff.offboarding.close")}
                    </Button>
                  </Flex>
                )}
              </Flex>
            </List.Item>
          );
        }}
      />
      {isApiError(close.error) && (
        <Alert style={{ marginTop: 12 }} type="error" showIcon message={problemMessage(close.error.problem, lang)} />
      )}
      {state.status === "departed" && <Result status="success" title={t("staff.offboarding.departed")} />}
    </>
  );
}

function Review({ state }: { state: OffboardingState }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const r = state.accessReview;
  const days = useMemo(() => {
    const out: string[] = [];
    for (let d = dayjs(r.from); !d.isAfter(dayjs(r.to), "day"); d = d.add(1, "day")) out.push(d.format("YYYY-MM-DD"));
    return out;
  }, [r.from, r.to]);
  const option = useMemo<ChartOption>(
    () => ({
      tooltip: { trigger: "axis" },
      grid: { left: 32, right: 12, top: 16, bottom: 40 },
      xAxis: { type: "category", data: days.map((d) => d.slice(5)) },
      yAxis: { type: "value", minInterval: 1 },
      series: [
        {
          name: t("staff.offboarding.perDay"),
          type: "bar",
          data: days.map((d) => r.revealsPerDay[d] ?? 0),
          itemStyle: { color: "#ea580c" },
        },
      ],
    }),
    [days, r.revealsPerDay, t],
  );
  return (
    <>
      {state.status === "departed" && (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("staff.offboarding.departed")}
          data-testid="departed"
        />
      )}
      <Typography.Paragraph type="secondary">
        {t("staff.offboarding.reviewHint")} ({formatTime(r.from)} – {formatTime(r.to)})
      </Typography.Paragraph>
      <Row gutter={16} style={{ marginBottom: 16 }}>
        <Col xs={12} md={6}>
          <Statistic title={t("staff.offboarding.tier1Reveals")} value={r.tier1Reveals.length} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic
            title={t("staff.offboarding.daysAbove")}
            value={r.daysAboveGuard.length}
            valueStyle={{ color: r.daysAboveGuard.length ? "#dc2626" : undefined }}
          />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t("staff.offboarding.alerts")} value={r.volumeAlerts.length} />
        </Col>
        <Col xs={12} md={6}>
          <Statistic title={t("staff.offboarding.refusals")} value={r.refusals} />
        </Col>
      </Row>
      <Card size="small" title={t("staff.offboarding.perDay")} style={{ marginBottom: 16 }}>
        <Chart option={option} height={220} label={t("staff.offboarding.perDay")} />
      </Card>
      <Table
        size="small"
        rowKey={(x, i) => `${x.at}-${i}`}
        dataSource={r.tier1Reveals}
        pagination={false}
        locale={{ emptyText: t("staff.offboarding.noReveals") }}
        columns={[
          { title: t("detail.at"), dataIndex: "at", render: (v: string) => formatTimeSeconds(v) },
          {
            title: t("trail.target"),
            dataIndex: "clientId",
            render: (v: string | null) => <span className="kh-mono">{v ?? "—"}</span>,
          },
          {
            title: t("trail.fields"),
            dataIndex: "fields",
            render: (v: string[]) => v.map((f) => fieldLabel(catalog, f, lang)).join("、"),
          },
          {
            title: t("trail.purpose"),
            dataIndex: "purpose",
            render: (v: string | null) => purposeLabel(catalog, v, lang),
          },
          {
            title: "",
            dataIndex: "breakGlass",
            render: (v: boolean) => (v ? <Tag color="red">{t("detail.breakGlass")}</Tag> : null),
          },
        ]}
      />
    </>
  );
}
