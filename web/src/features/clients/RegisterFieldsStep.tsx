import { LockOutlined } from "@ant-design/icons";
import { Card, Flex, Form, Input, InputNumber, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { type fieldsForPurpose, pick, purposeLabel, refusedFields } from "../../api/catalog.ts";
import type { Catalog } from "../../api/model.ts";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { checkField } from "./validate.ts";

type FieldGroup = ReturnType<typeof fieldsForPurpose>[number];

/** Step 2: the fields the chosen purpose allows, by tier, each checked when it loses focus. */
export function RegisterFieldsStep({
  catalog,
  purpose,
  groups,
}: {
  catalog: Catalog;
  purpose: string | undefined;
  groups: FieldGroup[];
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const refused = purpose ? refusedFields(catalog, purpose) : [];
  return (
    <>
      {purpose && (
        <Typography.Paragraph type="secondary">
          {t("register.fieldsHint", { purpose: purposeLabel(catalog, purpose, lang) })}
          {refused.length > 0 &&
            ` ${t("register.refusedHint", { fields: refused.map((f) => pick(f.label, lang)).join("、") })}`}
        </Typography.Paragraph>
      )}
      {groups.map((g) => (
        <Card
          key={g.tier}
          size="small"
          style={{ marginBottom: 12 }}
          title={<TierTag tier={g.tier} />}
          extra={
            g.tier === 1 ? (
              <Typography.Text type="danger" style={{ fontSize: 12 }}>
                <LockOutlined /> {t("register.tier1Hint")}
              </Typography.Text>
            ) : null
          }
          data-tier-group={g.tier}
        >
          <Flex gap={16} wrap>
            {g.fields.map((f) => (
              <Form.Item
                key={f.name}
                name={["fields", f.name]}
                label={pick(f.label, lang)}
                validateTrigger="onBlur"
                rules={[
                  {
                    validator: (_, v) => {
                      const p = checkField(f.name, v);
                      return p ? Promise.reject(new Error(t(`validate.${p}`))) : Promise.resolve();
                    },
                  },
                ]}
                style={{
                  width: f.maxLength && f.maxLength > 200 ? "100%" : 260,
                  maxWidth: "100%",
                  marginBottom: 16,
                }}
              >
                {f.kind === "amount" ? (
                  <InputNumber
                    min={0}
                    style={{ width: "100%" }}
                    controls={false}
                    aria-label={pick(f.label, lang)}
                    data-field={f.name}
                  />
                ) : f.maxLength && f.maxLength > 200 ? (
                  <Input.TextArea
                    maxLength={f.maxLength}
                    rows={2}
                    showCount
                    aria-label={pick(f.label, lang)}
                    data-field={f.name}
                  />
                ) : (
                  <Input
                    maxLength={f.maxLength ?? undefined}
                    autoComplete="off"
                    aria-label={pick(f.label, lang)}
                    data-field={f.name}
                  />
                )}
              </Form.Item>
            ))}
          </Flex>
        </Card>
      ))}
    </>
  );
}
