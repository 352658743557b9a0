import { CopyOutlined, DownloadOutlined, LinkOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Input, Radio, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { apiBase, client as http, dataOf, postDownload } from "../../api/http.ts";
import { ApiError, clientCodes, isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import type { CopyIssued, CopyLink, SubjectRequestView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime } from "../../components/format.ts";
import { useLang } from "../../i18n/index.ts";
import { shareLink } from "../clients/shares.ts";
import { copyBody, type CopyDelivery, type CopyFormat } from "./requests.ts";

/**
 * Issues the data subject's copy, once: a link addressed to the subject (shown here once, to be sent
 * to them) or the file itself (to hand over in person). Both go through the disclosure gate.
 */
export function CopyIssue({
  request,
  onIssued,
}: {
  request: SubjectRequestView;
  onIssued: (copy: CopyIssued) => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const session = useSession();
  const [format, setFormat] = useState<CopyFormat>("pdf");
  const [delivery, setDelivery] = useState<CopyDelivery>("share");
  const [link, setLink] = useState<CopyLink | null>(null);
  const [saved, setSaved] = useState<string | null>(null);
  const issue = useMutation({
    mutationFn: async ({ format, delivery }: { format: CopyFormat; delivery: CopyDelivery }) => {
      if (delivery === "share") {
        const answer = await dataOf(
          http.POST("/requests/{id}/copy", { params: { path: { id: request.id } }, body: copyBody(format, delivery) }),
        );
        // A copy for the subject's link answers the link; the copy itself comes only for a download.
        if (!("shareUrl" in answer))
          throw new ApiError({ status: 0, code: "unexpected_response", title: clientCodes.unexpected_response.title });
        return { link: answer };
      }
      const path = `/requests/${encodeURIComponent(request.id)}/copy`;
      return { file: await postDownload(path, copyBody(format, delivery), `copy-${request.clientId}.${format}`) };
    },
    onSuccess: (r, v) => {
      if (r.link) setLink(r.link);
      if (r.file) setSaved(r.file.name);
      onIssued({
        issuedAt: new Date().toISOString(),
        issuedBy: session?.claims.staffId ?? "",
        format: v.format,
        delivery: v.delivery,
      });
      void queryClient.invalidateQueries({ queryKey: ["requests"] });
      void queryClient.invalidateQueries({ queryKey: ["access-history", request.clientId] });
    },
  });
  const url = link ? shareLink(link.shareUrl, apiBase, window.location.origin) : "";
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(url);
      message.success(t("shares.copied"));
    } catch {
      message.info(t("shares.copyManually"));
    }
  };

  if (link) {
    return (
      <Alert
        type="success"
        showIcon
        data-testid="copy-link-issued"
        message={t("requests.copy.linkIssued", { at: formatTime(link.expiresAt), n: link.maxDownloads })}
        description={
          <>
            <Typography.Paragraph type="warning" style={{ marginBottom: 8 }}>
              {t("requests.copy.linkOnce")}
            </Typography.Paragraph>
            <Space.Compact style={{ width: "100%" }}>
              <Input
                readOnly
                value={url}
                className="kh-mono"
                data-testid="copy-link"
                onFocus={(e) => e.target.select()}
              />
              <Button icon={<CopyOutlined />} onClick={() => void copy()} data-testid="copy-link-copy">
                {t("shares.copy")}
              </Button>
            </Space.Compact>
          </>
        }
      />
    );
  }
  if (saved)
    return (
      <Alert
        type="success"
        showIcon
        data-testid="copy-file-issued"
        message={t("requests.copy.fileIssued", { name: saved })}
        description={t("requests.copy.fileHint")}
      />
    );
  return (
    <div data-testid="copy-issue">
      <Typography.Paragraph>{t("requests.explain.access_copy")}</Typography.Paragraph>
      <Space direction="vertical" size={12} style={{ width: "100%", marginBottom: 12 }}>
        <Space wrap>
          <Typography.Text strong>{t("requests.copy.format")}</Typography.Text>
          <Radio.Group
            value={format}
            onChange={(e) => setFormat(e.target.value as CopyFormat)}
            optionType="button"
            data-testid="copy-format"
          >
            <Radio.Button value="pdf">{t("requests.copy.formats.pdf")}</Radio.Button>
            <Radio.Button value="json">{t("requests.copy.formats.json")}</Radio.Button>
          </Radio.Group>
        </Space>
        <Radio.Group
          value={delivery}
          onChange={(e) => setDelivery(e.target.value as CopyDelivery)}
          data-testid="copy-delivery"
        >
          <Space direction="vertical">
            <Radio value="share" data-testid="copy-delivery-share">
              {t("requests.copy.deliveries.share")}
              <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
                {t("requests.copy.deliveryHints.share")}
              </Typography.Text>
            </Radio>
            <Radio value="download" data-testid="copy-delivery-download">
              {t("requests.copy.deliveries.download")}
              <Typography.Text type="secondary" style={{ fontSize: 12, marginLeft: 8 }}>
                {t("requests.copy.deliveryHints.download")}
              </Typography.Text>
            </Radio>
          </Space>
        </Radio.Group>
      </Space>
      <Button
        type="primary"
        icon={delivery === "share" ? <LinkOutlined /> : <DownloadOutlined />}
        loading={issue.isPending}
        onClick={() => issue.mutate({ format, delivery })}
        data-testid="copy-issue-submit"
      >
        {t("requests.copy.issue")}
      </Button>
      {isApiError(issue.error) && (
        <Alert
          type="error"
          showIcon
          style={{ marginTop: 12 }}
          data-testid="copy-error"
          message={problemMessage(issue.error.problem, lang)}
        />
      )}
    </div>
  );
}
