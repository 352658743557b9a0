import { FileProtectOutlined, LogoutOutlined, SafetyOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, DatePicker, Form, Input, Modal, Select, Space, Table, Tag, Typography } from "antd";
import dayjs from "dayjs";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { backgroundCheckStatuses, recordsAgreementFor, recordsBackgroundChecks } from "@keyhold/core/contract";
import { useBranchNames, useCapabilities } from "../../api/queries.ts";
import type { Body, StaffView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, ErrorState } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { agreementState, isProposal, mayOffboard } from "./staff.ts";

type Dialog = { kind: "agreement" | "check"; staff: StaffView } | null;

export default function StaffPage() {
  const { t } = useTranslation();
  const session = useSession();
  const caps = useCapabilities();
  const navigate = useNavigate();
  const branchName = useBranchNames(session?.claims.tenantId);
  const staff = useQuery({ queryKey: ["staff"], queryFn: () => dataOf(http.GET("/staff")) });
  const [dialog, setDialog] = useState<Dialog>(null);
  const me = { role: session?.claims.role, branchId: session?.claims.branchId ?? null };
  const canRecordCheck = recordsBackgroundChecks(me.role).allowed && caps.has("POST /staff/{id}/background-check");

  return (
    <>
      <PageHeader title={t("staff.title")} subtitle={t("staff.subtitle")} />
      <Card styles={{ body: { padding: 0 } }}>
        {staff.isError ? (
          <ErrorState error={staff.error} onRetry={() => void staff.refetch()} />
        ) : !staff.isPending && staff.data.items.length === 0 ? (
          <EmptyState description={t("staff.empty")} />
        ) : (
          <Table<StaffView>
            rowKey="id"
            loading={staff.isPending}
            dataSource={staff.data?.items ?? []}
            pagination={false}
            data-testid="staff-table"
            columns={[
              {
                title: t("staff.name"),
                key: "name",
                render: (_, s) => (
                  <Space direction="vertical" size={0}>
                    <Typography.Text strong>{s.displayName}</Typography.Text>
                    <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                      {s.username}
                    </Typography.Text>
                  </Space>
                ),
              },
              { title: t("staff.role"), key: "role", render: (_, s) => t(`roles.${s.role}`, { defaultValue: s.role }) },
              {
                title: t("staff.branch"),
                key: "branch",
                render: (_, s) => (s.branchId ? branchName(s.branchId) : t("overview.hq")),
              },
              {
                title: t("staff.status"),
                key: "status",
                render: (_, s) => (
                  <Tag color={s.status === "active" ? "green" : s.status === "offboarding" ? "orange" : "default"}>
                    {t(`staff.statuses.${s.status}`)}
                  </Tag>
                ),
              },
              {
                title: t("staff.agreement"),
                key: "agreement",
                render: (_, s) => {
                  const state = agreementState(s);
                  return state === "current" ? (
                    <Tag color="green">{t("staff.signedVersion", { v: s.agreement!.version })}</Tag>
                  ) : state === "outdated" ? (
                    <Tag color="orange">{t("staff.outdated", { v: s.agreement!.version })}</Tag>
                  ) : (
                    <Tag color="red">{t("staff.unsigned")}</Tag>
                  );
                },
              },
              {
                title: t("staff.background"),
                key: "check",
                render: (_, s) => {
                  const st = s.backgroundCheck?.status ?? "none";
                  return (
                    <Tag color={st === "passed" ? "green" : st === "failed" ? "red" : "default"}>
                      {t(`staff.checks.${st}`, { defaultValue: st })}
                    </Tag>
                  );
                },
              },
              {
                title: t("staff.actions"),
                key: "actions",
                render: (_, s) => (
                  <Space size={4} wrap>
                    {s.status === "active" &&
                      s.id !== session?.claims.staffId &&
                      caps.has("POST /staff/{id}/agreement") &&
                      recordsAgreementFor(me, s).allowed && (
                        <Button
                          size="small"
                          icon={<FileProtectOutlined />}
                          onClick={() => setDialog({ kind: "agreement", staff: s })}
                        >
                          {t("staff.recordAgreement")}
                        </Button>
                      )}
                    {s.status === "active" && s.id !== session?.claims.staffId && canRecordCheck && (
                      <Button
                        size="small"
                        icon={<SafetyOutlined />}
                        onClick={() => setDialog({ kind: "check", staff: s })}
                      >
                        {t("staff.recordCheck")}
                      </Button>
                    )}
                    {caps.has("POST /staff/{id}/offboarding") &&
                      s.id !== session?.claims.staffId &&
                      (mayOffboard(me, s) || s.status === "offboarding") && (
                        <Button
                          size="small"
                          danger={s.status === "active"}
                          icon={<LogoutOutlined />}
                          onClick={() => navigate(`/console/staff/${encodeURIComponent(s.id)}/offboarding`)}
                          data-testid={`offboard-${s.id}`}
                        >
                          {t("staff.offboard")}
                        </Button>
                      )}
                  </Space>
                ),
              },
            ]}
          />
        )}
      </Card>
      <RecordDialog dialog={dialog} onClose={() => setDialog(null)} />
    </>
  );
}

