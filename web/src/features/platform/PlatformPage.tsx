import {
  DeleteOutlined,
  FireOutlined,
  MinusCircleOutlined,
  PauseCircleOutlined,
  PlayCircleOutlined,
  PlusOutlined,
  SafetyOutlined,
  SwapOutlined,
} from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  DatePicker,
  Drawer,
  Flex,
  Form,
  Input,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { api } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useCapabilities } from "../../api/queries.ts";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, ErrorState, useErrorMessage } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { formatBytes } from "../clients/documents.ts";

import type { TenantSummary } from "../../api/model.ts";
import { OffboardDialog, PlanDialog, ShredDialog } from "./TenantDialogs.tsx";
import { StaffChangesTable } from "../staff/StaffChangesTable.tsx";
import { plans, shredDue } from "./platform.ts";

const statusColor: Record<string, string> = {
  active: "green",
  suspended: "orange",
  offboarding: "red",
  offboarded: "default",
};

/** The platform operator's screen: brands, onboarding, suspension. No tenant data is ever shown. */
export default function PlatformPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const { modal, message } = App.useApp();
  const errorMessage = useErrorMessage();
  const caps = useCapabilities();
  const queryClient = useQueryClient();
  const tenants = useQuery({
    queryKey: ["platform-tenants"],
    queryFn: () => api<{ items: TenantSummary[] }>("GET", "/platform/tenants"),
  });
  const [onboarding, setOnboarding] = useState(false);
  const [dialog, setDialog] = useState<{
    kind: "plan" | "offboard" | "shred" | "changes";
    tenant: TenantSummary;
  } | null>(null);
  const toggle = useMutation({
    mutationFn: ({ tenant, action }: { tenant: TenantSummary; action: "suspend" | "resume" }) =>
      api<TenantSummary>("POST", `/platform/tenants/${encodeURIComponent(tenant.tenantId)}/${action}`),
    onSuccess: (_r, { tenant, action }) => {
      message.success(t(action === "suspend" ? "platform.suspended" : "platform.resumed", { name: tenant.name }));
      void queryClient.invalidateQueries({ queryKey: ["platform-tenants"] });
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const confirm = (tenant: TenantSummary, action: "suspend" | "resume") =>
    modal.confirm({
      title: t(action === "suspend" ? "platform.suspendConfirm" : "platform.resumeConfirm", { name: tenant.name }),
      okButtonProps: { danger: action === "suspend" },
      onOk: () => toggle.mutateAsync({ tenant, action }),
    });

  return (
    <>
      <PageHeader
        title={t("platform.title")}
        subtitle={t("platform.subtitle")}
        extra={
          caps.has("POST /platform/tenants") && (
            <Button type="primary" icon={<PlusOutlined />} onClick={() => setOnboarding(true)} data-testid="onboard">
              {t("platform.onboard")}
            </Button>
          )
        }
      />
      <Card styles={{ body: { padding: 0 } }}>
        {tenants.isError ? (
          <ErrorState error={tenants.error} onRetry={() => void tenants.refetch()} />
        ) : !tenants.isPending && tenants.data.items.length === 0 ? (
          <EmptyState description={t("platform.empty")} />
        ) : (
          <Table<TenantSummary>
            rowKey="tenantId"
            loading={tenants.isPending}
            dataSource={tenants.data?.items ?? []}
            pagination={false}
            data-testid="tenants"
            columns={[
              {
                title: t("platform.tenant"),
                key: "name",
                render: (_, r) => (
                  <Space direction="vertical" size={0}>
                    <Typography.Text strong>{r.name}</Typography.Text>
                    <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                      {r.tenantId}
                    </Typography.Text>
                  </Space>
                ),
              },
              {
                title: t("platform.status"),
                key: "status",
                render: (_, r) => (
                  <Tag color={statusColor[r.status] ?? "default"}>
                    {t(`platform.statuses.${r.status}`, { defaultValue: r.status })}
                  </Tag>
                ),
              },
              { title: t("platform.plan"), key: "plan", render: (_, r) => r.limits?.label?.[lang] ?? r.plan },
              {
                title: t("platform.limits"),
                key: "limits",
                render: (_, r) =>
                  r.limits?.seats !== undefined
                    ? t("platform.seats", {
                        seats: r.limits.seats,
                        storage: formatBytes((r.limits.storageMb ?? 0) * 1024 * 1024),
                      })
                    : "—",
              },
              { title: t("platform.createdAt"), dataIndex: "createdAt", render: (v: string) => formatTime(v) },
              {
                title: t("platform.offboarding"),
                key: "offboarding",
                render: (_, r) =>
                  r.offboarding ? (
                    <Space
                      direction="vertical"
                      size={0}
                      style={{ fontSize: 12 }}
                      data-testid={`offboarding-${r.tenantId}`}
                    >
                      <span>{t("platform.exportUntil", { at: formatTime(r.offboarding.exportUntil) })}</span>
                      <span>
                        {r.offboarding.keyDeletionDate
                          ? t("platform.keyDeletionOn", { at: formatTime(r.offboarding.keyDeletionDate) })
                          : t("platform.keyDeletionAfter", { n: r.offboarding.keyDeletionDays })}
                      </span>
                      {r.offboarding.certificateId && (
                        <Typography.Text type="secondary" className="kh-mono">
                          {r.offboarding.certificateId}
                        </Typography.Text>
                      )}
                    </Space>
                  ) : (
                    "—"
                  ),
              },
              {
                title: "",
                key: "actions",
                render: (_, r) => (
                  <Space size={4} wrap>
                    {r.status === "active" && caps.has("POST /platform/tenants/{id}/suspend") && (
                      <Button
                        size="small"
                        danger
                        icon={<PauseCircleOutlined />}
                        onClick={() => confirm(r, "suspend")}
                        data-testid={`suspend-${r.tenantId}`}
                      >
                        {t("platform.suspend")}
                      </Button>
                    )}
                    {r.status === "suspended" && caps.has("POST /platform/tenants/{id}/resume") && (
                      <Button
                        size="small"
                        icon={<PlayCircleOutlined />}
                        onClick={() => confirm(r, "resume")}
                        data-testid={`resume-${r.tenantId}`}
                      >
                        {t("platform.resume")}
                      </Button>
                    )}
                    {r.status === "active" && caps.has("GET /platform/tenants/{id}/staff-changes") && (
                      <Button
                        size="small"
                        icon={<SafetyOutlined />}
                        onClick={() => setDialog({ kind: "changes", tenant: r })}
                        data-testid={`changes-${r.tenantId}`}
                      >
                        {t("platform.staffChanges")}
                      </Button>
                    )}
                    {(r.status === "active" || r.status === "suspended") &&
                      caps.has("PUT /platform/tenants/{id}/plan") && (
                        <Button
                          size="small"
                          icon={<SwapOutlined />}
                          onClick={() => setDialog({ kind: "plan", tenant: r })}
                          data-testid={`plan-${r.tenantId}`}
                        >
                          {t("platform.changePlan")}
                        </Button>
                      )}
                    {(r.status === "active" || r.status === "suspended") &&
                      caps.has("POST /platform/tenants/{id}/offboard") && (
                        <Button
                          size="small"
                          danger
                          type="text"
                          icon={<DeleteOutlined />}
                          onClick={() => setDialog({ kind: "offboard", tenant: r })}
                          data-testid={`offboard-${r.tenantId}`}
                        >
                          {t("platform.offboard")}
                        </Button>
                      )}
                    {r.status === "offboarding" && caps.has("POST /platform/tenants/{id}/shred") && (
                      <Button
                        size="small"
                        danger
                        icon={<FireOutlined />}
                        disabled={!shredDue(r)}
                        title={
                          shredDue(r)
                            ? undefined
                            : t("platform.shredNotYet", { at: formatTime(r.offboarding?.exportUntil) })
                        }
                        onClick={() => setDialog({ kind: "shred", tenant: r })}
                        data-testid={`shred-${r.tenantId}`}
                      >
                        {t("platform.shred")}
                      </Button>
                    )}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Card>
      <OnboardDialog open={onboarding} onClose={() => setOnboarding(false)} />
      <PlanDialog tenant={dialog?.kind === "plan" ? dialog.tenant : null} onClose={() => setDialog(null)} />
      <OffboardDialog tenant={dialog?.kind === "offboard" ? dialog.tenant : null} onClose={() => setDialog(null)} />
      <ShredDialog tenant={dialog?.kind === "shred" ? dialog.tenant : null} onClose={() => setDialog(null)} />
      <Drawer
        open={dialog?.kind === "changes"}
        width={960}
        title={dialog?.kind === "changes" ? t("platform.staffChangesTitle", { name: dialog.tenant.name }) : ""}
        onClose={() => setDialog(null)}
        destroyOnHidden
      >
        <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t("platform.staffChangesHint")} />
        {dialog?.kind === "changes" && (
          <StaffChangesTable
            base={`/platform/tenants/${encodeURIComponent(dialog.tenant.tenantId)}/staff-changes`}
            status="pending"
            tenantId={dialog.tenant.tenantId}
          />
        )}
      </Drawer>
    </>
  );
}

function OnboardDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm();
  const onboard = useMutation({
    mutationFn: (body: unknown) => api<TenantSummary>("POST", "/platform/tenants", { body }),
    onSuccess: (r) => {
      message.success(t("platform.onboarded", { name: r.name }));
      void queryClient.invalidateQueries({ queryKey: ["platform-tenants"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      const errors = fieldErrors(e.problem, lang);
      form.setFields(
        Object.entries(errors)
          .filter(([p]) => !p.startsWith("query"))
          .map(([p, m]) => ({ name: p.split(".").map((x) => (/^\d+$/.test(x) ? Number(x) : x)), errors: [m] })),
      );
    },
  });
  const submit = async () => {
    const v = await form.validateFields();
    onboard.mutate({
      tenantId: v.tenantId.trim(),
      name: v.name.trim(),
      plan: v.plan,
      hqAdmin: {
        username: v.hqAdmin.username.trim(),
        displayName: v.hqAdmin.displayName.trim(),
        ...(v.hqAdmin.email ? { email: v.hqAdmin.email.trim() } : {}),
        // Nobody records their own agreement: the operator records the first HQ admin's from the onboarding papers.
        agreement: {
          version: v.agreement.version.trim(),
          signedAt: (v.agreement.signedAt as dayjs.Dayjs).format(),
          evidenceRef: v.agreement.evidenceRef.trim(),
        },
      },
      branches: (v.branches ?? []).map((b: { branchId: string; name: string }) => ({
        branchId: b.branchId.trim(),
        name: b.name.trim(),
      })),
    });
  };
  return (
    <Modal
      open={open}
      title={t("platform.onboard")}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={onboard.isPending}
      width={640}
      destroyOnHidden
      afterOpenChange={(o) => o && onboard.reset()}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{
          plan: "pro",
          branches: [{ branchId: "", name: "" }],
          agreement: { version: "2024-01", signedAt: dayjs() },
        }}
      >
        <Flex gap={12}>
          <Form.Item
            name="tenantId"
            label={t("platform.tenantId")}
            extra={t("platform.tenantIdHint")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="name"
            label={t("platform.name")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="plan" label={t("platform.plan")} style={{ width: 130 }}>
            <Select options={plans.map((p) => ({ value: p, label: t(`platform.plans.${p}`) }))} />
          </Form.Item>
        </Flex>
        <Typography.Text strong>{t("platform.hqAdmin")}</Typography.Text>
        <Flex gap={12} style={{ marginTop: 8 }}>
          <Form.Item
            name={["hqAdmin", "username"]}
            label={t("platform.username")}
            extra={t("platform.usernameHint")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name={["hqAdmin", "displayName"]}
            label={t("platform.displayName")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name={["hqAdmin", "email"]} label={t("platform.email")} style={{ flex: 1 }}>
            <Input autoComplete="off" />
          </Form.Item>
        </Flex>
        <Typography.Text strong>{t("platform.hqAgreement")}</Typography.Text>
        <Flex gap={12} style={{ marginTop: 8 }}>
          <Form.Item
            name={["agreement", "version"]}
            label={t("staff.version")}
            rules={[{ required: true, whitespace: true }]}
            style={{ width: 130 }}
          >
            <Input autoComplete="off" placeholder="2024-01" />
          </Form.Item>
          <Form.Item
            name={["agreement", "signedAt"]}
            label={t("staff.signedAt")}
            rules={[{ required: true }]}
            style={{ flex: 1 }}
          >
            <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item
            name={["agreement", "evidenceRef"]}
            label={t("staff.evidence")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" placeholder="paper:agreement/hq-0001" />
          </Form.Item>
        </Flex>
        <Typography.Text strong>{t("platform.branches")}</Typography.Text>
        <Form.List name="branches">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Flex key={f.key} gap={12} align="baseline" style={{ marginTop: 8 }}>
                  <Form.Item
                    name={[f.name, "branchId"]}
                    rules={[{ required: true, whitespace: true }]}
                    style={{ flex: 1, marginBottom: 8 }}
                  >
                    <Input placeholder={t("platform.branchId")} autoComplete="off" />
                  </Form.Item>
                  <Form.Item
                    name={[f.name, "name"]}
                    rules={[{ required: true, whitespace: true }]}
                    style={{ flex: 1, marginBottom: 8 }}
                  >
                    <Input placeholder={t("platform.branchName")} autoComplete="off" />
                  </Form.Item>
                  {fields.length > 1 && <MinusCircleOutlined onClick={() => remove(f.name)} />}
                </Flex>
              ))}
              <Button
                type="dashed"
                onClick={() => add({ branchId: "", name: "" })}
                icon={<PlusOutlined />}
                style={{ marginTop: 4 }}
              >
                {t("platform.addBranch")}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
      {isApiError(onboard.error) && (
        <Alert style={{ marginTop: 12 }} type="error" showIcon message={problemMessage(onboard.error.problem, lang)} />
      )}
    </Modal>
  );
}
