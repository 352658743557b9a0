import { CopyOutlined, LinkOutlined, StopOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Divider,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { pick, purposeLabel } from "../../api/catalog.ts";
import { apiBase, client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { formFieldErrors, problemMessage } from "../../api/problems.ts";
import { useCapabilities } from "../../api/queries.ts";
import type {
  Body,
  Catalog,
  ClientView,
  ConsentPurpose,
  DocumentView,
  ShareCreated,
  ShareView,
} from "../../api/model.ts";
import { stacked } from "../../components/responsive.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { EmptyState, ErrorState, Loading, useErrorMessage } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import { expiryChoices, shareBody, shareLink, shareStateColor } from "./shares.ts";
import { shareBounds } from "@keyhold/core/contract";

/**
 * Secure sharing instead of a scan sent through a chat app: a link that expires, counts its downloads
 * and can be revoked; the recipient is watermarked on every download. The link is shown once.
 */
export function ShareDialog({
  doc,
  client,
  catalog,
  kindLabel,
  onClose,
}: {
  doc: DocumentView | null;
  client: ClientView;
  catalog: Catalog;
  kindLabel: (k: string) => string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message, modal } = App.useApp();
  const errorMessage = useErrorMessage();
  const caps = useCapabilities();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{
    recipient: string;
    purpose: ConsentPurpose;
    expiresInMinutes: number;
    maxDownloads: number;
  }>();
  const [created, setCreated] = useState<ShareCreated | null>(null);
  const docId = doc?.id;
  const shares = useQuery({
    queryKey: ["shares", docId],
    queryFn: () => dataOf(http.GET("/documents/{id}/shares", { params: { path: { id: docId! } } })),
    enabled: Boolean(docId) && caps.has("GET /documents/{id}/shares"),
  });
  const create = useMutation({
    mutationFn: (body: Body<"/documents/{id}/shares", "post">) =>
      dataOf(http.POST("/documents/{id}/shares", { params: { path: { id: docId! } }, body })),
    onSuccess: (s) => {
      setCreated(s);
      form.resetFields();
      void queryClient.invalidateQueries({ queryKey: ["shares", docId] });
      void queryClient.invalidateQueries({ queryKey: ["access-history", client.id] });
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      form.setFields(
        formFieldErrors(e.problem, lang, ["recipient", "purpose", "expiresInMinutes", "maxDownloads"] as const),
      );
    },
  });
  const revoke = useMutation({
    mutationFn: (s: ShareView) =>
      dataOf(http.DELETE("/documents/{id}/shares/{shareId}", { params: { path: { id: docId!, shareId: s.id } } })),
    onSuccess: (s) => {
      // The link shown once is no use any more once revoked.
      setCreated((c) => (c?.id === s.id ? null : c));
      message.success(t("shares.revoked"));
      void queryClient.invalidateQueries({ queryKey: ["shares", docId] });
    },
    onError: (e) => message.error(errorMessage(e)),
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    setCreated(null);
    create.reset();
  }, [docId]);

  const consented = (catalog.consentPurposes ?? []).filter((p) => client.consent.purposes.includes(p.name));
  const link = created ? shareLink(created.url, apiBase, window.location.origin) : "";
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(link);
      message.success(t("shares.copied"));
    } catch {
      message.info(t("shares.copyManually"));
    }
  };

  return (
    <Modal
      open={doc !== null}
      title={doc ? `${t("shares.title")} · ${kindLabel(doc.kind)}` : ""}
      onCancel={onClose}
      footer={null}
      width={820}
      destroyOnHidden
      data-testid="share-dialog"
    >
      {created ? (
        <Alert
          type="success"
          showIcon
          style={{ marginBottom: 16 }}
          message={t("shares.created", {
            recipient: created.recipient,
            at: formatTime(created.expiresAt),
            n: created.maxDownloads,
          })}
          description={
            <>
              <Typography.Paragraph type="warning" style={{ marginBottom: 8 }}>
                {t("shares.onceOnly")}
              </Typography.Paragraph>
              <Space.Compact style={{ width: "100%" }}>
                <Input
                  readOnly
                  value={link}
                  className="kh-mono"
                  data-testid="share-link"
                  onFocus={(e) => e.target.select()}
                />
                <Button icon={<CopyOutlined />} onClick={() => void copy()}>
                  {t("shares.copy")}
                </Button>
              </Space.Compact>
            </>
          }
          closable
          onClose={() => setCreated(null)}
        />
      ) : (
        caps.has("POST /documents/{id}/shares") && (
          <Form
            form={form}
            layout="vertical"
            initialValues={{
              expiresInMinutes: 60,
              maxDownloads: 1,
              purpose: consented.length === 1 ? consented[0]!.name : undefined,
            }}
            onFinish={(v) => create.mutate(shareBody(v))}
          >
            <Typography.Paragraph type="secondary">{t("shares.hint")}</Typography.Paragraph>
            <Space align="start" wrap size={12}>
              <Form.Item
                name="recipient"
                label={t("shares.recipient")}
                rules={[{ required: true, whitespace: true, message: t("register.required") }]}
                style={{ width: 220 }}
              >
                <Input
                  maxLength={40}
                  placeholder={t("shares.recipientPlaceholder")}
                  autoComplete="off"
                  data-testid="share-recipient"
                />
              </Form.Item>
              <Form.Item
                name="purpose"
                label={t("shares.purpose")}
                rules={[{ required: true, message: t("register.required") }]}
                style={{ width: 170 }}
              >
                <Select
                  options={consented.map((p) => ({ value: p.name, label: pick(p.label, lang) }))}
                  data-testid="share-purpose"
                />
              </Form.Item>
              <Form.Item name="expiresInMinutes" label={t("shares.expiresIn")} style={{ width: 130 }}>
                <Select
                  options={expiryChoices.map((m) => ({
                    value: m,
                    label: m >= 60 ? t("shares.hours", { n: m / 60 }) : t("shares.minutes", { n: m }),
                  }))}
                />
              </Form.Item>
              <Form.Item name="maxDownloads" label={t("shares.maxDownloads")} style={{ width: 110 }}>
                <InputNumber
                  min={shareBounds.maxDownloads.min}
                  max={shareBounds.maxDownloads.max}
                  precision={0}
                  style={{ width: "100%" }}
                />
              </Form.Item>
            </Space>
            <Button
              type="primary"
              htmlType="submit"
              icon={<LinkOutlined />}
              loading={create.isPending}
              data-testid="share-create"
            >
              {t("shares.create")}
            </Button>
            {isApiError(create.error) && (
              <Alert
                type="error"
                showIcon
                style={{ marginTop: 12 }}
                message={problemMessage(create.error.problem, lang)}
                data-testid="share-error"
              />
            )}
          </Form>
        )
      )}
      <Divider orientation="left" plain>
        {t("shares.existing")}
      </Divider>
      {shares.isPending && shares.fetchStatus !== "idle" ? (
        <Loading rows={2} />
      ) : shares.isError ? (
        <ErrorState error={shares.error} onRetry={() => void shares.refetch()} />
      ) : !shares.data?.items.length ? (
        <EmptyState description={t("shares.empty")} />
      ) : (
        <Table<ShareView>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={[...shares.data.items].sort((a, b) => b.createdAt.localeCompare(a.createdAt))}
          data-testid="shares-table"
          className="kh-stack"
          columns={stacked<ShareView>([
            { title: t("shares.recipient"), dataIndex: "recipient" },
            { title: t("shares.purpose"), key: "purpose", render: (_, s) => purposeLabel(catalog, s.purpose, lang) },
            {
              title: t("shares.createdBy"),
              key: "by",
              render: (_, s) => staffLabel(s.createdByName, s.createdByUsername, s.createdBy),
            },
            { title: t("shares.expiresAt"), key: "exp", render: (_, s) => formatTime(s.expiresAt) },
            { title: t("shares.downloads"), key: "dl", render: (_, s) => `${s.downloads} / ${s.maxDownloads}` },
            {
              title: t("shares.state"),
              key: "state",
              render: (_, s) => <Tag color={shareStateColor[s.state]}>{t(`shares.states.${s.state}`)}</Tag>,
            },
            {
              title: "",
              key: "revoke",
              render: (_, s) =>
                s.state === "active" &&
                caps.has("DELETE /documents/{id}/shares/{shareId}") && (
                  <Button
                    size="small"
                    danger
                    icon={<StopOutlined />}
                    data-testid={`revoke-${s.id}`}
                    onClick={() =>
                      modal.confirm({
                        title: t("shares.revokeConfirm", { recipient: s.recipient }),
                        content: `${t("confirm.shareRevoke")}${t("confirm.irreversible")}`,
                        okButtonProps: { danger: true },
                        okText: t("shares.revoke"),
                        cancelText: t("app.cancel"),
                        onOk: () => revoke.mutateAsync(s),
                      })
                    }
                  >
                    {t("shares.revoke")}
                  </Button>
                ),
            },
          ])}
        />
      )}
    </Modal>
  );
}
