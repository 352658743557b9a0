import { useMutation, useQueryClient } from "@tanstack/react-query";
import { AuditOutlined } from "@ant-design/icons";
import { Alert, Button, Checkbox, Form, Modal, Select, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldLabel, pick } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import type { AccessPurpose, Body, Catalog, ClientView } from "../../api/model.ts";
import { revealsByBreakGlass, type Role } from "@keyhold/core/contract";
import { useCapabilities } from "../../api/queries.ts";
import { useLang } from "../../i18n/index.ts";
import { answeredByRequest } from "../access/access.ts";
import type { AccessAsk } from "../access/AccessRequestDialog.tsx";
import { JustificationField } from "../access/JustificationField.tsx";
import { needsJustification, revealPurposes } from "./reveal.ts";

export interface RevealRequest {
  fields: string[];
}

/**
 * Asks for a purpose the client consented to (and a justification for break-glass) before anything
 * is revealed; the API writes the trail first, then answers the values. Break-glass is the
 * compliance officer's alone: everyone else is offered an access request for a second person to
 * approve, up front and again when the API answers that approval is needed.
 */
export function RevealDialog({
  client,
  catalog,
  role,
  request,
  onClose,
  onRevealed,
  onAskApproval,
}: {
  client: ClientView;
  catalog: Catalog | undefined;
  role: Role | undefined;
  request: RevealRequest | null;
  onClose: () => void;
  onRevealed: (values: Record<string, string | number>) => void;
  /** Files an access request instead (the dialog closes first). */
  onAskApproval?: (ask: AccessAsk) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ fields: string[]; purpose?: AccessPurpose; justification?: string }>();
  const purpose = Form.useWatch("purpose", form);
  const [forceJustification, setForceJustification] = useState(false);
  const min = catalog?.breakGlass.minJustification ?? 20;
  const { consented, breakGlass } = revealPurposes(catalog, client.consent.purposes, role);
  const askJustification = forceJustification || needsJustification(catalog, role, purpose);
  const masked = Object.entries(client.fields)
    .filter(([, f]) => f.masked)
    .map(([name]) => name);
  const caps = useCapabilities();
  const mayAsk = Boolean(onAskApproval) && !revealsByBreakGlass(role) && caps.has("POST /access-requests");
  const askApproval = () => {
    const v = form.getFieldsValue();
    onClose();
    onAskApproval?.({ fields: v.fields?.length ? v.fields : (request?.fields ?? []), purpose: v.purpose });
  };

  const reveal = useMutation({
    mutationFn: (body: Body<"/clients/{id}/reveal", "post">) =>
      dataOf(http.POST("/clients/{id}/reveal", { params: { path: { id: client.id } }, body })),
    onSuccess: (r) => {
      onRevealed(r.fields);
      onClose();
    },
    onError: (e) => {
      if (isApiError(e) && e.code === "break_glass_required") setForceJustification(true);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["access-history", client.id] }),
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (request) {
      form.resetFields();
      form.setFieldsValue({ fields: request.fields, purpose: consented.length === 1 ? consented[0]!.name : undefined });
      reveal.reset();
      setForceJustification(false);
    }
  }, [request]);

  const submit = async () => {
    const v = await form.validateFields();
    reveal.mutate({
      fields: v.fields,
      purpose: v.purpose!,
      ...(askJustification ? { justification: v.justification?.trim() } : {}),
    });
  };

  const error = reveal.error;
  const details = isApiError(error)
    ? fieldErrors(error.problem, lang, (f) => fieldLabel(catalog, f, lang), { translatedOnly: true })
    : {};

  return (
    <Modal
      open={request !== null}
      title={t("reveal.title")}
      okText={t("reveal.submit")}
      cancelText={t("app.cancel")}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={reveal.isPending}
      destroyOnHidden
      data-testid="reveal-dialog"
    >
      <Form form={form} layout="vertical">
        <Form.Item
          name="fields"
          label={t("reveal.fields")}
          rules={[{ type: "array", min: 1, message: t("register.required") }]}
        >
          <Checkbox.Group options={masked.map((f) => ({ value: f, label: fieldLabel(catalog, f, lang) }))} />
        </Form.Item>
        <Form.Item
          name="purpose"
          label={t("reveal.purpose")}
          extra={t("reveal.purposeHint")}
          rules={[{ required: true, message: t("register.required") }]}
        >
          <Select
            data-testid="reveal-purpose"
            placeholder={t("reveal.purpose")}
            options={[
              {
                label: t("reveal.consentedGroup"),
                options: consented.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
              },
              ...(breakGlass.length
                ? [
                    {
                      label: t("reveal.breakGlassGroup"),
                      options: breakGlass.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
                    },
                  ]
                : []),
            ]}
          />
        </Form.Item>
        {askJustification && <JustificationField label={t("reveal.justification")} testId="reveal-justification" />}
      </Form>
      {mayAsk && !(isApiError(error) && answeredByRequest(error.code)) && (
        <Typography.Paragraph type="secondary" style={{ marginBottom: 8 }} data-testid="reveal-ask-hint">
          {t("access.reveal.askHint")}
          <Button
            type="link"
            size="small"
            icon={<AuditOutlined />}
            onClick={askApproval}
            data-testid="reveal-ask-approval"
          >
            {t("access.reveal.ask")}
          </Button>
        </Typography.Paragraph>
      )}
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
        {t("reveal.auditNotice")}
      </Typography.Paragraph>
      {isApiError(error) && (
        <Alert
          style={{ marginTop: 12 }}
          type="error"
          showIcon
          data-testid="reveal-error"
          message={problemMessage(error.problem, lang, { minJustification: min })}
          description={Object.values(details).length ? Object.values(details).join("；") : undefined}
          action={
            mayAsk && answeredByRequest(error.code) ? (
              <Button size="small" type="primary" onClick={askApproval} data-testid="reveal-error-ask">
                {t("access.reveal.ask")}
              </Button>
            ) : undefined
          }
        />
      )}
    </Modal>
  );
}
