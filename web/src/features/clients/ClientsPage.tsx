import { PlusOutlined } from "@ant-design/icons";
import { keepPreviousData, useQuery } from "@tanstack/react-query";
import { SearchOutlined } from "@ant-design/icons";
import { Button, Card, Empty, Flex, Input, List, Space, Table, Tag, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useNavigate } from "react-router";
import { purposeLabel, tierCounts } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { useBranchNames, useCapabilities, useCatalog } from "../../api/queries.ts";
import type { ClientView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { EmptyState, ErrorState } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { CallButton } from "./CallButton.tsx";
import { clientStatus } from "./consent.ts";
import { LookupPanel } from "./LookupPanel.tsx";
import { listMatches, listValue } from "./mask.ts";
import { useIsPhone } from "../../components/responsive.ts";

const PAGE_SIZE = 20;

export default function ClientsPage() {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const caps = useCapabilities();
  const catalog = useCatalog().data;
  const navigate = useNavigate();
  const branchName = useBranchNames(session?.claims.tenantId);
  // Cursor pagination: the cursor that opened each page seen so far.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const page = cursors.length - 1;
  const phone = useIsPhone();
  const [search, setSearch] = useState("");
  const cursor = cursors[page] ?? null;
  const list = useQuery({
    queryKey: ["clients", cursor],
    queryFn: () =>
      dataOf(http.GET("/clients", { params: { query: { limit: PAGE_SIZE, cursor: cursor ?? undefined } } })),
    placeholderData: keepPreviousData,
  });
  // Without the current agreement every client route refuses: say so once, offer nothing that would fail.
  const closed =
    isApiError(list.error) && ["agreement_missing", "tenant_suspended", "tenant_offboarded"].includes(list.error.code);
  const canRegister = !closed && caps.may(session?.claims.role, "POST /clients");
  const registerButton = canRegister && (
    <Link to="/console/clients/new">
      <Button type="primary" icon={<PlusOutlined />}>
        {t("clients.register")}
      </Button>
    </Link>
  );

  const items = (list.data?.items ?? []).filter((c) => listMatches(c, search));
  const nameOf = (c: ClientView) =>
    clientStatus(c) === "destroyed"
      ? t("clients.destroyedName")
      : c.fields.fullName
        ? listValue(c.fields.fullName, "fullName")
        : listValue(c.fields.surname, "surname");
  const tierTags = (c: ClientView) => {
    const counts = tierCounts(c);
    return ([1, 2, 3] as const)
      .filter((tier) => counts[tier] > 0)
      .map((tier) => <TierTag key={tier} tier={tier} count={counts[tier]} />);
  };

  return (
    <>
      <PageHeader title={t("clients.title")} subtitle={t("clients.subtitle")} extra={registerButton} />
      {/* On a phone the list comes first and the duplicate check after it; on a desktop, the check first. */}
      {!phone && !closed && caps.has("POST /clients/lookup") && <LookupPanel />}
      {!closed && (
        <Input
          allowClear
          prefix={<SearchOutlined />}
          placeholder={t("clients.search")}
          value={search}
          onChange={(e) => setSearch(e.target.value)}
          style={{ marginBottom: 12, maxWidth: phone ? undefined : 360 }}
          aria-label={t("clients.search")}
          data-testid="client-search"
        />
      )}
      <Card styles={{ body: { padding: 0 } }}>
        {list.isError ? (
          <ErrorState error={list.error} onRetry={() => void list.refetch()} />
        ) : !list.isPending && list.data?.items.length === 0 && page === 0 ? (
          <EmptyState description={t("clients.empty")} action={registerButton} />
        ) : (
          <>
            {phone ? (
              // A phone gets one card per client: name, mobile (masked), tiers and when, tapped to open.
              <List<ClientView>
                loading={list.isPending || list.isFetching}
                dataSource={items}
                locale={{ emptyText: <Empty description={search ? t("clients.noMatch") : t("clients.empty")} /> }}
                data-testid="client-cards"
                renderItem={(c) => {
                  const status = clientStatus(c);
                  return (
                    <List.Item
                      key={c.id}
                      data-client={c.id}
                      className="kh-client-card"
                      onClick={() => navigate(`/console/clients/${c.id}`)}
                      style={{ cursor: "pointer", padding: "12px 16px", display: "block" }}
                    >
                      <Flex justify="space-between" align="center" gap={8}>
                        <Space size={6} style={{ minWidth: 0 }}>
                          <Typography.Text
                            strong
                            type={status === "destroyed" ? "secondary" : undefined}
                            style={{ fontSize: 16 }}
                          >
                            {nameOf(c)}
                          </Typography.Text>
                          {status !== "active" && (
                            <Tag color={status === "destroyed" ? "default" : "red"}>
                              {t(`detail.statuses.${status}`)}
                            </Tag>
                          )}
                        </Space>
                        {/* biome-ignore lint/a11y/noStaticElementInteractions lint/a11y/useKeyWithClickEvents: only keeps the card's own click from firing under the call button, which is itself a keyboard-reachable button */}
                        <span onClick={(e) => e.stopPropagation()}>
                          <CallButton client={c} size="small" />
                        </span>
                      </Flex>
                      <Flex justify="space-between" align="center" gap={8} wrap style={{ marginTop: 6 }}>
                        <span className="kh-mono" style={{ whiteSpace: "nowrap" }}>
                          {listValue(c.fields.phone, "phone")}
                        </span>
                        <Space size={0} wrap>
                          {tierTags(c)}
                        </Space>
                      </Flex>
                      <Typography.Text type="secondary" style={{ fontSize: 12, display: "block", marginTop: 4 }}>
                        {purposeLabel(catalog, c.registration.collectionPurpose, lang)} · {branchName(c.branchId)} ·{" "}
                        {formatTime(c.registration.registeredAt)}
                      </Typography.Text>
                    </List.Item>
                  );
                }}
              />
            ) : (
              <Table<ClientView>
                rowKey="id"
                loading={list.isPending || list.isFetching}
                dataSource={items}
                locale={{ emptyText: search ? t("clients.noMatch") : undefined }}
                pagination={false}
                onRow={(c) => ({ onClick: () => navigate(`/console/clients/${c.id}`), style: { cursor: "pointer" } })}
                columns={[
                  {
                    title: t("clients.name"),
                    key: "name",
                    render: (_, c) => {
                      const status = clientStatus(c);
                      return (
                        <Space size={6}>
                          <Typography.Text strong type={status === "destroyed" ? "secondary" : undefined}>
                            {nameOf(c)}
                          </Typography.Text>
                          {status !== "active" && (
                            <Tag color={status === "destroyed" ? "default" : "red"}>
                              {t(`detail.statuses.${status}`)}
                            </Tag>
                          )}
                        </Space>
                      );
                    },
                  },
                  {
                    title: t("clients.phone"),
                    key: "phone",
                    render: (_, c) => <span className="kh-mono">{listValue(c.fields.phone, "phone")}</span>,
                  },
                  {
                    title: t("clients.tiers"),
                    key: "tiers",
                    render: (_, c) => (
                      <Space size={0} wrap>
                        {tierTags(c)}
                      </Space>
                    ),
                  },
                  {
                    title: t("clients.purpose"),
                    key: "purpose",
                    render: (_, c) => purposeLabel(catalog, c.registration.collectionPurpose, lang),
                  },
                  { title: t("clients.branch"), key: "branch", render: (_, c) => branchName(c.branchId) },
                  {
                    title: t("clients.owner"),
                    key: "owner",
                    render: (_, c) => staffLabel(c.ownerName, c.ownerUsername, c.ownerId),
                  },
                  {
                    title: t("clients.registeredAt"),
                    key: "at",
                    render: (_, c) => formatTime(c.registration.registeredAt),
                  },
                  {
                    title: t("clients.actions"),
                    key: "open",
                    render: (_, c) => (
                      <Space size={8}>
                        <Link to={`/console/clients/${c.id}`} onClick={(e) => e.stopPropagation()}>
                          {t("clients.open")}
                        </Link>
                        <CallButton client={c} size="small" />
                      </Space>
                    ),
                  },
                ]}
              />
            )}
            <Flex justify="flex-end" align="center" gap={8} wrap style={{ padding: 12 }}>
              <Typography.Text type="secondary">{t("app.page", { n: page + 1 })}</Typography.Text>
              <Button
                size="small"
                disabled={page === 0 || list.isFetching}
                onClick={() => setCursors((c) => c.slice(0, -1))}
              >
                {t("app.prevPage")}
              </Button>
              <Button
                size="small"
                disabled={!list.data?.nextCursor || list.isFetching}
                onClick={() => setCursors((c) => [...c, list.data!.nextCursor])}
              >
                {t("app.nextPage")}
              </Button>
            </Flex>
          </>
        )}
      </Card>
      {phone && !closed && caps.has("POST /clients/lookup") && (
        <div style={{ marginTop: 16 }}>
          <LookupPanel />
        </div>
      )}
    </>
  );
}
