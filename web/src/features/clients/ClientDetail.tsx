import {
  ArrowLeftOutlined,
  AuditOutlined,
  EyeInvisibleOutlined,
  EyeOutlined,
  FileAddOutlined,
  FileProtectOutlined,
  PlusOutlined,
  RollbackOutlined,
  SolutionOutlined,
} from "@ant-design/icons";
import { useQuery } from "@tanstack/react-query";
import {
  Alert,
  Button,
  Card,
  Col,
  Descriptions,
  Empty,
  Flex,
  Progress,
  Result,
  Row,
  Space,
  Tabs,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link, useParams } from "react-router";
import { groupByTier, purposeLabel, shown } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { useBranchNames, useCapabilities, useCatalog } from "../../api/queries.ts";
import { clientDataRoles, revealsByBreakGlass } from "@keyhold/core/contract";
import type { ClientView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, formatTimeSeconds, staffLabel } from "../../components/format.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { ErrorState, Loading } from "../../components/States.tsx";
import { TierTag, tierColors } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { AccessRequestDialog, type AccessAsk } from "../access/AccessRequestDialog.tsx";
import { AccessHistory } from "./AccessHistory.tsx";
import { CallButton } from "./CallButton.tsx";
import { PaperFilesTable } from "../paper/PaperFilesTable.tsx";
import { RegisterPaperDialog } from "../paper/RegisterPaperDialog.tsx";
import { NewRequestDialog } from "../requests/NewRequestDialog.tsx";
import { RequestsTable } from "../requests/RequestsTable.tsx";
import { clientStatus, destructionReason, purposesToAdd } from "./consent.ts";
import { AddPurposesDialog, WithdrawDialog } from "./ConsentDialogs.tsx";
import { ConsentHistory } from "./ConsentHistory.tsx";
import { DocumentsTab } from "./DocumentsTab.tsx";
import { RevealDialog, type RevealRequest } from "./RevealDialog.tsx";
import { REVEAL_MS, display, secondsLeft } from "./reveal.ts";
import { useRevealed } from "./useRevealed.ts";
import { contactFields } from "./mask.ts";
import { useIsPhone } from "../../components/responsive.ts";

export default function ClientDetail() {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const client = useQuery({
    queryKey: ["client", id],
    queryFn: () => dataOf(http.GET("/clients/{id}", { params: { path: { id } } })),
    // Every view is recorded in the trail; do not re-read behind the user's back.
    staleTime: Infinity,
  });
  return (
    <>
      <Link to="/console/clients">
        <Button type="link" icon={<ArrowLeftOutlined />} style={{ paddingInline: 0, marginBottom: 8 }}>
          {t("app.back")}
        </Button>
      </Link>
      {client.isPending ? (
        <Loading rows={8} />
      ) : client.isError ? (
        <ErrorState error={client.error} onRetry={() => void client.refetch()} />
      ) : (
        <Detail client={client.data} />
      )}
    </>
  );
}

