import { Descriptions, Tag } from "antd";
import { useTranslation } from "react-i18next";
import type { SubjectRequestView } from "../../api/model.ts";
import { formatTime } from "../../components/format.ts";
import { SealedNote } from "../clients/SealedText.tsx";
import { noteRef } from "../clients/sealed.ts";

/**
 * The request as recorded: client, channel, receipt, evidence and its sealed details; the due date
 * as it stands now (`current`: once fulfilled here, no longer overdue).
 */
export function RequestSummary({
  request,
  current,
}: {
  request: SubjectRequestView;
  current: Pick<SubjectRequestView, "dueAt" | "overdue">;
}) {
  const { t } = useTranslation();
  return (
    <Descriptions size="small" column={2} style={{ marginBottom: 16 }}>
      <Descriptions.Item label={t("requests.client")}>
        <span className="kh-mono">{request.clientId}</span>
      </Descriptions.Item>
      <Descriptions.Item label={t("requests.channel")}>
        {t(`requests.channels.${request.channel}`, { defaultValue: request.channel })}
      </Descriptions.Item>
      <Descriptions.Item label={t("requests.receivedAt")}>{formatTime(request.receivedAt)}</Descriptions.Item>
      <Descriptions.Item label={t("requests.dueAt")}>
        {formatTime(current.dueAt)} {current.overdue && <Tag color="red">{t("requests.overdue")}</Tag>}
      </Descriptions.Item>
      <Descriptions.Item label={t("requests.evidence")} span={2}>
        <span className="kh-mono">{request.evidenceRef}</span>
      </Descriptions.Item>
      {request.details && (
        <Descriptions.Item label={t("requests.details")} span={2}>
          <SealedNote
            clientId={request.clientId}
            value={request.details}
            noteRef={noteRef(request.detailsRef)}
            testId="request-details"
          />
        </Descriptions.Item>
      )}
    </Descriptions>
  );
}
