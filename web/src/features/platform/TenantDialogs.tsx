import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Descriptions, Form, Input, InputNumber, Modal, Radio, Space, Typography } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import type { Body, TenantSummary } from "../../api/model.ts";
import { formatTime } from "../../components/format.ts";
import { formatBytes } from "../clients/documents.ts";
import { useLang } from "../../i18n/index.ts";
import {
  exportWindow,
  keyDeletion,
  offboardBody,
  offboardingPlan,
  planLimits,
  plans,
  tenantConfirmed,
} from "./platform.ts";

/** One of the platform's calls about a brand; its answer goes to `onDone` once the list is refreshed. */
function useTenantAction<B, R>(call: (id: string, body: B) => Promise<R>, onDone: (r: R) => void) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: ({ tenant, body }: { tenant: TenantSummary; body: B }) => call(tenant.tenantId, body),
    onSuccess: (r) => {
      void queryClient.invalidateQueries({ queryKey: ["platform-tenants"] });
      onDone(r);
    },
  });
}

/** A plan change: the new seat and storage limits apply at once. */
export function PlanDialog({ tenant, onClose }: { tenant: TenantSummary | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<Body<"/platform/tenants/{id}/plan", "put">>();
  const change = useTenantAction(
    (id, body: Body<"/platform/tenants/{id}/plan", "put">) =>
      dataOf(http.PUT("/platform/tenants/{id}/plan", { params: { path: { id } }, body })),
    (r) => {
      message.success(t("platform.planChanged", { name: r.name, plan: r.limits?.label?.[lang] ?? r.plan }));
      onClose();
    },
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (tenant) {
      change.reset();
      form.setFieldsValue({ plan: tenant.plan });
    }
  }, [tenant?.tenantId]);
  return (
    <Modal
      open={tenant !== null}
      title={tenant ? t("platform.changePlanTitle", { name: tenant.name }) : ""}
      okText={t("platform.changePlan")}
      cancelText={t("app.cancel")}
      onOk={() => void form.validateFields().then((v) => change.mutate({ tenant: tenant!, body: { plan: v.plan } }))}
      onCancel={onClose}
      confirmLoading={change.isPending}
      destroyOnHidden
      data-testid="plan-dialog"
    >
      <Form form={form} layout="vertical">
        <Form.Item name="plan" label={t("platform.plan")} extra={t("platform.planHint")}>
          <Radio.Group>
            <Space direction="vertical">
              {plans.map((p) => (
                <Radio key={p} value={p} data-plan={p}>
                  <Typography.Text strong>{t(`platform.plans.${p}`)}</Typography.Text>
                  <Typography.Text type="secondary" style={{ marginLeft: 8 }}>
                    {t("platform.planLimits", {
                      seats: planLimits[p].seats,
                      storage: formatBytes(planLimits[p].storageMb * 1024 * 1024),
                    })}
                  </Typography.Text>
                  {tenant?.plan === p && (
                    <Typography.Text type="secondary"> · {t("platform.currentPlan")}</Typography.Text>
                  )}
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
      </Form>
      {isApiError(change.error) && <Alert type="error" showIcon message={problemMessage(change.error.problem, lang)} />}
    </Modal>
  );
}

/**
 * Offboarding a brand: it keeps working through the export window, then its key is scheduled for
 * deletion (crypto-shredding: every ciphertext under it, backups included, becomes unreadable).
 */
export function OffboardDialog({ tenant, onClose }: { tenant: TenantSummary | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<{
    exportWindowDays: number;
    keyDeletionDays: number;
    reason: string;
    confirm?: string;
  }>();
  const exportDays = Form.useWatch("exportWindowDays", form) ?? exportWindow.default;
  const keyDays = Form.useWatch("keyDeletionDays", form) ?? keyDeletion.default;
  const typed = Form.useWatch("confirm", form);
  const offboard = useTenantAction(
    (id, body: Body<"/platform/tenants/{id}/offboard", "post">) =>
      dataOf(http.POST("/platform/tenants/{id}/offboard", { params: { path: { id } }, body })),
    (r) => {
      message.warning(t("platform.offboarded", { name: r.name }));
      onClose();
    },
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (tenant) offboard.reset();
  }, [tenant?.tenantId]);
  const plan = offboardingPlan(Number(exportDays) || 0, Number(keyDays) || keyDeletion.default);
  const problem = isApiError(offboard.error) ? offboard.error : null;
  const details = problem ? fieldErrors(problem.problem, lang, undefined, { translatedOnly: true }) : {};
  return (
    <Modal
      open={tenant !== null}
      title={tenant ? t("platform.offboardTitle", { name: tenant.name }) : ""}
      okText={t("platform.offboard")}
      okButtonProps={{
        danger: true,
        disabled: !tenant || !tenantConfirmed(typed, tenant.tenantId),
        ...({ "data-testid": "offboard-submit" } as object),
      }}
      cancelText={t("app.cancel")}
      onOk={() => void form.validateFields().then((v) => offboard.mutate({ tenant: tenant!, body: offboardBody(v) }))}
      onCancel={onClose}
      confirmLoading={offboard.isPending}
      destroyOnHidden
      width={600}
      data-testid="offboard-dialog"
    >
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 16 }}
        message={t("platform.offboardWarningTitle")}
        description={t("platform.offboardWarning")}
      />
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ exportWindowDays: exportWindow.default, keyDeletionDays: keyDeletion.default }}
      >
        <Space size={16} align="start" wrap>
          <Form.Item
            name="exportWindowDays"
            label={t("platform.exportWindow")}
            extra={t("platform.exportWindowHint")}
            validateStatus={details.exportWindowDays ? "error" : undefined}
            help={details.exportWindowDays}
          >
            <InputNumber
              min={exportWindow.min}
              max={exportWindow.max}
              precision={0}
              addonAfter={t("platform.days")}
              style={{ width: 160 }}
              data-testid="export-window"
            />
          </Form.Item>
          <Form.Item
            name="keyDeletionDays"
            label={t("platform.keyDeletion")}
            extra={t("platform.keyDeletionHint")}
            validateStatus={details.keyDeletionDays ? "error" : undefined}
            help={details.keyDeletionDays}
          >
            <InputNumber
              min={keyDeletion.min}
              max={keyDeletion.max}
              precision={0}
              addonAfter={t("platform.days")}
              style={{ width: 160 }}
              data-testid="key-deletion"
            />
          </Form.Item>
        </Space>
        <Descriptions size="small" column={1} bordered style={{ marginBottom: 16 }} data-testid="offboard-plan">
          <Descriptions.Item label={t("platform.exportUntilLabel")}>
            {plan.immediate ? (
              <Typography.Text type="danger">{t("platform.noExportWindow")}</Typography.Text>
            ) : (
              formatTime(plan.exportUntil.toISOString())
            )}
          </Descriptions.Item>
          <Descriptions.Item label={t("platform.keyGoneBy")}>
            {formatTime(plan.keyGoneBy.toISOString())}
          </Descriptions.Item>
        </Descriptions>
        <Form.Item
          name="reason"
          label={t("platform.offboardReason")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input.TextArea rows={2} maxLength={500} showCount data-testid="offboard-reason" />
        </Form.Item>
        <Form.Item
          name="confirm"
          label={tenant ? t("platform.typeTenantId", { id: tenant.tenantId }) : ""}
          style={{ marginBottom: 0 }}
        >
          <Input autoComplete="off" className="kh-mono" data-testid="offboard-confirm" />
        </Form.Item>
      </Form>
      {problem && (
        <Alert style={{ marginTop: 12 }} type="error" showIcon message={problemMessage(problem.problem, lang)} />
      )}
    </Modal>
  );
}