function Detail({ client }: { client: ClientView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const caps = useCapabilities();
  const catalog = useCatalog().data;
  const branchName = useBranchNames(session?.claims.tenantId);
  const { revealed, now, add, hide } = useRevealed();
  const phone = useIsPhone();
  const [request, setRequest] = useState<RevealRequest | null>(null);
  const [ask, setAsk] = useState<AccessAsk | null>(null);
  const [dialog, setDialog] = useState<"request" | "purposes" | "withdraw" | "paper" | null>(null);
  const status = clientStatus(client);
  const role = session?.claims.role;
  const handles = role !== undefined && clientDataRoles.includes(role);
  const groups = groupByTier(client.fields, catalog, lang);
  const title = client.fields.fullName
    ? shown(client, "fullName")
    : client.fields.surname
      ? shown(client, "surname")
      : client.destroyed || client.status === "destroyed"
        ? t("detail.destroyedHeading")
        : t("detail.title");
  const reg = client.registration;
  const consent = client.consent;
  const mayReveal = caps.has("POST /clients/{id}/reveal") && status !== "destroyed";
  const canRequest = handles && status !== "destroyed" && caps.has("POST /clients/{id}/requests");
  const canAddPurposes = handles && status === "active" && caps.has("POST /clients/{id}/consent/purposes");
  const canWithdraw = handles && status === "active" && caps.has("POST /clients/{id}/consent/withdraw");
  const canRegisterPaper = handles && status !== "destroyed" && caps.has("POST /paper-files");
  // Break-glass is the compliance officer's; everyone else asks a second person first.
  const maskedFields = Object.entries(client.fields)
    .filter(([, f]) => f.masked)
    .map(([name]) => name);
  const canAsk =
    handles &&
    !revealsByBreakGlass(session?.claims.role) &&
    status !== "destroyed" &&
    maskedFields.length > 0 &&
    caps.has("POST /access-requests");

  return (
    <>
      <PageHeader
        title={
          <Space wrap size={[8, 0]}>
            {title}
            <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 14 }}>
              {client.id}
            </Typography.Text>
          </Space>
        }
        subtitle={`${branchName(client.branchId)} · ${t("detail.owner")} ${staffLabel(client.ownerName, client.ownerUsername, client.ownerId)}`}
        extra={
          <>
            {status !== "active" && (
              <Tag
                color={status === "destroyed" ? "default" : "red"}
                style={{ alignSelf: "center" }}
                data-testid="client-status"
              >
                {t(`detail.statuses.${status}`)}
              </Tag>
            )}
            <CallButton client={client} />
            {canRequest && (
              <Button icon={<SolutionOutlined />} onClick={() => setDialog("request")} data-testid="new-request">
                {t("requests.new")}
              </Button>
            )}
            {canAsk && (
              <Button icon={<AuditOutlined />} onClick={() => setAsk({ fields: [] })} data-testid="ask-access">
                {t("access.dialog.open")}
              </Button>
            )}
            {canRegisterPaper && (
              <Button icon={<FileAddOutlined />} onClick={() => setDialog("paper")} data-testid="register-paper">
                {t("paper.register")}
              </Button>
            )}
          </>
        }
      />
      {status === "destroyed" && (
        <Result
          icon={<FileProtectOutlined style={{ color: "#8c8c8c" }} />}
          title={t("detail.destroyedTitle")}
          subTitle={
            <span data-testid="destroyed-stub">
              {t("detail.destroyedStub", {
                at: formatTimeSeconds(client.destroyed?.at),
                certificate: client.destroyed?.certificateId ?? "—",
                reason: destructionReason(client.destroyed?.reason, t),
              })}
            </span>
          }
          style={{ background: "#fff", marginBottom: 16, border: "1px solid #f0f0f0", borderRadius: 8 }}
        />
      )}
      {status === "consent_withdrawn" && (
        <Alert
          type="error"
          showIcon
          style={{ marginBottom: 16 }}
          data-testid="withdrawn-banner"
          message={t("detail.withdrawnTitle", { at: formatTime(client.consent.withdrawnAt) })}
          description={t("detail.withdrawnHint", { at: formatTime(client.destroyAfter) })}
        />
      )}
      <Row gutter={[16, 16]}>
        <Col xs={24} xl={15}>
          <Card title={t("detail.fields")} styles={{ body: { padding: phone ? 12 : 24 } }} data-testid="client-fields">
            {mayReveal && contactFields.some((f) => client.fields[f]?.masked && !revealed[f]) && (
              <Typography.Paragraph
                type="secondary"
                style={{ fontSize: 12, marginTop: -8 }}
                data-testid="contact-masked-hint"
              >
                {t("detail.contactMasked")}
              </Typography.Paragraph>
            )}
            {Object.keys(client.fields).length === 0 && (
              <Empty description={status === "destroyed" ? t("detail.fieldsDestroyed") : t("detail.noVisibleFields")} />
            )}
            {groups
              .filter((g) => g.fields.length > 0)
              .map((g) => {
                const maskedHere = g.fields.filter((f) => f.masked && !revealed[f.name]).map((f) => f.name);
                return (
                  <div
                    key={g.tier}
                    data-tier-group={g.tier}
                    style={{
                      marginBottom: 16,
                      borderLeft: `3px solid var(--tier-${g.tier}, ${tierColor(g.tier)})`,
                      paddingLeft: 12,
                    }}
                  >
                    <Flex justify="space-between" align="center" style={{ marginBottom: 8 }}>
                      <TierTag tier={g.tier} />
                      {mayReveal && maskedHere.length > 1 && (
                        <Button size="small" icon={<EyeOutlined />} onClick={() => setRequest({ fields: maskedHere })}>
                          {t("detail.revealAll")}
                        </Button>
                      )}
                    </Flex>
                    {/* On a phone each field is its label over its value, so a long mask never wraps per character. */}
                    <Descriptions
                      size="small"
                      column={1}
                      bordered={!phone}
                      layout={phone ? "vertical" : "horizontal"}
                      styles={phone ? { label: { paddingBottom: 0 } } : { label: { width: 160 } }}
                    >
                      {g.fields.map((f) => {
                        const entry = revealed[f.name];
                        const left = secondsLeft(entry, now);
                        const value = display(revealed, f.name, f.value, now);
                        return (
                          <Descriptions.Item key={f.name} label={f.label}>
                            <Flex
                              justify="space-between"
                              align="center"
                              gap={8}
                              wrap
                              data-field={f.name}
                              data-revealed={left > 0 ? "true" : "false"}
                            >
                              <span
                                className={left > 0 ? "kh-mono kh-revealed" : "kh-mono"}
                                data-testid={`value-${f.name}`}
                              >
                                {String(value)}
                              </span>
                              {left > 0 ? (
                                <Space size={8}>
                                  <Progress
                                    type="circle"
                                    size={22}
                                    percent={(left * 1000 * 100) / REVEAL_MS}
                                    format={() => ""}
                                    strokeColor="#fa8c16"
                                  />
                                  <Typography.Text
                                    type="warning"
                                    style={{ fontSize: 12 }}
                                    data-testid={`countdown-${f.name}`}
                                  >
                                    {t("detail.revealed", { s: left })}
                                  </Typography.Text>
                                  <Button
                                    size="small"
                                    type="text"
                                    icon={<EyeInvisibleOutlined />}
                                    onClick={() => hide(f.name)}
                                  >
                                    {t("detail.hideNow")}
                                  </Button>
                                </Space>
                              ) : f.masked ? (
                                mayReveal && (
                                  <Button
                                    size="small"
                                    icon={<EyeOutlined />}
                                    onClick={() => setRequest({ fields: [f.name] })}
                                    data-testid={`reveal-${f.name}`}
                                  >
                                    {contactFields.includes(f.name) ? t("detail.show") : t("detail.reveal")}
                                  </Button>
                                )
                              ) : (
                                <Tag>{t("tiers.plain")}</Tag>
                              )}
                            </Flex>
                          </Descriptions.Item>
                        );
                      })}
                    </Descriptions>
                  </div>
                );
              })}
          </Card>
        </Col>
        <Col xs={24} xl={9}>
          <Card title={t("detail.registration")} size="small" style={{ marginBottom: 16 }}>
            <Descriptions size="small" column={1} layout={phone ? "vertical" : "horizontal"}>
              <Descriptions.Item label={t("detail.collectionPurpose")}>
                {purposeLabel(catalog, reg.collectionPurpose, lang)}
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.source")}>
                {reg.source ? t(`common.sources.${reg.source}`, { defaultValue: reg.source }) : "—"}
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.acquiredAt")}>{formatTime(reg.acquiredAt)}</Descriptions.Item>
              <Descriptions.Item label={t("detail.handledBy")}>
                {staffLabel(reg.handledByName, reg.handledByUsername, reg.handledBy || null)}
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.registeredAt")}>{formatTime(reg.registeredAt)}</Descriptions.Item>
              <Descriptions.Item label={t("detail.branch")}>{branchName(client.branchId)}</Descriptions.Item>
            </Descriptions>
          </Card>
          <Card
            title={t("detail.consent")}
            size="small"
            extra={
              <Space size={4}>
                {canAddPurposes && (
                  <Button
                    size="small"
                    icon={<PlusOutlined />}
                    disabled={purposesToAdd(catalog, consent.purposes).length === 0}
                    onClick={() => setDialog("purposes")}
                    data-testid="add-purposes"
                  >
                    {t("consent.add")}
                  </Button>
                )}
                {canWithdraw && (
                  <Button
                    size="small"
                    danger
                    icon={<RollbackOutlined />}
                    onClick={() => setDialog("withdraw")}
                    data-testid="withdraw-consent"
                  >
                    {t("consent.withdraw")}
                  </Button>
                )}
              </Space>
            }
          >
            <Descriptions size="small" column={1} layout={phone ? "vertical" : "horizontal"}>
              <Descriptions.Item label={t("detail.method")}>
                {consent.method ? t(`common.consentMethods.${consent.method}`, { defaultValue: consent.method }) : "—"}
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.evidence")}>
                <span className="kh-mono">{consent.evidenceRef || "—"}</span>
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.purposes")}>
                <Space size={4} wrap>
                  {consent.purposes.map((p) => (
                    <Tag key={p} color="blue">
                      {purposeLabel(catalog, p, lang)}
                    </Tag>
                  ))}
                </Space>
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.sensitiveConsent")}>
                {consent.sensitiveConsent ? t("app.yes") : t("app.no")}
              </Descriptions.Item>
              <Descriptions.Item label={t("detail.grantedAt")}>{formatTime(consent.grantedAt)}</Descriptions.Item>
              <Descriptions.Item label={t("detail.recordedBy")}>
                {staffLabel(consent.recordedByName, consent.recordedByUsername, consent.recordedBy || null)}
              </Descriptions.Item>
              {consent.withdrawnAt && (
                <Descriptions.Item label={t("detail.withdrawnAt")}>
                  <Typography.Text type="danger">{formatTime(consent.withdrawnAt)}</Typography.Text>
                </Descriptions.Item>
              )}
            </Descriptions>
          </Card>
        </Col>
        <Col span={24}>
          <Card>
            <Tabs
              items={[
                ...(caps.has("GET /clients/{id}/access-history")
                  ? [{ key: "history", label: t("detail.history"), children: <AccessHistory clientId={client.id} /> }]
                  : []),
                ...(caps.has("GET /clients/{id}/documents") && catalog
                  ? [
                      {
                        key: "documents",
                        label: t("detail.documents"),
                        children: <DocumentsTab client={client} catalog={catalog} role={session?.claims.role} />,
                      },
                    ]
                  : []),
                ...(caps.has("GET /clients/{id}/consent") && status !== "destroyed"
                  ? [
                      {
                        key: "consent",
                        label: t("detail.consentHistory"),
                        children: <ConsentHistory clientId={client.id} purposes={client.consent.purposes} />,
                      },
                    ]
                  : []),
                ...(caps.has("GET /requests") && handles
                  ? [
                      {
                        key: "requests",
                        label: t("detail.requests"),
                        children: (
                          <RequestsTable
                            filter={{ clientId: client.id }}
                            showClient={false}
                            emptyText={t("requests.emptyClient")}
                          />
                        ),
                      },
                    ]
                  : []),
                ...(caps.has("GET /paper-files") && handles
                  ? [
                      {
                        key: "paper",
                        label: t("detail.paper"),
                        children: (
                          <PaperFilesTable
                            filter={{ clientId: client.id }}
                            showClient={false}
                            emptyText={t("paper.emptyClient")}
                            purposes={client.consent.purposes}
                          />
                        ),
                      },
                    ]
                  : []),
              ]}
            />
          </Card>
        </Col>
      </Row>
      <NewRequestDialog clientId={client.id} open={dialog === "request"} onClose={() => setDialog(null)} />
      <AddPurposesDialog
        client={client}
        catalog={catalog}
        open={dialog === "purposes"}
        onClose={() => setDialog(null)}
      />
      <WithdrawDialog client={client} catalog={catalog} open={dialog === "withdraw"} onClose={() => setDialog(null)} />
      <RegisterPaperDialog clientId={client.id} open={dialog === "paper"} onClose={() => setDialog(null)} />
      <RevealDialog
        client={client}
        catalog={catalog}
        role={session?.claims.role}
        request={request}
        onClose={() => setRequest(null)}
        onRevealed={add}
        onAskApproval={setAsk}
      />
      <AccessRequestDialog client={client} catalog={catalog} ask={ask} onClose={() => setAsk(null)} />
    </>
  );
}

const tierColor = (tier: number) =>
  ({ red: "#f5222d", orange: "#fa8c16", blue: "#1677ff" })[tierColors[tier] as "red" | "orange" | "blue"] ?? "#d9d9d9";
