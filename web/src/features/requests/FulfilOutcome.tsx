import { Alert, Result, Table } from "antd";
import { useTranslation } from "react-i18next";
import { actionLabel, fieldLabel, purposeLabel } from "../../api/catalog.ts";
import { useCatalog } from "../../api/queries.ts";
import type { AccessHistoryItem, CopyIssued, FulfilResult } from "../../api/model.ts";
import { ActorCell } from "../../components/ActorCell.tsx";
import { formatTime, formatTimeSeconds } from "../../components/format.ts";
import { useLang } from "../../i18n/index.ts";

/** Every cached view a fulfilment can change. */

/** What a fulfilment did, by type. */
export function Outcome({ result }: { result: FulfilResult }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const r = result.result as Record<string, unknown> | null;
  switch (result.request.type) {
    case "access_copy": {
      const copy = (r?.copy as CopyIssued | null | undefined) ?? result.request.copy;
      return (
        <Result
          status="success"
          title={t("requests.outcome.access_copy")}
          subTitle={
            copy
              ? t("requests.copy.issued", {
                  at: formatTime(copy.issuedAt),
                  by: copy.issuedBy,
                  format: copy.format.toUpperCase(),
                  delivery: t(`requests.copy.deliveries.${copy.delivery}`),
                })
              : undefined
          }
        />
      );
    }
    case "correction":
      return (
        <Result
          status="success"
          title={t("requests.outcome.correction", { field: fieldLabel(catalog, String(r?.field ?? ""), lang) })}
        />
      );
    case "deletion":
      return (
        <Result
          status="success"
          title={t("requests.outcome.deletion")}
          subTitle={
            <span data-testid="deletion-certificate">
              {t("requests.outcome.deletionCertificate", {
                id: String(r?.certificateId ?? "—"),
                at: formatTimeSeconds(String(r?.at ?? "")),
              })}
            </span>
          }
        />
      );
    case "withdrawal":
      return (
        <Result
          status="success"
          title={
            r?.alreadyWithdrawn
              ? t("requests.outcome.alreadyWithdrawn", { at: formatTime(String(r.alreadyWithdrawn)) })
              : t("requests.outcome.withdrawal")
          }
          subTitle={r?.destroyAfter ? t("consent.destroyAfter", { at: formatTime(String(r.destroyAfter)) }) : undefined}
        />
      );
    case "access_history": {
      const items = ((r?.items as AccessHistoryItem[] | undefined) ?? []).slice();
      return (
        <>
          <Alert
            type="success"
            showIcon
            style={{ marginBottom: 12 }}
            message={t("requests.outcome.access_history", { n: items.length })}
          />
          <Table<AccessHistoryItem>
            size="small"
            rowKey={(x, i) => `${x.at}-${i}`}
            pagination={items.length > 10 ? { pageSize: 10, size: "small" } : false}
            dataSource={items}
            columns={[
              { title: t("detail.at"), dataIndex: "at", render: (v: string) => formatTimeSeconds(v), width: 170 },
              { title: t("detail.actor"), key: "actor", render: (_, x) => <ActorCell actor={x.actor} /> },
              { title: t("detail.action"), key: "action", render: (_, x) => actionLabel(catalog, x.action, lang) },
              {
                title: t("detail.fieldsCol"),
                key: "fields",
                render: (_, x) => x.fields.map((f) => fieldLabel(catalog, f, lang)).join("、") || "—",
              },
              {
                title: t("detail.purposeCol"),
                key: "purpose",
                render: (_, x) => purposeLabel(catalog, x.purpose, lang),
              },
            ]}
          />
        </>
      );
    }
    default:
      return <Result status="success" title={t("requests.fulfilled")} />;
  }
}