/** After the export window: schedule the key's deletion now and issue the platform's destruction certificate. */
export function ShredDialog({ tenant, onClose }: { tenant: TenantSummary | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<{ confirm?: string }>();
  const typed = Form.useWatch("confirm", form);
  const shred = useTenantAction(
    (id, _none: undefined) => dataOf(http.POST("/platform/tenants/{id}/shred", { params: { path: { id } } })),
    (r) => {
      message.warning(
        t("platform.shredded", {
          name: r.name,
          id: r.certificate.certificateId,
          at: formatTime(r.certificate.keyDeletionDate),
        }),
      );
      onClose();
    },
  );
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (tenant) shred.reset();
  }, [tenant?.tenantId]);
  return (
    <Modal
      open={tenant !== null}
      title={tenant ? t("platform.shredTitle", { name: tenant.name }) : ""}
      okText={t("platform.shred")}
      okButtonProps={{ danger: true, disabled: !tenant || !tenantConfirmed(typed, tenant.tenantId) }}
      cancelText={t("app.cancel")}
      onOk={() => shred.mutate({ tenant: tenant!, body: undefined })}
      onCancel={onClose}
      confirmLoading={shred.isPending}
      destroyOnHidden
      data-testid="shred-dialog"
    >
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 16 }}
        message={t("platform.shredWarning", { n: tenant?.offboarding?.keyDeletionDays ?? keyDeletion.default })}
      />
      <Form form={form} layout="vertical" preserve={false}>
        <Form.Item name="confirm" label={tenant ? t("platform.typeTenantId", { id: tenant.tenantId }) : ""}>
          <Input autoComplete="off" className="kh-mono" />
        </Form.Item>
      </Form>
      {isApiError(shred.error) && <Alert type="error" showIcon message={problemMessage(shred.error.problem, lang)} />}
    </Modal>
  );
}
