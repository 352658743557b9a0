import { DatePicker, Flex, Form, Input, Radio, Select } from "antd";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import type { Catalog } from "../../api/model.ts";
import { useLang } from "../../i18n/index.ts";

/** Step 1 of registration: why the data is collected, where it came from and when, at which branch. */
export function RegisterBasisStep({
  catalog,
  phone,
  branch,
  label,
}: {
  catalog: Catalog;
  phone: boolean;
  branch: string;
  label: (field: string) => string;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <>
      <Form.Item
        name="collectionPurpose"
        label={t("register.purpose")}
        extra={t("register.purposeHint")}
        rules={[{ required: true, message: t("register.required") }]}
      >
        <Radio.Group style={{ width: "100%" }}>
          <Flex gap={12} wrap>
            {catalog.collectionPurposes.map((p) => (
              <Radio.Button
                key={p.name}
                value={p.name}
                style={{
                  height: "auto",
                  padding: "8px 16px",
                  lineHeight: 1.6,
                  minWidth: 190,
                  flex: phone ? "1 1 100%" : undefined,
                }}
              >
                <div style={{ fontWeight: 600 }} data-purpose={p.name}>
                  {pick(p.label, lang)}
                </div>
                <div style={{ fontSize: 12, color: "#6b7280" }}>
                  {p.refuses.length
                    ? t("register.refusedHint", { fields: p.refuses.map(label).join("、") })
                    : t("register.fieldCount", { count: p.allows.length })}
                </div>
              </Radio.Button>
            ))}
          </Flex>
        </Radio.Group>
      </Form.Item>
      <Flex gap={16} wrap>
        <Form.Item
          name="source"
          label={t("register.source")}
          rules={[{ required: true, message: t("register.required") }]}
          style={{ minWidth: 200, maxWidth: "100%" }}
        >
          <Select
            options={catalog.sources.map((s) => ({
              value: s,
              label: t(`common.sources.${s}`, { defaultValue: s }),
            }))}
          />
        </Form.Item>
        <Form.Item
          name="acquiredAt"
          label={t("register.acquiredAt")}
          rules={[{ required: true, message: t("register.required") }]}
        >
          <DatePicker
            showTime={{ format: "HH:mm" }}
            format="YYYY-MM-DD HH:mm"
            disabledDate={(d) => d.isAfter(dayjs(), "day")}
            allowClear={false}
          />
        </Form.Item>
        <Form.Item label={t("register.branch")}>
          <Input value={branch} disabled style={{ width: 180 }} />
        </Form.Item>
      </Flex>
    </>
  );
}
