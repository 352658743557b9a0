import {
  DeleteOutlined,
  FireOutlined,
  PauseCircleOutlined,
  PlayCircleOutlined,
  PlusOutlined,
  SafetyOutlined,
  SwapOutlined,
} from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Drawer, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { useCapabilities } from "../../api/queries.ts";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, ErrorState, useErrorMessage } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { formatBytes } from "../clients/documents.ts";

import type { TenantSummary } from "../../api/model.ts";
import { OffboardDialog, PlanDialog, ShredDialog } from "./TenantDialogs.tsx";
import { OnboardDialog } from "./OnboardDialog.tsx";
import { StaffChangesTable } from "../staff/StaffChangesTable.tsx";
import { shredDue } from "./platform.ts";

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
    queryFn: () => dataOf(http.GET("/platform/tenants")),
  });
  const [onboarding, setOnboarding] = useState(false);
  const [dialog, setDialog] = useState<{
    kind: "plan" | "offboard" | "shred" | "changes";
    tenant: TenantSummary;
  } | null>(null);
  const toggle = useMutation({
    mutationFn: ({ tenant, action }: { tenant: TenantSummary; action: "suspend" | "resume" }) =>
      dataOf(http.POST(`/platform/tenants/{id}/${action}`, { params: { path: { id: tenant.tenantId } } })),
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
        {dialog?.kind === "changes" && <StaffChangesTable status="pending" tenantId={dialog.tenant.tenantId} />}
      </Drawer>
    </>
  );
}
