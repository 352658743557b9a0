import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, Descriptions, Modal, Progress, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldLabel, purposeLabel } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useCatalog } from "../../api/queries.ts";
import type { AccessRequestView } from "../../api/model.ts";
import { useLang } from "../../i18n/index.ts";
import { REVEAL_MS, addRevealed, secondsLeft, sweep, type Revealed } from "../clients/reveal.ts";

/**
 * Uses an approved grant, once: the reveal it was approved for (`grantId` in the body). The values
 * stay in this dialog's memory for 60 s like any revealed value, and are gone when it closes.
 */
export function GrantUseDialog({ grant, onClose }: { grant: AccessRequestView | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const queryClient = useQueryClient();
  const [revealed, setRevealed] = useState<Revealed>({});
  const [now, setNow] = useState(() => Date.now());
  const use = useMutation({
    mutationFn: (g: AccessRequestView) =>
      dataOf(
        http.POST("/clients/{id}/reveal", {
          params: { path: { id: g.clientId } },
          body: { fields: g.fields, purpose: g.purpose, grantId: g.id },
        }),
      ),
    onSuccess: (r) => {
      const at = Date.now();
      setNow(at);
      setRevealed(addRevealed({}, r.fields, at));
    },
    // Used, expired or refused: the list shows the grant's new state either way.
    onSettled: (_r, _e, g) => {
      void queryClient.invalidateQueries({ queryKey: ["access-requests"] });
      void queryClient.invalidateQueries({ queryKey: ["access-history", g.clientId] });
    },
  });
  const shown = Object.keys(revealed).length > 0;

  useEffect(() => {
    if (!shown) return;
    const timer = setInterval(() => {
      const at = Date.now();
      setNow(at);
      setRevealed((s) => sweep(s, at));
    }, 250);
    return () => clearInterval(timer);
  }, [shown]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    setRevealed({});
    use.reset();
  }, [grant?.id]);

  const close = () => {
    setRevealed({});
    onClose();
  };
  const used = use.isSuccess;

  return (
    <Modal
      open={grant !== null}
      title={t("access.use.title")}
      okText={t("access.use.submit")}
      cancelText={used ? t("app.close") : t("app.cancel")}
      okButtonProps={
        {
          style: used ? { display: "none" } : undefined,
          disabled: Boolean(use.error),
          "data-testid": "grant-use-submit",
        } as never
      }
      onOk={() => grant && use.mutate(grant)}
      confirmLoading={use.isPending}
      onCancel={close}
      destroyOnHidden
      data-testid="grant-use-dialog"
    >
      {grant && (
        <>
          {!used && <Alert type="warning" showIcon style={{ marginBottom: 12 }} message={t("access.use.once")} />}
          <Descriptions size="small" column={1} bordered styles={{ label: { width: 110 } }} data-testid="grant-values">
            <Descriptions.Item label={t("access.list.client")}>
              <span className="kh-mono">{grant.clientId}</span>
            </Descriptions.Item>
            <Descriptions.Item label={t("access.list.purpose")}>
              {purposeLabel(catalog, grant.purpose, lang)}
            </Descriptions.Item>
            {grant.fields.map((f) => {
              const left = secondsLeft(revealed[f], now);
              return (
                <Descriptions.Item key={f} label={fieldLabel(catalog, f, lang)}>
                  {left > 0 ? (
                    <Space size={8} data-field={f} data-revealed="true">
                      <span
                        className="kh-mono kh-revealed"
                        style={{ whiteSpace: "nowrap" }}
                        data-testid={`grant-value-${f}`}
                      >
                        {String(revealed[f]!.value)}
                      </span>
                      <Progress
                        type="circle"
                        size={22}
                        percent={(left * 1000 * 100) / REVEAL_MS}
                        format={() => ""}
                        strokeColor="#fa8c16"
                      />
                      <Typography.Text type="warning" style={{ fontSize: 12 }}>
                        {t("detail.revealed", { s: left })}
                      </Typography.Text>
                    </Space>
                  ) : (
                    <Typography.Text type="secondary" data-field={f} data-revealed="false">
                      {used ? t("access.use.masked") : t("access.use.notYet")}
                    </Typography.Text>
                  )}
                </Descriptions.Item>
              );
            })}
          </Descriptions>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, margin: "12px 0 0" }}>
            {t("reveal.auditNotice")}
          </Typography.Paragraph>
          {isApiError(use.error) && (
            <Alert
              style={{ marginTop: 12 }}
              type="error"
              showIcon
              data-testid="grant-use-error"
              message={problemMessage(use.error.problem, lang)}
            />
          )}
        </>
      )}
    </Modal>
  );
}
