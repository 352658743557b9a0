import { SaveOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Form, Input, InputNumber, Select, Switch, Table, Typography } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { tierLabel } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, formFieldErrors, problemMessage } from "../../api/problems.ts";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import type { Settings, SettingsPatch } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { ErrorState, Loading } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { SecurityOpsPanel } from "../securityops/SecurityOpsPanel.tsx";
import { DEFAULT_IDLE_LOCK_MINUTES, DEFAULT_TIME_ZONE, IDLE_LOCK_BOUNDS, isTimeZone } from "@keyhold/core/contract";
import { timeZoneOptions } from "./zones.ts";
import {
  cellKey,
  defaultMode,
  flattenPolicy,
  modes,
  nestPolicy,
  policyRoles,
  policyTiers,
  relations,
  settingsPatch,
} from "./policy.ts";

export default function SettingsPage() {
  const settings = useQuery({ queryKey: ["settings"], queryFn: () => dataOf(http.GET("/settings")) });
  const { t } = useTranslation();
  return (
    <>
      <PageHeader title={t("settings.title")} subtitle={t("settings.subtitle")} />
      {settings.isPending ? (
        <Loading rows={6} />
      ) : settings.isError ? (
        <ErrorState error={settings.error} onRetry={() => void settings.refetch()} />
      ) : (
        <>
          <SettingsForm settings={settings.data} />
          <SecurityOpsPanel settings={settings.data} />
        </>
      )}
    </>
  );
}

