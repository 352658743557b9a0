import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Checkbox, Form, Input, Modal, Select, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import type { Answer, Body, Catalog, ClientView, ConsentMethod, ConsentPurpose } from "../../api/model.ts";
import { formatTime } from "../../components/format.ts";
import { useLang } from "../../i18n/index.ts";
import { consentMethods } from "../requests/requests.ts";
import { addPurposesBody, purposesToAdd, withdrawBody } from "./consent.ts";

type ConsentAnswer = Answer<"/clients/{id}/consent", "get">;

function useConsentMutation<B>(
  client: ClientView,
  send: (id: string, body: B) => Promise<ConsentAnswer>,
  onDone: (r: ConsentAnswer) => void,
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: B) => send(client.id, body),
    onSuccess: (r) => {
      for (const key of [["client", client.id], ["consent", client.id], ["clients"], ["access-history", client.id]])
        void queryClient.invalidateQueries({ queryKey: key });
      onDone(r);
    },
  });
}

function ProblemAlert({ error, catalog }: { error: unknown; catalog: Catalog | undefined }) {
  const lang = useLang();
  if (!isApiError(error)) return null;
  const details = fieldErrors(
    error.problem,
    lang,
    (f) => pick(catalog?.fields.find((x) => x.name === f)?.label, lang, f),
    { translatedOnly: true },
  );
  return (
    <Alert
      type="error"
      showIcon
      style={{ marginTop: 12 }}
      message={problemMessage(error.problem, lang)}
      description={Object.values(details).join("；") || undefined}
      data-testid="consent-error"
    />
  );
}

/** Fresh consent for more purposes (and, if not yet given, the separate consent for sensitive data), with its evidence. */
export function AddPurposesDialog({
  client,
  catalog,
  open,
  onClose,
}: {
  client: ClientView;
  catalog: Catalog | undefined;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const [form] = Form.useForm<{
    purposes: ConsentPurpose[];
    sensitiveConsent?: boolean;
    method: ConsentMethod;
    evidenceRef: string;
  }>();
  const add = useConsentMutation(
    client,
    (id, body: Body<"/clients/{id}/consent/purposes", "post">) =>
      dataOf(http.POST("/clients/{id}/consent/purposes", { params: { path: { id } }, body })),
    () => {
      message.success(t("consent.added"));
      onClose();
    },
  );
  const available = purposesToAdd(catalog, client.consent.purposes);
  return (
    <Modal
      open={open}
      title={t("consent.addTitle")}
      okText={t("consent.addSubmit")}
      cancelText={t("app.cancel")}
      onOk={() => void form.validateFields().then((v) => add.mutate(addPurposesBody(v)))}
      onCancel={onClose}
      confirmLoading={add.isPending}
      destroyOnHidden
      afterOpenChange={(o) => o && add.reset()}
      data-testid="add-purposes-dialog"
    >
      <Typography.Paragraph type="secondary">{t("consent.addHint")}</Typography.Paragraph>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ method: "written" }}>
        <Form.Item
          name="purposes"
          label={t("consent.newPurposes")}
          rules={[{ required: true, type: "array", min: 1, message: t("consent.choosePurpose") }]}
        >
          {available.length ? (
            <Checkbox.Group
              options={available.map((p) => ({ value: p.name, label: pick(p.label, lang) }))}
              data-testid="add-purposes"
            />
          ) : (
            <Typography.Text type="secondary">{t("consent.allPurposes")}</Typography.Text>
          )}
        </Form.Item>
        {!client.consent.sensitiveConsent && (
          <Form.Item name="sensitiveConsent" valuePropName="checked" extra={t("register.sensitiveConsentHint")}>
            <Checkbox>{t("register.sensitiveConsent")}</Checkbox>
          </Form.Item>
        )}
        <Form.Item name="method" label={t("consent.method")} rules={[{ required: true }]}>
          <Select options={consentMethods.map((m) => ({ value: m, label: t(`common.consentMethods.${m}`) }))} />
        </Form.Item>
        <Form.Item
          name="evidenceRef"
          label={t("consent.evidence")}
          extra={t("register.evidenceHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input maxLength={200} autoComplete="off" data-testid="add-evidence" />
        </Form.Item>
      </Form>
      <ProblemAlert error={add.error} catalog={catalog} />
    </Modal>
  );
}

/**
 * Withdrawal (PIPL art. 15): every use stops at once and the record is scheduled for destruction.
 * It cannot be undone, so the dialog says so plainly and asks for the evidence.
 */
export function WithdrawDialog({
  client,
  catalog,
  open,
  onClose,
}: {
  client: ClientView;
  catalog: Catalog | undefined;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const [form] = Form.useForm<{
    method: ConsentMethod;
    evidenceRef: string;
    reason?: string;
    understood?: boolean;
  }>();
  const understood = Form.useWatch("understood", form);
  const withdraw = useConsentMutation(
    client,
    (id, body: Body<"/clients/{id}/consent/withdraw", "post">) =>
      dataOf(http.POST("/clients/{id}/consent/withdraw", { params: { path: { id } }, body })),
    (r) => {
      message.warning(t("consent.withdrawn", { at: formatTime(r.destroyAfter) }));
      onClose();
    },
  );
  return (
    <Modal
      open={open}
      title={t("consent.withdrawTitle")}
      okText={t("consent.withdrawSubmit")}
      okButtonProps={{
        danger: true,
        disabled: understood !== true,
        ...({ "data-testid": "withdraw-submit" } as object),
      }}
      cancelText={t("app.cancel")}
      onOk={() => void form.validateFields().then((v) => withdraw.mutate(withdrawBody(v)))}
      onCancel={onClose}
      confirmLoading={withdraw.isPending}
      destroyOnHidden
      afterOpenChange={(o) => o && withdraw.reset()}
      data-testid="withdraw-dialog"
    >
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 16 }}
        message={t("consent.withdrawWarningTitle")}
        description={t("consent.withdrawWarning")}
        data-testid="withdraw-warning"
      />
      <Form form={form} layout="vertical" preserve={false} initialValues={{ method: "written" }}>
        <Form.Item name="method" label={t("consent.method")} rules={[{ required: true }]}>
          <Select options={consentMethods.map((m) => ({ value: m, label: t(`common.consentMethods.${m}`) }))} />
        </Form.Item>
        <Form.Item
          name="evidenceRef"
          label={t("consent.withdrawEvidence")}
          extra={t("consent.withdrawEvidenceHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input maxLength={200} autoComplete="off" data-testid="withdraw-evidence" />
        </Form.Item>
        <Form.Item name="reason" label={t("consent.reason")}>
          <Input.TextArea rows={2} maxLength={500} showCount />
        </Form.Item>
        <Form.Item name="understood" valuePropName="checked" style={{ marginBottom: 0 }}>
          <Checkbox data-testid="withdraw-understood">{t("consent.withdrawUnderstood")}</Checkbox>
        </Form.Item>
      </Form>
      <ProblemAlert error={withdraw.error} catalog={catalog} />
    </Modal>
  );
}
