import { useInfiniteQuery } from "@tanstack/react-query";
import { Button, Flex, Table, Tag } from "antd";
import { useTranslation } from "react-i18next";
import { actionLabel, fieldLabel, purposeLabel } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { useCatalog } from "../../api/queries.ts";
import type { AccessHistoryItem } from "../../api/model.ts";
import { ActorCell } from "../../components/ActorCell.tsx";
import { stacked } from "../../components/responsive.ts";
import { formatTimeSeconds } from "../../components/format.ts";
import { EmptyState, ErrorState, Loading } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { talkTime } from "./calls.ts";

/** Who saw this client's data, when and why (the client's right to know). */
export function AccessHistory({ clientId }: { clientId: string }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const history = useInfiniteQuery({
    queryKey: ["access-history", clientId],
    queryFn: ({ pageParam }) =>
      dataOf(
        http.GET("/clients/{id}/access-history", {
          params: { path: { id: clientId }, query: { limit: 20, cursor: pageParam ?? undefined } },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
  if (history.isPending) return <Loading rows={3} />;
  if (history.isError) return <ErrorState error={history.error} onRetry={() => void history.refetch()} />;
  const items = history.data.pages.flatMap((p) => p.items);
  if (!items.length && !history.hasNextPage) return <EmptyState description={t("detail.historyEmpty")} />;
  return (
    <>
      <Table<AccessHistoryItem>
        size="small"
        rowKey={(r, i) => `${r.at}-${i}`}
        dataSource={items}
        pagination={false}
        data-testid="access-history"
        className="kh-stack"
        columns={stacked<AccessHistoryItem>([
          { title: t("detail.at"), dataIndex: "at", render: (v: string) => formatTimeSeconds(v), width: 170 },
          {
            title: t("detail.actor"),
            key: "actor",
            render: (_, r) => <ActorCell actor={r.actor} name={r.actorName} username={r.actorUsername} />,
          },
          {
            title: t("detail.action"),
            key: "action",
            render: (_, r) => (
              <>
                <Tag
                  color={
                    r.action === "client.reveal"
                      ? "volcano"
                      : r.action === "client.call" || r.action === "call.report"
                        ? "blue"
                        : "default"
                  }
                >
                  {actionLabel(catalog, r.action, lang)}
                </Tag>
                {r.breakGlass && <Tag color="red">{t("detail.breakGlass")}</Tag>}
              </>
            ),
          },
          {
            title: t("detail.fieldsCol"),
            key: "fields",
            render: (_, r) =>
              r.durationSeconds !== undefined
                ? `${t("detail.talkTime")} ${talkTime(r.durationSeconds, lang)}`
                : r.fields.map((f) => fieldLabel(catalog, f, lang)).join("、") || "—",
          },
          { title: t("detail.purposeCol"), key: "purpose", render: (_, r) => purposeLabel(catalog, r.purpose, lang) },
        ])}
      />
      {history.hasNextPage && (
        <Flex justify="center" style={{ marginTop: 12 }}>
          <Button onClick={() => void history.fetchNextPage()} loading={history.isFetchingNextPage}>
            {t("app.loadMore")}
          </Button>
        </Flex>
      )}
    </>
  );
}
