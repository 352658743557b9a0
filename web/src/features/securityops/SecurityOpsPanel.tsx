import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Form,
  Input,
  InputNumber,
  Progress,
  Space,
  Switch,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { ConfirmDialog } from "../../components/ConfirmDialog.tsx";
import { useErrorMessage } from "../../components/States.tsx";
import { staffLabel } from "../../components/format.ts";
import type { FeedSettings, KeyJobView, Settings } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { useCapabilities } from "../../api/queries.ts";
import { countsKey, isActive, jobActions, jobPercent, listedJobStatuses, rotationScopes } from "./securityops.ts";

/**
 * Security operations on the settings screen: the key rotation (HQ proposes, a compliance officer
 * confirms, everyone watches the progress) and where the trail feed goes.
 */
export function SecurityOpsPanel({ settings }: { settings: Settings }) {
  return (
    <>
      <KeyRotationCard />
      {settings.feed && <FeedCard feed={settings.feed} />}
    </>
  );
}

function KeyRotationCard() {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const session = useSession();
  const me = { staffId: session?.claims.staffId ?? "" };
  const caps = useCapabilities();
  // Who may propose, confirm and reject is the route table's gate (x-keyhold-roles).
  const may = (route: string) => caps.may(session?.claims.role, route);
  const queryClient = useQueryClient();
  const jobs = useQuery({
    queryKey: ["jobs"],
    queryFn: async () =>
      (
        await Promise.all(listedJobStatuses.map((s) => dataOf(http.GET("/jobs", { params: { query: { status: s } } }))))
      ).flatMap((r) => r.items),
    refetchInterval: (q) => ((q.state.data ?? []).some(isActive) ? 2000 : false),
  });
  // Confirming starts a rewrite of every record that cannot be stopped; rejecting ends the proposal.
  const [asking, setAsking] = useState<{ kind: "confirm" | "reject"; job: KeyJobView } | null>(null);
  const act = useMutation({
    mutationFn: (a: { kind: "propose"; scope: KeyJobView["scope"] } | { kind: "confirm" | "reject"; id: string }) =>
      a.kind === "propose"
        ? dataOf(http.POST("/settings/rotate-keys", { body: { scope: a.scope } }))
        : a.kind === "confirm"
          ? dataOf(http.POST("/jobs/{id}/confirm", { params: { path: { id: a.id } } }))
          : dataOf(http.POST("/jobs/{id}/reject", { params: { path: { id: a.id } } })),
    onSuccess: () => {
      setAsking(null);
      void queryClient.invalidateQueries({ queryKey: ["jobs"] });
    },
    onError: (e) => {
      setAsking(null);
      message.error(errorMessage(e));
    },
  });
  const open = (jobs.data ?? []).some((j) => j.status !== "done");
  const rotationTitle = (a: { kind: "confirm" | "reject"; job: KeyJobView }) => {
    const scope = t(`securityOps.rotation.scopes.${a.job.scope}`, { defaultValue: a.job.scope });
    return a.kind === "confirm"
      ? t("securityOps.rotation.confirmTitle", { scope })
      : t("securityOps.rotation.rejectTitle", { scope });
  };
  const rotationConsequence = (a: { kind: "confirm" | "reject"; job: KeyJobView }) =>
    a.kind === "reject"
      ? t("securityOps.rotation.rejectConsequence", {
          by: staffLabel(a.job.proposedByName, a.job.proposedByUsername, a.job.proposedBy),
        })
      : a.job.scope === "index"
        ? t("securityOps.rotation.confirmIndex")
        : t("securityOps.rotation.confirmData");
  return (
    <Card title={t("securityOps.rotation.title")} style={{ marginTop: 16 }} data-testid="key-rotation">
      <Typography.Paragraph type="secondary">{t("securityOps.rotation.intro")}</Typography.Paragraph>
      {may("POST /settings/rotate-keys") && (
        <Space>
          {rotationScopes.map((scope) => (
            <Button
              key={scope}
              type="primary"
              danger
              disabled={open}
              loading={act.isPending}
              onClick={() => act.mutate({ kind: "propose", scope })}
              data-testid={scope === "data" ? "propose-rotation" : `propose-${scope}-rotation`}
            >
              {t(`securityOps.rotation.proposeScope.${scope}`)}
            </Button>
          ))}
        </Space>
      )}
      <Table<KeyJobView>
        style={{ marginTop: 12 }}
        rowKey="id"
        size="small"
        pagination={false}
        loading={jobs.isPending}
        dataSource={jobs.data ?? []}
        columns={[
          {
            title: t("securityOps.rotation.job"),
            dataIndex: "id",
            render: (v: string) => <span className="kh-mono">{v}</span>,
          },
          {
            title: t("securityOps.rotation.scope"),
            dataIndex: "scope",
            render: (s: string) => t(`securityOps.rotation.scopes.${s}`, { defaultValue: s }),
          },
          {
            title: t("securityOps.rotation.status"),
            dataIndex: "status",
            render: (s: string) => <Tag>{t(`securityOps.rotation.statuses.${s}`, { defaultValue: s })}</Tag>,
          },
          {
            title: t("securityOps.rotation.proposedBy"),
            key: "proposedBy",
            render: (_, j: KeyJobView) => staffLabel(j.proposedByName, j.proposedByUsername, j.proposedBy),
          },
          {
            title: t("securityOps.rotation.progress"),
            key: "progress",
            render: (_, j) => (
              <Space direction="vertical" size={0}>
                <Progress
                  percent={jobPercent(j)}
                  size="small"
                  status={j.status === "done" ? "success" : isActive(j) ? "active" : "normal"}
                  style={{ width: 160 }}
                />
                <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                  {t(countsKey(j), {
                    done: j.progress.done,
                    total: j.progress.total ?? "—",
                    resealed: j.progress.resealed,
                    skipped: j.progress.skipped,
                  })}
                </Typography.Text>
                {j.progress.documents && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t("securityOps.rotation.documentCounts", {
                      done: j.progress.documents.done,
                      total: j.progress.documents.total,
                      resealed: j.progress.documents.resealed,
                      skipped: j.progress.documents.skipped,
                      failed: j.progress.documents.failed,
                    })}
                  </Typography.Text>
                )}
                {j.progress.wrappingKey && (
                  <Typography.Text type="secondary" style={{ fontSize: 12 }}>
                    {t("securityOps.rotation.wrappingKey", {
                      version: j.progress.wrappingKey.version,
                      retired: j.progress.wrappingKey.retired?.join("、") || "—",
                    })}
                  </Typography.Text>
                )}
                {j.certificateId && (
                  <Typography.Text style={{ fontSize: 12 }} className="kh-mono">
                    {t("securityOps.rotation.certificate", { id: j.certificateId })}
                  </Typography.Text>
                )}
              </Space>
            ),
          },
          {
            title: "",
            key: "actions",
            render: (_, j) => {
              const can = jobActions(j, me, may);
              return (
                <Space>
                  {can.confirm && (
                    <Button
                      size="small"
                      type="primary"
                      onClick={() => setAsking({ kind: "confirm", job: j })}
                      data-testid="confirm-rotation"
                    >
                      {t("securityOps.rotation.confirm")}
                    </Button>
                  )}
                  {can.reject && (
                    <Button
                      size="small"
                      onClick={() => setAsking({ kind: "reject", job: j })}
                      data-testid="reject-rotation"
                    >
                      {t("securityOps.rotation.reject")}
                    </Button>
                  )}
                </Space>
              );
            },
          },
        ]}
      />
      <ConfirmDialog
        open={asking !== null}
        title={asking ? rotationTitle(asking) : ""}
        consequence={asking ? rotationConsequence(asking) : ""}
        okText={asking?.kind === "reject" ? t("securityOps.rotation.reject") : t("securityOps.rotation.confirm")}
        loading={act.isPending}
        onConfirm={() => asking && act.mutate({ kind: asking.kind, id: asking.job.id })}
        onCancel={() => setAsking(null)}
      />
    </Card>
  );
}

