import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Checkbox, Form, Modal, Select, Typography } from "antd";
import { useEffect } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { fieldLabel, pick } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import type { AccessPurpose, Catalog, ClientView } from "../../api/model.ts";
import { useLang } from "../../i18n/index.ts";
import { accessRequestBody, requestPurposes } from "./access.ts";
import { JustificationField } from "./JustificationField.tsx";

export interface AccessAsk {
  fields: string[];
  purpose?: AccessPurpose;
}

/**
 * Files an access request: named fields of this client, one purpose, a justification. A compliance
 * officer other than the requester approves it; the approval is good for one use before it expires.
 */
export function AccessRequestDialog({
  client,
  catalog,
  ask,
  onClose,
}: {
  client: ClientView;
  catalog: Catalog | undefined;
  ask: AccessAsk | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ fields: string[]; purpose?: AccessPurpose; justification?: string }>();
  const { consented, breakGlass } = requestPurposes(catalog, client.consent.purposes);
  const masked = Object.entries(client.fields)
    .filter(([, f]) => f.masked)
    .map(([name]) => name);
  const offered = [...new Set([...masked, ...(ask?.fields ?? [])])];

  const file = useMutation({
    mutationFn: (body: ReturnType<typeof accessRequestBody>) => dataOf(http.POST("/access-requests", { body })),
    onSuccess: (r) => {
      message.success({ content: t("access.dialog.filed", { id: r.id }), duration: 6 });
      void queryClient.invalidateQueries({ queryKey: ["access-requests"] });
      onClose();
    },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (ask) {
      form.resetFields();
      form.setFieldsValue({ fields: ask.fields, purpose: ask.purpose });
      file.reset();
    }
  }, [ask]);

  const submit = async () => {
    const v = await form.validateFields();
    file.mutate(
      accessRequestBody({
        clientId: client.id,
        fields: v.fields,
        purpose: v.purpose!,
        justification: v.justification ?? "",
      }),
    );
  };
  const problem = isApiError(file.error) ? file.error.problem : null;
  const details = problem
    ? fieldErrors(problem, lang, (f) => fieldLabel(catalog, f, lang), { translatedOnly: true })
    : {};

  return (
    <Modal
      open={ask !== null}
      title={t("access.dialog.title")}
      okText={t("access.dialog.submit")}
      cancelText={t("app.cancel")}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={file.isPending}
      destroyOnHidden
      width={600}
      data-testid="access-request-dialog"
    >
      <Typography.Paragraph type="secondary">{t("access.dialog.hint")}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item
          name="fields"
          label={t("access.dialog.fields")}
          rules={[{ type: "array", min: 1, message: t("register.required") }]}
        >
          <Checkbox.Group
            options={offered.map((f) => ({ value: f, label: fieldLabel(catalog, f, lang) }))}
            data-testid="access-fields"
          />
        </Form.Item>
        <Form.Item
          name="purpose"
          label={t("access.dialog.purpose")}
          extra={t("access.dialog.purposeHint")}
          rules={[{ required: true, message: t("register.required") }]}
        >
          <Select
            data-testid="access-purpose"
            placeholder={t("access.dialog.purpose")}
            options={[
              ...(consented.length
                ? [
                    {
                      label: t("reveal.consentedGroup"),
                      options: consented.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
                    },
                  ]
                : []),
              {
                label: t("access.dialog.legalGroup"),
                options: breakGlass.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
              },
            ]}
          />
        </Form.Item>
        <JustificationField label={t("access.dialog.justification")} testId="access-justification" />
      </Form>
      {problem && (
        <Alert
          type="error"
          showIcon
          data-testid="access-request-error"
          message={problemMessage(problem, lang)}
          description={Object.values(details).join("；") || undefined}
        />
      )}
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: "12px 0 0" }}>
        {t("access.dialog.after")} <Link to="/console/access-requests">{t("nav.accessRequests")}</Link>
      </Typography.Paragraph>
    </Modal>
  );
}
