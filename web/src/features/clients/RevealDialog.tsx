import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Checkbox, Form, Input, Modal, Select, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldLabel, pick } from "../../api/catalog.ts";
import { api } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import type { Catalog, ClientView, Role } from "../../api/types.ts";
import { useLang } from "../../i18n/index.ts";
import { needsJustification, revealPurposes } from "./reveal.ts";

export interface RevealRequest {
  fields: string[];
}

/**
 * Asks for a purpose the client consented to (and a justification for break-glass) before anything
 * is revealed; the API writes the trail first, then answers the values.
 */
export function RevealDialog({
  client,
  catalog,
  role,
  request,
  onClose,
  onRevealed,
}: {
  client: ClientView;
  catalog: Catalog | undefined;
  role: Role | undefined;
  request: RevealRequest | null;
  onClose: () => void;
  onRevealed: (values: Record<string, string | number>) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ fields: string[]; purpose?: string; justification?: string }>();
  const purpose = Form.useWatch("purpose", form);
  const justification = Form.useWatch("justification", form) ?? "";
  const [forceJustification, setForceJustification] = useState(false);
  const min = catalog?.breakGlass.minJustification ?? 20;
  const { consented, breakGlass } = revealPurposes(catalog, client.consent.purposes, role);
  const askJustification = forceJustification || needsJustification(catalog, role, purpose);
  const masked = Object.entries(client.fields).filter(([, f]) => f.masked).map(([name]) => name);

  const reveal = useMutation({
    mutationFn: (body: { fields: string[]; purpose: string; justification?: string }) =>
      api<{ fields: Record<string, string | number> }>("POST", `/clients/${encodeURIComponent(client.id)}/reveal`, { body }),
    onSuccess: (r) => {
      onRevealed(r.fields);
      onClose();
    },
    onError: (e) => {
      if (isApiError(e) && e.code === "break_glass_required") setForceJustification(true);
    },
    onSettled: () => void queryClient.invalidateQueries({ queryKey: ["access-history", client.id] }),
  });

  useEffect(() => {
    if (request) {
      form.resetFields();
      form.setFieldsValue({ fields: request.fields, purpose: consented.length === 1 ? consented[0]!.name : undefined });
      reveal.reset();
      setForceJustification(false);
    }
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [request]);

  const submit = async () => {
    const v = await form.validateFields();
    reveal.mutate({ fields: v.fields, purpose: v.purpose!, ...(askJustification ? { justification: v.justification?.trim() } : {}) });
  };

  const error = reveal.error;
  const details = isApiError(error) ? fieldErrors(error.problem, lang, (f) => fieldLabel(catalog, f, lang), { translatedOnly: true }) : {};

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
        <Form.Item name="fields" label={t("reveal.fields")} rules={[{ type: "array", min: 1, message: t("register.required") }]}>
          <Checkbox.Group options={masked.map((f) => ({ value: f, label: fieldLabel(catalog, f, lang) }))} />
        </Form.Item>
        <Form.Item name="purpose" label={t("reveal.purpose")} extra={t("reveal.purposeHint")} rules={[{ required: true, message: t("register.required") }]}>
          <Select
            data-testid="reveal-purpose"
            placeholder={t("reveal.purpose")}
            options={[
              { label: t("reveal.consentedGroup"), options: consented.map((p) => ({ value: p.name, label: pick(p.label, lang) })) },
              ...(breakGlass.length ? [{ label: t("reveal.breakGlassGroup"), options: breakGlass.map((p) => ({ value: p.name, label: pick(p.label, lang) })) }] : []),
            ]}
          />
        </Form.Item>
        {askJustification && (
          <Form.Item
            name="justification"
            label={t("reveal.justification")}
            extra={t("reveal.justificationHint", { min })}
            rules={[{ validator: (_, v: string | undefined) => ((v?.trim().length ?? 0) >= min ? Promise.resolve() : Promise.reject(new Error(t("reveal.justificationShort", { min, n: v?.trim().length ?? 0 })))) }]}
          >
            <Input.TextArea rows={3} maxLength={2000} showCount data-testid="reveal-justification" />
          </Form.Item>
        )}
        {askJustification && justification.trim().length > 0 && justification.trim().length < min && (
          <Typography.Text type="warning">{t("reveal.justificationShort", { min, n: justification.trim().length })}</Typography.Text>
        )}
      </Form>
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
        />
      )}
    </Modal>
  );
}