function FeedCard({ feed }: { feed: FeedSettings }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const session = useSession();
  const caps = useCapabilities();
  const editable = caps.may(session?.claims.role, "POST /settings/feed/secret");
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
  // A new secret stops the old one at once: the SIEM rejects every event until it is given the new one.
  const [asking, setAsking] = useState(false);
  const save = useMutation({
    mutationFn: (patch: Partial<FeedSettings>) => dataOf(http.PATCH("/settings", { body: { feed: patch } })),
    onSuccess: (s) => {
      queryClient.setQueryData(["settings"], s);
      message.success(t("settings.saved"));
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  const rotate = useMutation({
    mutationFn: () => dataOf(http.POST("/settings/feed/secret")),
    onSuccess: (r) => {
      setAsking(false);
      setSecret(r.secret);
    },
    onError: (e) => {
      setAsking(false);
      message.error(errorMessage(e));
    },
  });
  return (
    <Card title={t("securityOps.feed.title")} style={{ marginTop: 16 }} data-testid="trail-feed">
      <Typography.Paragraph type="secondary">{t("securityOps.feed.intro")}</Typography.Paragraph>
      <Form
        layout="vertical"
        disabled={!editable}
        initialValues={{ files: feed.files, webhookUrl: feed.webhookUrl ?? "", maxAttempts: feed.maxAttempts }}
        onFinish={(v: { files: boolean; webhookUrl: string; maxAttempts: number }) =>
          save.mutate({
            files: v.files,
            webhookUrl: v.webhookUrl.trim() ? v.webhookUrl.trim() : null,
            maxAttempts: v.maxAttempts,
          })
        }
      >
        <Form.Item name="files" label={t("securityOps.feed.files")} valuePropName="checked">
          <Switch />
        </Form.Item>
        <Form.Item name="webhookUrl" label={t("securityOps.feed.webhookUrl")} extra={t("securityOps.feed.webhookHelp")}>
          <Input placeholder="https://siem.example.com/keyhold" maxLength={512} />
        </Form.Item>
        <Form.Item name="maxAttempts" label={t("securityOps.feed.maxAttempts")}>
          <InputNumber min={1} max={10} />
        </Form.Item>
        {editable && (
          <Space>
            <Button type="primary" htmlType="submit" loading={save.isPending}>
              {t("securityOps.feed.save")}
            </Button>
            <Button onClick={() => setAsking(true)} loading={rotate.isPending} data-testid="feed-secret">
              {t("securityOps.feed.newSecret")}
            </Button>
          </Space>
        )}
      </Form>
      <ConfirmDialog
        open={asking}
        title={t("securityOps.feed.newSecretTitle")}
        consequence={t("securityOps.feed.newSecretConsequence")}
        okText={t("securityOps.feed.newSecret")}
        loading={rotate.isPending}
        onConfirm={() => rotate.mutate()}
        onCancel={() => setAsking(false)}
      />
      {secret && (
        <Alert
          style={{ marginTop: 12 }}
          type="warning"
          showIcon
          message={t("securityOps.feed.secretOnce")}
          description={
            <Typography.Text copyable className="kh-mono">
              {secret}
            </Typography.Text>
          }
        />
      )}
    </Card>
  );
}
