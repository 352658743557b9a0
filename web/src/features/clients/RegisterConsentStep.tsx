import { Card, Checkbox, Flex, Form, Input, Radio, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import type { Catalog } from "../../api/model.ts";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";

/** Step 3: the notice given, how consent was taken and its evidence, and separate consent for tier-1 data. */
export function RegisterConsentStep({ catalog, tier1Entered }: { catalog: Catalog; tier1Entered: boolean }) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <>
      <Form.Item
        name={["consent", "notified"]}
        valuePropName="checked"
        rules={[{ validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error(t("register.required")))) }]}
      >
        <Checkbox>{t("register.notifyText")}</Checkbox>
      </Form.Item>
      <Flex gap={16} wrap>
        <Form.Item
          name={["consent", "method"]}
          label={t("register.consentMethod")}
          rules={[{ required: true, message: t("register.required") }]}
        >
          <Radio.Group
            options={catalog.consentMethods.map((m) => ({
              value: m,
              label: t(`common.consentMethods.${m}`, { defaultValue: m }),
            }))}
          />
        </Form.Item>
        <Form.Item
          name={["consent", "evidenceRef"]}
          label={t("register.evidence")}
          extra={t("register.evidenceHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
          style={{ width: 360, maxWidth: "100%" }}
        >
          <Input placeholder="paper:consent/0001" autoComplete="off" data-field="evidenceRef" />
        </Form.Item>
      </Flex>
      <Form.Item
        name={["consent", "purposes"]}
        label={t("register.purposes")}
        rules={[{ type: "array", min: 1, message: t("register.required") }]}
      >
        <Checkbox.Group options={catalog.consentPurposes.map((p) => ({ value: p.name, label: pick(p.label, lang) }))} />
      </Form.Item>
      <Card
        size="small"
        style={{ borderColor: tier1Entered ? "#ff4d4f" : undefined, background: "#fffafa" }}
        data-testid="sensitive-consent"
      >
        <Typography.Paragraph style={{ marginTop: 0 }}>
          <TierTag tier={1} /> {t("register.sensitiveConsentHint")}
        </Typography.Paragraph>
        <Form.Item
          name={["consent", "sensitiveConsent"]}
          valuePropName="checked"
          style={{ marginBottom: 0 }}
          dependencies={[["fields"]]}
          rules={[
            {
              validator: (_, v) =>
                !tier1Entered || v
                  ? Promise.resolve()
                  : Promise.reject(new Error(t("register.sensitiveConsentRequired"))),
            },
          ]}
        >
          <Checkbox>{t("register.sensitiveConsent")}</Checkbox>
        </Form.Item>
      </Card>
    </>
  );
}
