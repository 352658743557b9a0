import { CameraOutlined, EyeOutlined, InboxOutlined, ShareAltOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Form, Modal, Select, Space, Table, Tag, Typography, Upload } from "antd";
import { useEffect, useRef, useState } from "react";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import { apiBlob, asIs, client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useCapabilities } from "../../api/queries.ts";
import type { Role } from "@keyhold/core/contract";
import type { Catalog, ClientView, DocumentView, QueryOf } from "../../api/model.ts";
import { stacked } from "../../components/responsive.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { EmptyState, ErrorState, Loading, useErrorMessage } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { JustificationField } from "../access/JustificationField.tsx";
import { checkUpload, formatBytes, kindsFor } from "./documents.ts";
import { REVEAL_MS, needsJustification, revealPurposes } from "./reveal.ts";
import { ShareDialog } from "./ShareDialog.tsx";

/** A client's scanned documents: upload (checked before sending), list, watermarked viewing for a purpose. */
export function DocumentsTab({
  client,
  catalog,
  role,
}: {
  client: ClientView;
  catalog: Catalog;
  role: Role | undefined;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const caps = useCapabilities();
  const docs = useQuery({
    queryKey: ["documents", client.id],
    queryFn: () => dataOf(http.GET("/clients/{id}/documents", { params: { path: { id: client.id } } })),
  });
  const [viewing, setViewing] = useState<DocumentView | null>(null);
  const [sharing, setSharing] = useState<DocumentView | null>(null);
  const active = (client.status ?? "active") === "active";
  const kindLabel = (kind: string) => pick(catalog.documents?.kinds.find((k) => k.name === kind)?.label, lang, kind);
  const canUpload = caps.may(role, "POST /clients/{id}/documents") && (client.status ?? "active") === "active";
  const canShare = caps.has("GET /documents/{id}/shares") || caps.has("POST /documents/{id}/shares");

  return (
    <>
      {canUpload && <UploadBox client={client} catalog={catalog} />}
      {docs.isPending ? (
        <Loading rows={3} />
      ) : docs.isError ? (
        <ErrorState error={docs.error} onRetry={() => void docs.refetch()} />
      ) : docs.data.items.length === 0 ? (
        <EmptyState description={t("documents.empty")} />
      ) : (
        <Table<DocumentView>
          size="small"
          rowKey="id"
          pagination={false}
          dataSource={docs.data.items}
          data-testid="documents"
          className="kh-stack"
          columns={stacked<DocumentView>([
            { title: t("documents.kind"), key: "kind", render: (_, d) => kindLabel(d.kind) },
            { title: t("documents.tier"), key: "tier", render: (_, d) => <TierTag tier={d.tier} /> },
            {
              title: t("documents.status"),
              key: "status",
              render: (_, d) => (
                <Tag color={d.status === "active" ? "green" : d.status === "destroyed" ? "default" : "orange"}>
                  {t(`documents.statuses.${d.status}`, { defaultValue: d.status })}
                </Tag>
              ),
            },
            { title: t("documents.size"), key: "size", render: (_, d) => formatBytes(d.size) },
            {
              title: t("documents.uploadedBy"),
              key: "uploadedBy",
              render: (_, d) => staffLabel(d.uploadedByName, d.uploadedByUsername, d.uploadedBy),
            },
            { title: t("documents.uploadedAt"), dataIndex: "uploadedAt", render: (v: string) => formatTime(v) },
            { title: t("documents.destroyAfter"), dataIndex: "destroyAfter", render: (v: string) => formatTime(v) },
            {
              title: "",
              key: "view",
              render: (_, d) =>
                d.status === "active" ? (
                  <Space size={12}>
                    {caps.has("GET /documents/{id}") && (
                      <Typography.Link onClick={() => setViewing(d)} data-testid={`view-${d.id}`}>
                        <EyeOutlined /> {t("documents.view")}
                      </Typography.Link>
                    )}
                    {canShare && active && (
                      <Typography.Link onClick={() => setSharing(d)} data-testid={`share-${d.id}`}>
                        <ShareAltOutlined /> {t("shares.share")}
                      </Typography.Link>
                    )}
                  </Space>
                ) : null,
            },
          ])}
        />
      )}
      <ViewDialog
        doc={viewing}
        client={client}
        catalog={catalog}
        role={role}
        kindLabel={kindLabel}
        onClose={() => setViewing(null)}
      />
      <ShareDialog
        doc={sharing}
        client={client}
        catalog={catalog}
        kindLabel={kindLabel}
        onClose={() => setSharing(null)}
      />
    </>
  );
}

type DocumentKind = QueryOf<"/clients/{id}/documents", "post">["kind"];

function UploadBox({ client, catalog }: { client: ClientView; catalog: Catalog }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const errorMessage = useErrorMessage();
  const queryClient = useQueryClient();
  const [kind, setKind] = useState<DocumentKind | undefined>();
  const limits = catalog.documents ?? {
    contentTypes: ["image/jpeg", "image/png", "application/pdf"],
    maxBytes: 5 * 1024 * 1024,
    kinds: [],
  };
  const kinds = kindsFor(catalog, client.registration.collectionPurpose || "purchase");
  const upload = useMutation({
    mutationFn: ({ file, contentType, kind }: { file: File; contentType: string; kind: DocumentKind }) =>
      // The file goes as it is, with its own media type (one the route lists), not as JSON.
      dataOf(
        http.POST("/clients/{id}/documents", {
          params: { path: { id: client.id }, query: { kind } },
          body: file,
          bodySerializer: asIs,
          headers: { "content-type": contentType },
        }),
      ),
    onSuccess: (_d, { file }) => {
      message.success(t("documents.uploaded", { name: file.name }));
      void queryClient.invalidateQueries({ queryKey: ["documents", client.id] });
    },
    onError: (e) => message.error(errorMessage(e)),
  });
  /** Checks a file (type, size) before anything is sent, then uploads it; false when refused here. */
  const take = (file: File): boolean => {
    if (!kind) return false;
    const check = checkUpload(file, limits);
    if (!check.ok) {
      const max = formatBytes(check.maxBytes);
      message.error(
        check.reason === "type"
          ? t("documents.badType", { name: file.name })
          : check.reason === "size"
            ? t("documents.tooLarge", { name: file.name, size: formatBytes(file.size), max })
            : t("documents.emptyFile", { name: file.name }),
      );
      return false;
    }
    upload.mutate({ file, contentType: check.contentType, kind });
    return true;
  };
  const camera = useRef<HTMLInputElement>(null);
  return (
    <div style={{ marginBottom: 16 }}>
      <Space direction="vertical" style={{ width: "100%" }} data-testid="upload">
        <Select
          placeholder={t("documents.chooseKind")}
          value={kind}
          onChange={setKind}
          style={{ width: 260, maxWidth: "100%" }}
          options={kinds.map((k) => ({
            value: k.name,
            label: `${pick(k.label, lang)} · ${pick(catalog.tiers.find((x) => x.tier === k.tier)?.label, lang)}`,
          }))}
          data-testid="document-kind"
        />
        <Upload.Dragger
          disabled={!kind || upload.isPending}
          multiple={false}
          showUploadList={false}
          accept={limits.contentTypes.join(",")}
          beforeUpload={(file) => (take(file) ? false : Upload.LIST_IGNORE)}
        >
          <p className="ant-upload-drag-icon">
            <InboxOutlined />
          </p>
          <p className="ant-upload-text">{kind ? t("documents.drop") : t("documents.chooseKind")}</p>
          <p className="ant-upload-hint">{t("documents.dropHint", { max: formatBytes(limits.maxBytes) })}</p>
        </Upload.Dragger>
      </Space>
      {/* Beside the picker: the phone's camera straight away (capture is ignored where there is none). */}
      <Button
        icon={<CameraOutlined />}
        disabled={!kind || upload.isPending}
        onClick={() => camera.current?.click()}
        style={{ marginTop: 8 }}
        block
        data-testid="camera-upload"
      >
        {t("documents.camera")}
      </Button>
      <input
        ref={camera}
        type="file"
        accept="image/*"
        capture="environment"
        hidden
        data-testid="camera-input"
        onChange={(e) => {
          const file = e.target.files?.[0];
          e.target.value = "";
          if (file) take(file);
        }}
      />
    </div>
  );
}

function ViewDialog({
  doc,
  client,
  catalog,
  role,
  kindLabel,
  onClose,
}: {
  doc: DocumentView | null;
  client: ClientView;
  catalog: Catalog;
  role: Role | undefined;
  kindLabel: (k: string) => string;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const [form] = Form.useForm<{ purpose?: string; justification?: string }>();
  const purpose = Form.useWatch("purpose", form);
  const [shown, setShown] = useState<{ url: string; type: string; until: number } | null>(null);
  const [now, setNow] = useState(Date.now());
  const { consented, breakGlass } = revealPurposes(catalog, client.consent.purposes, role);
  const min = catalog.breakGlass.minJustification;
  const askJustification = needsJustification(catalog, role, purpose);
  const view = useMutation({
    mutationFn: (v: { purpose: string; justification?: string }) =>
      apiBlob(`/documents/${encodeURIComponent(doc!.id)}`, v),
    onSuccess: ({ blob, contentType }) =>
      setShown({ url: URL.createObjectURL(blob), type: contentType, until: Date.now() + REVEAL_MS }),
  });

  // The watermarked copy lives in memory only, and only for as long as a revealed value would.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (!shown) return;
    const timer = setInterval(() => {
      setNow(Date.now());
      if (Date.now() >= shown.until) close();
    }, 500);
    return () => clearInterval(timer);
  }, [shown]);

  const close = () => {
    if (shown) URL.revokeObjectURL(shown.url);
    setShown(null);
    view.reset();
    form.resetFields();
    onClose();
  };

  return (
    <Modal
      open={doc !== null}
      title={doc ? `${t("documents.viewTitle")} · ${kindLabel(doc.kind)}` : ""}
      onCancel={close}
      width={shown ? 880 : 520}
      okText={t("reveal.submit")}
      cancelText={t("app.close")}
      okButtonProps={{ style: shown ? { display: "none" } : undefined }}
      confirmLoading={view.isPending}
      onOk={() =>
        void form.validateFields().then((v) =>
          view.mutate({
            purpose: v.purpose!,
            ...(askJustification ? { justification: v.justification?.trim() } : {}),
          }),
        )
      }
      destroyOnHidden
      data-testid="document-dialog"
    >
      {shown ? (
        <>
          <Alert
            type="warning"
            showIcon
            style={{ marginBottom: 12 }}
            message={t("documents.watermarked", { s: Math.max(0, Math.ceil((shown.until - now) / 1000)) })}
          />
          {shown.type.startsWith("image/") ? (
            <img
              src={shown.url}
              alt={doc ? kindLabel(doc.kind) : ""}
              style={{ maxWidth: "100%", border: "1px solid #e5e7eb" }}
              data-testid="document-image"
            />
          ) : (
            <iframe
              src={shown.url}
              title={doc ? kindLabel(doc.kind) : ""}
              style={{ width: "100%", height: 560, border: "1px solid #e5e7eb" }}
            />
          )}
        </>
      ) : (
        <Form form={form} layout="vertical">
          <Form.Item
            name="purpose"
            label={t("reveal.purpose")}
            extra={t("reveal.purposeHint")}
            rules={[{ required: true, message: t("register.required") }]}
          >
            <Select
              data-testid="document-purpose"
              options={[
                {
                  label: t("reveal.consentedGroup"),
                  options: consented.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
                },
                ...(breakGlass.length
                  ? [
                      {
                        label: t("reveal.breakGlassGroup"),
                        options: breakGlass.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
                      },
                    ]
                  : []),
              ]}
            />
          </Form.Item>
          {askJustification && <JustificationField label={t("reveal.justification")} testId="document-justification" />}
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
            {t("reveal.auditNotice")}
          </Typography.Paragraph>
          {isApiError(view.error) && (
            <Alert
              style={{ marginTop: 12 }}
              type="error"
              showIcon
              message={problemMessage(view.error.problem, lang, { minJustification: min })}
            />
          )}
        </Form>
      )}
    </Modal>
  );
}
