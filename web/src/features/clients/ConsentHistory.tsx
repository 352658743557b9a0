import { useQuery } from "@tanstack/react-query";
import { Alert, Tag, Timeline, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { purposeLabel } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { useCatalog } from "../../api/queries.ts";
import { formatTime } from "../../components/format.ts";
import { EmptyState, ErrorState, Loading } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { SealedNote } from "./SealedText.tsx";
import { noteRef } from "./sealed.ts";

/** Grants, added purposes and withdrawal, oldest first (PIPL: consent is traceable). */
export function ConsentHistory({ clientId, purposes }: { clientId: string; purposes?: string[] }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const q = useQuery({
    queryKey: ["consent", clientId],
    queryFn: () => dataOf(http.GET("/clients/{id}/consent", { params: { path: { id: clientId } } })),
  });
  if (q.isPending) return <Loading rows={3} />;
  if (q.isError) return <ErrorState error={q.error} onRetry={() => void q.refetch()} />;
  const { history, current } = q.data;
  return (
    <>
      {current.withdrawnAt && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 12 }}
          message={t("consentHistory.withdrawn", { at: formatTime(current.withdrawnAt) })}
        />
      )}
      {history.length === 0 ? (
        <EmptyState description={t("consentHistory.empty")} />
      ) : (
        <Timeline
          data-testid="consent-history"
          items={history.map((e) => ({
            color: e.type === "withdraw" ? "red" : "blue",
            children: (
              <>
                <Typography.Text strong>
                  {t(`consentHistory.types.${e.type}`, { defaultValue: e.type })}
                </Typography.Text>{" "}
                <Typography.Text type="secondary">
                  {formatTime(e.at)} · {e.by}
                </Typography.Text>
                <div>
                  {(e.purposes ?? []).map((p) => (
                    <Tag key={p} color="blue">
                      {purposeLabel(catalog, p, lang)}
                    </Tag>
                  ))}
                  {e.sensitiveConsent && <Tag color="red">{t("detail.sensitiveConsent")}</Tag>}
                  {e.method && <Tag>{t(`common.consentMethods.${e.method}`, { defaultValue: e.method })}</Tag>}
                  {e.evidenceRef && (
                    <Typography.Text className="kh-mono" style={{ fontSize: 12 }}>
                      {e.evidenceRef}
                    </Typography.Text>
                  )}
                  {e.reason && (
                    <div style={{ fontSize: 12 }}>
                      {t("consentHistory.reason")}：
                      <SealedNote
                        clientId={clientId}
                        value={e.reason}
                        noteRef={noteRef(e.reasonRef)}
                        purposes={purposes}
                        testId="consent-reason"
                      />
                    </div>
                  )}
                </div>
              </>
            ),
          }))}
        />
      )}
    </>
  );
}
