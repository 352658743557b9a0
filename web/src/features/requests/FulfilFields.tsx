import { Alert, Checkbox, Form, Input, InputNumber, Select, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { fieldsForPurpose, pick } from "../../api/catalog.ts";
import type { Catalog, ClientView } from "../../api/model.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { Loading } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { consentMethods } from "./requests.ts";

/** The fields a correction may name: those the client's collection purpose allows. */
const correctableFields = (catalog: Catalog | undefined, client: ClientView | undefined) =>
  catalog && client
    ? fieldsForPurpose(catalog, client.registration.collectionPurpose || "purchase").flatMap((g) => g.fields)
    : [];

/**
 * A correction: which field (its current value beside it) and the corrected value, typed as the
 * field is; `details` are the API's messages for either.
 */
export function CorrectionFields({
  client,
  catalog,
  field,
  details,
}: {
  client: { isPending: boolean; isError: boolean; error: unknown; data?: ClientView };
  catalog: Catalog | undefined;
  field: string | undefined;
  details: Record<string, string>;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  if (client.isPending) return <Loading rows={2} />;
  if (client.isError)
    return (
      <Alert
        type="error"
        showIcon
        message={problemMessage(
          isApiError(client.error) ? client.error.problem : { code: "unexpected_response" },
          lang,
        )}
      />
    );
  const correctable = correctableFields(catalog, client.data);
  const chosen = correctable.find((f) => f.name === field);
  return (
    <>
      <Typography.Paragraph>{t("requests.explain.correction")}</Typography.Paragraph>
      <Form.Item
        name="field"
        label={t("requests.field")}
        rules={[{ required: true, message: t("register.required") }]}
        validateStatus={details.field ? "error" : undefined}
        help={details.field}
      >
        <Select
          data-testid="correction-field"
          options={correctable.map((f) => ({
            value: f.name,
            label: (
              <Space size={4}>
                <TierTag tier={f.tier} />
                {pick(f.label, lang)}
                {client.data?.fields[f.name] !== undefined && (
                  <Typography.Text type="secondary" className="kh-mono">
                    {String(client.data.fields[f.name]!.value)}
                  </Typography.Text>
                )}
              </Space>
            ),
          }))}
        />
      </Form.Item>
      <Form.Item
        name="value"
        label={t("requests.value")}
        rules={[{ required: true, message: t("register.required") }]}
        validateStatus={details.value ? "error" : undefined}
        help={details.value}
        extra={chosen?.tier === 1 ? t("requests.tier1Correction") : undefined}
      >
        {chosen?.kind === "amount" ? (
          <InputNumber min={0} style={{ width: "100%" }} data-testid="correction-value" />
        ) : (
          <Input maxLength={chosen?.maxLength ?? 200} autoComplete="off" data-testid="correction-value" />
        )}
      </Form.Item>
    </>
  );
}

/** A deletion: the warning, the identity confirmed, and the word typed (the dialog enables the button). */
export function DeletionFields() {
  const { t } = useTranslation();
  return (
    <>
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 16 }}
        message={t("requests.deletionWarningTitle")}
        description={t("requests.deletionWarning")}
        data-testid="deletion-warning"
      />
      <Form.Item name="verified" valuePropName="checked" style={{ marginBottom: 8 }}>
        <Checkbox data-testid="deletion-verified">{t("requests.deletionVerified")}</Checkbox>
      </Form.Item>
      <Form.Item name="confirmWord" label={t("requests.deletionType")} extra={t("requests.deletionTypeHint")}>
        <Input autoComplete="off" data-testid="deletion-confirm" />
      </Form.Item>
    </>
  );
}

/** A withdrawal of consent: the warning and how the subject withdrew it. */
export function WithdrawalFields() {
  const { t } = useTranslation();
  return (
    <>
      <Alert
        type="warning"
        showIcon
        style={{ marginBottom: 16 }}
        message={t("consent.withdrawWarningTitle")}
        description={t("consent.withdrawWarning")}
      />
      <Form.Item name="method" label={t("consent.method")} rules={[{ required: true }]}>
        <Select options={consentMethods.map((m) => ({ value: m, label: t(`common.consentMethods.${m}`) }))} />
      </Form.Item>
    </>
  );
}
