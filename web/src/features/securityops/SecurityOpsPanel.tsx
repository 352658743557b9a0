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
import { useErrorMessage } from "../../components/States.tsx";
import { staffLabel } from "../../components/format.ts";
import type { FeedSettings, KeyJobView, Settings } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { proposesRotation, setsFeedSecret } from "@keyhold/core/contract";
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
  const me = { staffId: session?.claims.staffId ?? "", role: session?.claims.role };
  const queryClient = useQueryClient();
  const jobs = useQuery({
    queryKey: ["jobs"],
    queryFn: async () =>
      (
        await Promise.all(listedJobStatuses.map((s) => dataOf(http.GET("/jobs", { params: { query: { status: s } } }))))
      ).flatMap((r) => r.items),
    refetchInterval: (q) => ((q.state.data ?? []).some(isActive) ? 2000 : false),
  });
  const act = useMutation({
    mutationFn: (a: { kind: "propose"; scope: KeyJobView["scope"] } | { kind: "confirm" | "reject"; id: string }) =>
      a.kind === "propose"
        ? dataOf(http.POST("/settings/rotate-keys", { body: { scope: a.scope } }))
        : a.kind === "confirm"
          ? dataOf(http.POST("/jobs/{id}/confirm", { params: { path: { id: a.id } } }))
          : dataOf(http.POST("/jobs/{id}/reject", { params: { path: { id: a.id } } })),
    onSuccess: () => void queryClient.invalidateQueries({ queryKey: ["jobs"] }),
    onError: (e) => message.error(errorMessage(e)),
  });
  const open = (jobs.data ?? []).some((j) => j.status !== "done");
  return (
    <Card title={t("securityOps.rotation.title")} style={{ marginTop: 16 }} data-testid="key-rotation">
      <Typography.Paragraph type="secondary">{t("securityOps.rotation.intro")}</Typography.Paragraph>
      {proposesRotation(session?.claims.role).allowed && (
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
              const can = jobActions(j, me);
              return (
                <Space>
                  {can.confirm && (
                    <Button
                      size="small"
                      type="primary"
                      onClick={() => act.mutate({ kind: "confirm", id: j.id })}
                      data-testid="confirm-rotation"
                    >
                      {t("securityOps.rotation.confirm")}
                    </Button>
                  )}
                  {can.reject && (
                    <Button size="small" onClick={() => act.mutate({ kind: "reject", id: j.id })}>
                      {t("securityOps.rotation.reject")}
                    </Button>
                  )}
                </Space>
              );
            },
          },
        ]}
      />
    </Card>
  );
}

function FeedCard({ feed }: { feed: FeedSettings }) {
  const { t } = useTranslation();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const session = useSession();
  const editable = setsFeedSecret(session?.claims.role).allowed;
  const queryClient = useQueryClient();
  const [secret, setSecret] = useState<string | null>(null);
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
    onSuccess: (r) => setSecret(r.secret),
    onError: (e) => message.error(errorMessage(e)),
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
            <Button onClick={() => rotate.mutate()} loading={rotate.isPending} data-testid="feed-secret">
              {t("securityOps.feed.newSecret")}
            </Button>
          </Space>
        )}
      </Form>
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
