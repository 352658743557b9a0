import { EyeInvisibleOutlined, EyeOutlined, LockOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Form, Modal, Select, Space, Tooltip, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import type { AccessPurpose } from "../../api/model.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import { useSession } from "../../auth/useSession.ts";
import { useLang } from "../../i18n/index.ts";
import { JustificationField } from "../access/JustificationField.tsx";
import { display, needsJustification, revealPurposes, secondsLeft } from "./reveal.ts";
import { FREE_TEXT_MASK, revealedKey, revealedTexts, sealedRevealBody, type SealedTarget } from "./sealed.ts";
import { useRevealed } from "./useRevealed.ts";

/**
 * Asks for a purpose (and, for break-glass, a justification) before sealed free text is revealed;
 * the API records the reveal in the trail before it answers. `purposes` are the client's consented
 * purposes when the page knows them; otherwise every consent purpose is offered and the API decides.
 */
export function SealedRevealDialog({
  target,
  purposes,
  onClose,
  onRevealed,
}: {
  target: SealedTarget | null;
  purposes?: string[];
  onClose: () => void;
  onRevealed: (texts: Record<string, string>) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const role = session?.claims.role;
  const catalog = useCatalog().data;
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ purpose?: AccessPurpose; justification?: string }>();
  const purpose = Form.useWatch("purpose", form);
  const [forceJustification, setForceJustification] = useState(false);
  const min = catalog?.breakGlass.minJustification ?? 20;
  const { consented, breakGlass } = revealPurposes(
    catalog,
    purposes ?? (catalog?.consentPurposes ?? []).map((p) => p.name),
    role,
  );
  const askJustification = forceJustification || needsJustification(catalog, role, purpose);

  const reveal = useMutation({
    mutationFn: ({
      target,
      purpose,
      justification,
    }: {
      target: SealedTarget;
      purpose: AccessPurpose;
      justification?: string;
    }) =>
      (target.kind === "note"
        ? dataOf(
            http.POST("/clients/{id}/reveal", {
              params: { path: { id: target.clientId } },
              body: sealedRevealBody(target, purpose, justification),
            }),
          )
        : dataOf(
            http.POST("/paper-files/{id}/reveal", {
              params: { path: { id: target.fileId } },
              body: sealedRevealBody(target, purpose, justification),
            }),
          )
      ).then((r) => revealedTexts(target, r)),
    onSuccess: (texts) => {
      onRevealed(texts);
      onClose();
    },
    onError: (e) => {
      if (isApiError(e) && e.code === "break_glass_required") setForceJustification(true);
    },
    onSettled: () => {
      if (target?.kind === "note")
        void queryClient.invalidateQueries({ queryKey: ["access-history", target.clientId] });
    },
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (target) {
      form.resetFields();
      if (consented.length === 1) form.setFieldsValue({ purpose: consented[0]!.name });
      reveal.reset();
      setForceJustification(false);
    }
  }, [target]);

  const submit = async () => {
    const v = await form.validateFields();
    if (target)
      reveal.mutate({ target, purpose: v.purpose!, ...(askJustification ? { justification: v.justification } : {}) });
  };

  return (
    <Modal
      open={target !== null}
      title={t(target?.kind === "paper" ? "sealed.paperTitle" : "sealed.title")}
      okText={t("reveal.submit")}
      cancelText={t("app.cancel")}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={reveal.isPending}
      destroyOnHidden
      data-testid="sealed-reveal-dialog"
    >
      <Typography.Paragraph type="secondary">{t("sealed.hint")}</Typography.Paragraph>
      <Form form={form} layout="vertical">
        <Form.Item
          name="purpose"
          label={t("reveal.purpose")}
          extra={t("reveal.purposeHint")}
          rules={[{ required: true, message: t("register.required") }]}
        >
          <Select
            data-testid="sealed-purpose"
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
        {askJustification && <JustificationField label={t("reveal.justification")} testId="sealed-justification" />}
      </Form>
      <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
        {t("reveal.auditNotice")}
      </Typography.Paragraph>
      {isApiError(reveal.error) && (
        <Alert
          style={{ marginTop: 12 }}
          type="error"
          showIcon
          data-testid="sealed-error"
          message={problemMessage(reveal.error.problem, lang, { minJustification: min })}
        />
      )}
    </Modal>
  );
}

/**
 * One sealed note of a client, as the page shows it: the mask and a way to reveal it for a purpose;
 * once revealed, the words for 60 seconds (held in memory only, like revealed fields).
 */
export function SealedNote({
  clientId,
  value,
  noteRef,
  purposes,
  testId,
}: {
  clientId: string;
  value: string | undefined;
  noteRef: string | undefined;
  purposes?: string[];
  testId?: string;
}) {
  const { t } = useTranslation();
  const caps = useCapabilities();
  const { revealed, now, add, hide } = useRevealed();
  const [target, setTarget] = useState<SealedTarget | null>(null);
  if (!value) return null;
  const sealedTarget: SealedTarget | null = noteRef ? { kind: "note", clientId, ref: noteRef } : null;
  const key = sealedTarget ? revealedKey(sealedTarget) : "";
  const shown = sealedTarget ? display(revealed, key, value, now) : value;
  const open = shown !== FREE_TEXT_MASK && value === FREE_TEXT_MASK;
  return (
    <Space size={4} align="start" data-testid={testId} data-sealed={open ? "revealed" : "masked"}>
      {value === FREE_TEXT_MASK && !open && <LockOutlined style={{ color: "#8c8c8c" }} />}
      <Typography.Text style={{ whiteSpace: "pre-wrap" }}>{String(shown)}</Typography.Text>
      {open && (
        <Tooltip title={t("sealed.hideIn", { s: secondsLeft(revealed[key], now) })}>
          <Button
            type="link"
            size="small"
            icon={<EyeInvisibleOutlined />}
            onClick={() => hide(key)}
            style={{ padding: 0, height: "auto" }}
          />
        </Tooltip>
      )}
      {!open && sealedTarget && caps.has("POST /clients/{id}/reveal") && (
        <Button
          type="link"
          size="small"
          icon={<EyeOutlined />}
          onClick={() => setTarget(sealedTarget)}
          style={{ padding: 0, height: "auto" }}
          data-testid={testId ? `${testId}-reveal` : undefined}
        >
          {t("sealed.reveal")}
        </Button>
      )}
      <SealedRevealDialog target={target} purposes={purposes} onClose={() => setTarget(null)} onRevealed={add} />
    </Space>
  );
}
