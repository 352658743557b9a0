import { Alert, Form, type FormInstance, Input, Typography } from "antd";
import { useTranslation } from "react-i18next";
import type { Catalog, ClientView, RequestType } from "../../api/model.ts";
import type { ApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useLang } from "../../i18n/index.ts";
import { CorrectionFields, DeletionFields, WithdrawalFields } from "./FulfilFields.tsx";
import type { FulfilForm as FulfilValues } from "./requests.ts";

export type FulfilFormValues = FulfilValues & { verified?: boolean; confirmWord?: string };

/**
 * What fulfilling a request of this type asks for, then a note; the API's refusal below, its field
 * messages beside their fields. `copyFirst`: an access copy must be issued before the request closes.
 */
export function FulfilForm({
  form,
  type,
  client,
  catalog,
  field,
  copyFirst,
  problem,
  details,
}: {
  form: FormInstance<FulfilFormValues>;
  type: RequestType;
  client: { isPending: boolean; isError: boolean; error: unknown; data?: ClientView };
  catalog: Catalog | undefined;
  field: string | undefined;
  copyFirst: boolean;
  problem: ApiError | null;
  details: Record<string, string>;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  return (
    <Form form={form} layout="vertical" initialValues={{ method: "written" }}>
      {type === "access_history" && <Typography.Paragraph>{t("requests.explain.access_history")}</Typography.Paragraph>}
      {type === "correction" && <CorrectionFields client={client} catalog={catalog} field={field} details={details} />}
      {type === "deletion" && <DeletionFields />}
      {type === "withdrawal" && <WithdrawalFields />}
      {copyFirst && (
        <Typography.Paragraph type="secondary" data-testid="copy-first">
          {t("requests.copy.first")}
        </Typography.Paragraph>
      )}
      <Form.Item name="note" label={t("requests.note")}>
        <Input.TextArea rows={2} maxLength={1000} showCount data-testid="fulfil-note" />
      </Form.Item>
      {problem && (
        <Alert
          type="error"
          showIcon
          data-testid="fulfil-error"
          message={problemMessage(problem.problem, lang)}
          description={
            Object.entries(details)
              .filter(([k]) => k !== "field" && k !== "value")
              .map(([, m]) => m)
              .join("；") || undefined
          }
        />
      )}
    </Form>
  );
}