function SettingsForm({ settings }: { settings: Settings }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const session = useSession();
  const catalog = useCatalog().data;
  const queryClient = useQueryClient();
  const caps = useCapabilities();
  // Who may change settings is the route table's gate (x-keyhold-roles), not a role named here.
  const editable = session ? caps.may(session.claims.role, "PATCH /settings") : false;
  const [form] = Form.useForm();
  const initial = { ...settings, policy: flattenPolicy(settings.accessPolicy) };
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => form.setFieldsValue(initial), [settings]);

  const save = useMutation({
    mutationFn: (patch: SettingsPatch) => dataOf(http.PATCH("/settings", { body: patch })),
    onSuccess: (s) => {
      queryClient.setQueryData(["settings"], s);
      // Every open console applies the idle lock from its own read: this one reads it again now.
      void queryClient.invalidateQueries({ queryKey: ["settings", "console"] });
      message.success(t("settings.saved"));
    },
    // A refused value is marked on its own field, in the user's language, beside the alert.
    onError: (e) => {
      if (isApiError(e)) form.setFields(formFieldErrors(e.problem, lang, ["idleLockMinutes", "timeZone"] as const));
    },
  });

  const submit = (v: {
    requiredAgreementVersion: string;
    revealQuotaPerHour: number;
    requestDueDays?: number;
    policy: Record<string, string | undefined>;
    approvalRequired?: { tier1Reveal?: boolean; export?: boolean; handoverAbove?: number | null };
    grantMinutes?: number;
    idleLockMinutes?: number;
    timeZone?: string;
  }) => {
    const after: Partial<Settings> = {
      requiredAgreementVersion: v.requiredAgreementVersion?.trim(),
      revealQuotaPerHour: v.revealQuotaPerHour,
      ...(settings.requestDueDays !== undefined ? { requestDueDays: v.requestDueDays } : {}),
      ...(settings.approvalRequired !== undefined
        ? {
            approvalRequired: {
              tier1Reveal: Boolean(v.approvalRequired?.tier1Reveal),
              export: Boolean(v.approvalRequired?.export),
              handoverAbove: v.approvalRequired?.handoverAbove ?? null,
            },
          }
        : {}),
      ...(settings.grantMinutes !== undefined ? { grantMinutes: v.grantMinutes } : {}),
      idleLockMinutes: v.idleLockMinutes,
      timeZone: v.timeZone?.trim(),
      accessPolicy: nestPolicy((v.policy ?? {}) as never),
    };
    const patch = settingsPatch(
      settings as unknown as Record<string, unknown>,
      after as Record<string, unknown>,
    ) as Partial<Settings>;
    if (!Object.keys(patch).length) {
      message.info(t("settings.unchanged"));
      return;
    }
    save.mutate(patch);
  };

  const error = save.error;
  // An empty cell is not "nothing": it falls back to the product's default, which each cell names.
  const fallback = (role: string, relation: string, tier: string) => {
    const mode = defaultMode(role, relation, tier);
    return mode ? t("settings.defaultIs", { mode: t(`settings.modes.${mode}`) }) : t("settings.default");
  };
  const modeOptions = (role: string, relation: string, tier: string) => [
    { value: "", label: fallback(role, relation, tier) },
    ...modes.map((m) => ({ value: m, label: t(`settings.modes.${m}`) })),
  ];
  const rows = policyRoles.flatMap((role) =>
    relations.map((relation) => ({ key: `${role}.${relation}`, role, relation })),
  );

  return (
    <Form
      form={form}
      layout="vertical"
      initialValues={initial}
      onFinish={submit}
      disabled={!editable}
      data-testid="settings-form"
    >
      {!editable && <Alert type="info" showIcon style={{ marginBottom: 16 }} message={t("settings.readOnly")} />}
      {isApiError(error) && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          message={problemMessage(error.problem, lang)}
          description={
            Object.entries(fieldErrors(error.problem, lang))
              .map(([p, m]) => `${p}：${m}`)
              .join("；") || undefined
          }
        />
      )}
      <Card style={{ marginBottom: 16 }}>
        <Form.Item
          name="requiredAgreementVersion"
          label={t("settings.agreementVersion")}
          extra={t("settings.agreementVersionHint")}
          rules={[{ required: true, whitespace: true }]}
        >
          <Input style={{ maxWidth: 240 }} />
        </Form.Item>
        <Form.Item
          name="revealQuotaPerHour"
          label={t("settings.quota")}
          extra={t("settings.quotaHint")}
          rules={[{ required: true }]}
        >
          <InputNumber min={1} max={1000} precision={0} />
        </Form.Item>
        {settings.requestDueDays !== undefined && (
          <Form.Item
            name="requestDueDays"
            label={t("settings.dueDays")}
            extra={t("settings.dueDaysHint")}
            rules={[{ required: true }]}
          >
            <InputNumber min={1} max={30} precision={0} />
          </Form.Item>
        )}
      </Card>
      <Card title={t("settings.session.title")} style={{ marginBottom: 16 }} data-testid="session-settings">
        <Form.Item
          name="idleLockMinutes"
          label={t("settings.session.idleLock")}
          extra={t("settings.session.idleLockHint", {
            min: IDLE_LOCK_BOUNDS.min,
            max: IDLE_LOCK_BOUNDS.max,
            fallback: DEFAULT_IDLE_LOCK_MINUTES,
          })}
          rules={[
            { required: true, message: t("register.required") },
            {
              type: "integer",
              min: IDLE_LOCK_BOUNDS.min,
              max: IDLE_LOCK_BOUNDS.max,
              message: t("settings.session.idleLockRange", { min: IDLE_LOCK_BOUNDS.min, max: IDLE_LOCK_BOUNDS.max }),
            },
          ]}
        >
          <InputNumber
            precision={0}
            placeholder={String(DEFAULT_IDLE_LOCK_MINUTES)}
            addonAfter={t("settings.approval.minutes")}
            style={{ width: 180 }}
            data-testid="idle-lock-minutes"
          />
        </Form.Item>
        <Form.Item
          name="timeZone"
          label={t("settings.session.timeZone")}
          extra={t("settings.session.timeZoneHint", { fallback: DEFAULT_TIME_ZONE })}
          rules={[
            { required: true, message: t("register.required") },
            {
              validator: (_, v: string | undefined) =>
                !v || isTimeZone(v) ? Promise.resolve() : Promise.reject(new Error(t("settings.session.timeZoneBad"))),
            },
          ]}
        >
          <Select
            showSearch
            options={timeZoneOptions(settings.timeZone).map((z) => ({ value: z, label: z }))}
            style={{ maxWidth: 320 }}
            data-testid="time-zone"
          />
        </Form.Item>
      </Card>
      {(settings.approvalRequired !== undefined || settings.grantMinutes !== undefined) && (
        <Card title={t("settings.approval.title")} style={{ marginBottom: 16 }} data-testid="approval-settings">
          <Typography.Paragraph type="secondary">{t("settings.approval.hint")}</Typography.Paragraph>
          {settings.approvalRequired !== undefined && (
            <>
              <Form.Item
                name={["approvalRequired", "tier1Reveal"]}
                label={t("settings.approval.tier1Reveal")}
                extra={t("settings.approval.tier1RevealHint")}
                valuePropName="checked"
              >
                <Switch data-testid="approval-tier1" />
              </Form.Item>
              <Form.Item
                name={["approvalRequired", "export"]}
                label={t("settings.approval.export")}
                extra={t("settings.approval.exportHint")}
                valuePropName="checked"
              >
                <Switch data-testid="approval-export" />
              </Form.Item>
              <Form.Item
                name={["approvalRequired", "handoverAbove"]}
                label={t("settings.approval.handoverAbove")}
                extra={t("settings.approval.handoverAboveHint")}
              >
                <InputNumber
                  min={0}
                  max={100_000}
                  precision={0}
                  placeholder={t("settings.approval.never")}
                  addonAfter={t("settings.approval.clients")}
                  style={{ width: 220 }}
                  data-testid="approval-handover"
                />
              </Form.Item>
            </>
          )}
          {settings.grantMinutes !== undefined && (
            <Form.Item
              name="grantMinutes"
              label={t("settings.approval.grantMinutes")}
              extra={t("settings.approval.grantMinutesHint")}
              rules={[{ required: true }]}
            >
              <InputNumber
                min={5}
                max={120}
                precision={0}
                addonAfter={t("settings.approval.minutes")}
                style={{ width: 180 }}
                data-testid="grant-minutes"
              />
            </Form.Item>
          )}
        </Card>
      )}
      <Card title={t("settings.policy")} style={{ marginBottom: 16 }}>
        <Typography.Paragraph type="secondary">{t("settings.policyHint")}</Typography.Paragraph>
        <Table
          size="small"
          pagination={false}
          dataSource={rows}
          columns={[
            { title: t("settings.role"), key: "role", render: (_, r) => t(`roles.${r.role}`) },
            { title: t("settings.relation"), key: "relation", render: (_, r) => t(`settings.relations.${r.relation}`) },
            ...policyTiers.map((tier) => ({
              title: tierLabel(catalog, Number(tier), lang),
              key: tier,
              render: (_: unknown, r: { role: string; relation: string }) => (
                <Form.Item name={["policy", cellKey(r.role, r.relation, tier)]} style={{ margin: 0 }}>
                  <Select
                    options={modeOptions(r.role, r.relation, tier)}
                    style={{ width: 190 }}
                    size="small"
                    placeholder={fallback(r.role, r.relation, tier)}
                    allowClear
                    data-testid={`policy-${cellKey(r.role, r.relation, tier)}`}
                  />
                </Form.Item>
              ),
            })),
          ]}
        />
      </Card>
      {editable && (
        <Button type="primary" htmlType="submit" icon={<SaveOutlined />} loading={save.isPending}>
          {t("app.save")}
        </Button>
      )}
    </Form>
  );
}
