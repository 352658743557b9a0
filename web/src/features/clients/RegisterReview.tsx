import { Descriptions, Space, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { purposeLabel } from "../../api/catalog.ts";
import type { Catalog } from "../../api/model.ts";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import type { FormValues } from "./wizardValues.ts";

/** Step 4: everything entered, read back before it is registered. */
export function RegisterReview({
  catalog,
  review,
  reviewFields,
  phone,
  label,
}: {
  catalog: Catalog;
  review: FormValues;
  reviewFields: [string, string | number | null][];
  phone: boolean;
  label: (field: string) => string;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <>
      <Typography.Title level={5}>{t("register.review")}</Typography.Title>
      <Descriptions bordered size="small" column={1} layout={phone ? "vertical" : "horizontal"} data-testid="review">
        <Descriptions.Item label={t("register.purpose")}>
          {purposeLabel(catalog, review.collectionPurpose, lang)}
        </Descriptions.Item>
        <Descriptions.Item label={t("register.source")}>
          {t(`common.sources.${review.source}`, { defaultValue: review.source ?? "" })}
        </Descriptions.Item>
        <Descriptions.Item label={t("register.acquiredAt")}>
          {review.acquiredAt?.format("YYYY-MM-DD HH:mm")}
        </Descriptions.Item>
        {reviewFields.map(([name, value]) => (
          <Descriptions.Item
            key={name}
            label={
              <Space size={4}>
                <TierTag tier={catalog.fields.find((f) => f.name === name)?.tier ?? 3} />
                {label(name)}
              </Space>
            }
          >
            {String(value)}
          </Descriptions.Item>
        ))}
        <Descriptions.Item label={t("register.consentMethod")}>
          {t(`common.consentMethods.${review.consent?.method}`, { defaultValue: review.consent?.method ?? "" })}
        </Descriptions.Item>
        <Descriptions.Item label={t("register.evidence")}>{review.consent?.evidenceRef}</Descriptions.Item>
        <Descriptions.Item label={t("register.purposes")}>
          {(review.consent?.purposes ?? []).map((p) => purposeLabel(catalog, p, lang)).join("、")}
        </Descriptions.Item>
        <Descriptions.Item label={t("detail.sensitiveConsent")}>
          {review.consent?.sensitiveConsent ? t("app.yes") : t("app.no")}
        </Descriptions.Item>
      </Descriptions>
    </>
  );
}
