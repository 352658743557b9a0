import { CheckOutlined, CloseOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Input, Modal, Space, Table, Tag, Tooltip, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useBranchNames } from "../../api/queries.ts";
import type { StaffChangeView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { formatTime, staffLabel } from "../../components/format.ts";
import { EmptyState, ErrorState, useErrorMessage } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { changeSubject, confirmBlock, mayReject } from "./changes.ts";
import { staffChangeCalls } from "./staffChangeCalls.ts";

const statusColor: Record<StaffChangeView["status"], string> = {
  pending: "gold",
  confirmed: "green",
  rejected: "default",
  failed: "red",
};

/**
 * Four-eyes proposals about staff, with confirm and reject where the signed-in person may: the
 * brand's own, or, given `tenantId`, the platform operator's view of that brand.
 */
export function StaffChangesTable({ status, tenantId }: { status: StaffChangeView["status"]; tenantId?: string }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const session = useSession();
  const queryClient = useQueryClient();
  const branchName = useBranchNames(tenantId ?? session?.claims.tenantId);
  const me = { staffId: session?.claims.staffId ?? "", role: session?.claims.role };
  const [rejecting, setRejecting] = useState<StaffChangeView | null>(null);
  // A confirmation takes effect at once (a handover moves the leaver's whole book): asked once more first.
  const [confirming, setConfirming] = useState<StaffChangeView | null>(null);
  const calls = staffChangeCalls(tenantId);
  const changes = useQuery({
    queryKey: ["staff-changes", tenantId ?? "", status],
    queryFn: () => calls.list({ status, limit: 200 }),
  });
  const confirm = useMutation({
    mutationFn: (c: StaffChangeView) => calls.confirm(c.changeId),
    onSuccess: () => {
      setConfirming(null);
      message.success(t("staffChanges.confirmed"));
      void queryClient.invalidateQueries({ queryKey: ["staff-changes"] });
      void queryClient.invalidateQueries({ queryKey: ["staff"] });
    },
    onError: (e) => {
      setConfirming(null);
      message.error(errorMessage(e));
    },
  });
  const role = (r: string) => t(`roles.${r}`, { defaultValue: r });
  const place = (b: string | null) => (b ? branchName(b) : t("overview.hq"));

  const subject = (c: StaffChangeView) =>
    staffLabel(c.subjectName, c.subjectUsername, c.change.kind === "create" ? c.change.username : c.change.staffId);
  const what = (c: StaffChangeView) => {
    const p = c.change;
    switch (p.kind) {
      case "create":
        return t("staffChanges.what.create", {
          name: p.displayName,
          username: p.username,
          role: role(p.role),
          place: place(p.branchId),
        });
      case "update":
        return t("staffChanges.what.update", {
          who: subject(c),
          from: `${role(p.from.role)} · ${place(p.from.branchId)}`,
          to: `${role(p.to.role)} · ${place(p.to.branchId)}`,
        });
      case "background_check":
        return t("staffChanges.what.background_check", { who: subject(c), at: formatTime(p.checkedAt) });
      case "handover":
        return t("staffChanges.what.handover", {
          who: subject(c),
          to: staffLabel(c.handoverToName, c.handoverToUsername, p.handoverTo),
          lastDay: p.lastDay,
        });
    }
  };

  if (changes.isError) return <ErrorState error={changes.error} onRetry={() => void changes.refetch()} />;
  if (!changes.isPending && changes.data.items.length === 0)
    return <EmptyState description={status === "pending" ? t("staffChanges.emptyPending") : t("staffChanges.empty")} />;
  return (
    <>
      <Table<StaffChangeView>
        rowKey="changeId"
        size="small"
        loading={changes.isPending}
        dataSource={changes.data?.items ?? []}
        pagination={false}
        data-testid="staff-changes"
        columns={[
          {
            title: t("staffChanges.proposedAt"),
            dataIndex: "proposedAt",
            width: 150,
            render: (v: string) => formatTime(v),
          },
          {
            title: t("staffChanges.kind"),
            key: "kind",
            width: 120,
            render: (_, c) => <Tag>{t(`staffChanges.kinds.${c.kind}`)}</Tag>,
          },
          {
            title: t("staffChanges.what.title"),
            key: "what",
            render: (_, c) => (
              <>
                <div>{what(c)}</div>
                <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                  {changeSubject(c)}
                </Typography.Text>
              </>
            ),
          },
          {
            title: t("staffChanges.proposedBy"),
            key: "by",
            width: 160,
            render: (_, c) => (
              <>
                <span>{staffLabel(c.proposedByName, c.proposedByUsername, c.proposedBy)}</span>
                <div style={{ fontSize: 12, color: "#6b7280" }}>{role(c.proposedByRole)}</div>
              </>
            ),
          },
          {
            title: t("staffChanges.status"),
            key: "status",
            width: 220,
            render: (_, c) => {
              if (c.status !== "pending") {
                return (
                  <Space direction="vertical" size={0}>
                    <Tag color={statusColor[c.status]}>{t(`staffChanges.statuses.${c.status}`)}</Tag>
                    {c.decidedBy && (
                      <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                        {t("staffChanges.decidedBy", {
                          by: staffLabel(c.decidedByName, c.decidedByUsername, c.decidedBy),
                          at: formatTime(c.decidedAt),
                        })}
                      </Typography.Text>
                    )}
                    {c.failure && (
                      <Typography.Text type="danger" style={{ fontSize: 12 }}>
                        {c.failure}
                      </Typography.Text>
                    )}
                  </Space>
                );
              }
              const block = confirmBlock(c, me);
              const confirmButton = (
                <Button
                  size="small"
                  type="primary"
                  icon={<CheckOutlined />}
                  disabled={block !== null}
                  loading={confirm.isPending && confirm.variables?.changeId === c.changeId}
                  onClick={() => setConfirming(c)}
                  data-testid={`confirm-${c.changeId}`}
                >
                  {t("staffChanges.confirm")}
                </Button>
              );
              return (
                <Space size={4}>
                  {block ? (
                    <Tooltip title={t(`staffChanges.blocked.${block}`)}>{confirmButton}</Tooltip>
                  ) : (
                    confirmButton
                  )}
                  {mayReject(c, me) && (
                    <Button
                      size="small"
                      icon={<CloseOutlined />}
                      onClick={() => setRejecting(c)}
                      data-testid={`reject-${c.changeId}`}
                    >
                      {c.proposedBy === me.staffId ? t("staffChanges.withdraw") : t("staffChanges.reject")}
                    </Button>
                  )}
                </Space>
              );
            },
          },
        ]}
      />
      <ConfirmDialog
        open={confirming !== null}
        title={t("staffChanges.confirmTitle", { kind: confirming ? t(`staffChanges.kinds.${confirming.kind}`) : "" })}
        consequence={
          confirming?.change.kind === "handover"
            ? t("staffChanges.confirmHandover", { what: what(confirming) })
            : t("staffChanges.confirmConsequence", { what: confirming ? what(confirming) : "" })
        }
        // Handing a leaver's clients over is the gravest: their username typed out, as for offboarding.
        typed={
          confirming?.change.kind === "handover" ? (confirming.subjectUsername ?? confirming.change.staffId) : undefined
        }
        okText={t("staffChanges.confirmOk")}
        loading={confirm.isPending}
        onConfirm={() => confirming && confirm.mutate(confirming)}
        onCancel={() => setConfirming(null)}
      />
      <RejectDialog reject={calls.reject} change={rejecting} onClose={() => setRejecting(null)} />
    </>
  );
}

function RejectDialog({
  reject: rejectChange,
  change,
  onClose,
}: {
  reject: ReturnType<typeof staffChangeCalls>["reject"];
  change: StaffChangeView | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ note: string }>();
  const reject = useMutation({
    mutationFn: (note: string) => rejectChange(change!.changeId, note.trim()),
    onSuccess: () => {
      message.success(t("staffChanges.rejected"));
      void queryClient.invalidateQueries({ queryKey: ["staff-changes"] });
      onClose();
    },
  });
  return (
    <Modal
      open={change !== null}
      title={t("staffChanges.rejectTitle")}
      onCancel={onClose}
      onOk={() => void form.validateFields().then((v) => reject.mutate(v.note))}
      okButtonProps={{ danger: true }}
      confirmLoading={reject.isPending}
      destroyOnHidden
      afterOpenChange={(open) => {
        if (open) {
          form.resetFields();
          reject.reset();
        }
      }}
    >
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item
          name="note"
          label={t("staffChanges.note")}
          extra={t("staffChanges.noteHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input.TextArea rows={3} maxLength={500} showCount data-testid="reject-note" />
        </Form.Item>
      </Form>
      {isApiError(reject.error) && <Alert type="error" showIcon message={problemMessage(reject.error.problem, lang)} />}
    </Modal>
  );
}
