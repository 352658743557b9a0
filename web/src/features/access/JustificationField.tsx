import { CheckCircleFilled, ExclamationCircleFilled } from "@ant-design/icons";
import { Form, Input, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { MIN_DISTINCT, MIN_LETTERS, justificationStrength, strengthHint } from "./justification.ts";

/**
 * A written justification with a live count of what the API will accept: letters and digits only
 * (spaces, punctuation and invisible characters do not count), at least 20, at least 8 different.
 */
export function JustificationField({
  name = "justification",
  label,
  extra,
  testId,
}: {
  name?: string;
  label: string;
  extra?: string;
  testId?: string;
}) {
  const { t } = useTranslation();
  const form = Form.useFormInstance();
  const value = (Form.useWatch(name, form) as string | undefined) ?? "";
  const strength = justificationStrength(value);
  const hint = strengthHint(strength);
  return (
    <>
      <Form.Item
        name={name}
        label={label}
        extra={extra ?? t("access.justification.rule", { min: MIN_LETTERS, distinct: MIN_DISTINCT })}
        style={{ marginBottom: 4 }}
        rules={[
          {
            validator: (_, v: string | undefined) => {
              const h = strengthHint(justificationStrength(v));
              return h.kind === "ok"
                ? Promise.resolve()
                : Promise.reject(new Error(t(`access.justification.${h.kind}`, { n: h.missing })));
            },
          },
        ]}
      >
        <Input.TextArea rows={3} maxLength={2000} data-testid={testId} />
      </Form.Item>
      <div
        style={{ marginBottom: 16 }}
        data-testid="justification-strength"
        data-strong={strength.strong ? "true" : "false"}
      >
        <Typography.Text type={strength.strong ? "success" : value ? "warning" : "secondary"} style={{ fontSize: 12 }}>
          {strength.strong ? <CheckCircleFilled /> : <ExclamationCircleFilled />}{" "}
          {t("access.justification.count", {
            letters: strength.letters,
            min: MIN_LETTERS,
            distinct: strength.distinct,
            minDistinct: MIN_DISTINCT,
          })}
          {hint.kind !== "ok" && hint.kind !== "empty" && (
            <> · {t(`access.justification.${hint.kind}`, { n: hint.missing })}</>
          )}
        </Typography.Text>
      </div>
    </>
  );
}