function RecordDialog({ dialog, onClose }: { dialog: Dialog; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm();
  const save = useMutation({
    mutationFn: (v: Record<string, unknown>) =>
      dialog!.kind === "agreement"
        ? dataOf(
            http.POST("/staff/{id}/agreement", {
              params: { path: { id: dialog!.staff.id } },
              body: {
                version: v.version as string,
                signedAt: (v.at as dayjs.Dayjs).format(),
                evidenceRef: v.evidenceRef as string,
              },
            }),
          )
        : dataOf(
            http.POST("/staff/{id}/background-check", {
              params: { path: { id: dialog!.staff.id } },
              body: {
                status: v.status as Body<"/staff/{id}/background-check", "post">["status"],
                checkedAt: (v.at as dayjs.Dayjs).format(),
              },
            }),
          ),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: ["staff"] });
      void queryClient.invalidateQueries({ queryKey: ["staff-changes"] });
      // A passed check is a proposal (202): it applies once a second person confirms it.
      if (isProposal(r)) message.info(t("staffChanges.proposed"));
      else message.success(t("staff.saved"));
      onClose();
    },
  });
  const error = save.error;
  return (
    <Modal
      open={dialog !== null}
      title={
        dialog
          ? `${dialog.kind === "agreement" ? t("staff.recordAgreement") : t("staff.recordCheck")} · ${dialog.staff.displayName}`
          : ""
      }
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => save.mutate(v))}
      confirmLoading={save.isPending}
      destroyOnHidden
      afterOpenChange={(open) => {
        if (open) {
          form.resetFields();
          save.reset();
        }
      }}
    >
      <Form form={form} layout="vertical" preserve={false} initialValues={{ at: dayjs(), status: "passed" }}>
        {dialog?.kind === "agreement" ? (
          <>
            <Form.Item name="version" label={t("staff.version")} rules={[{ required: true, whitespace: true }]}>
              <Input placeholder="2024-01" />
            </Form.Item>
            <Form.Item name="evidenceRef" label={t("staff.evidence")} rules={[{ required: true, whitespace: true }]}>
              <Input placeholder="paper:agreement/0001" />
            </Form.Item>
          </>
        ) : (
          <Form.Item name="status" label={t("staff.checkStatus")} rules={[{ required: true }]}>
            <Select options={backgroundCheckStatuses.map((s) => ({ value: s, label: t(`staff.checks.${s}`) }))} />
          </Form.Item>
        )}
        <Form.Item
          name="at"
          label={dialog?.kind === "agreement" ? t("staff.signedAt") : t("staff.checkedAt")}
          rules={[{ required: true }]}
        >
          <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" />
        </Form.Item>
      </Form>
      {isApiError(error) && (
        <Alert
          type="error"
          showIcon
          message={problemMessage(error.problem, lang)}
          description={Object.values(fieldErrors(error.problem, lang)).join("；") || undefined}
        />
      )}
      {dialog?.staff.agreement && dialog.kind === "agreement" && (
        <Typography.Text type="secondary" style={{ fontSize: 12 }}>
          {t("staff.signedVersion", { v: dialog.staff.agreement.version })} ·{" "}
          {formatTime(dialog.staff.agreement.signedAt)}
        </Typography.Text>
      )}
    </Modal>
  );
}
