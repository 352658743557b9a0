import { Alert } from "antd";
import { useTranslation } from "react-i18next";
import type { CopyIssued, SubjectRequestView } from "../../api/model.ts";
import { formatTime } from "../../components/format.ts";
import { SealedNote } from "../clients/SealedText.tsx";
import { noteRef } from "../clients/sealed.ts";

/** What was issued of the data subject's copy: when, by whom, in which form and how it was delivered. */
export function CopyIssuedNote({ copy }: { copy: CopyIssued }) {
  const { t } = useTranslation();
  return (
    <Alert
      type="info"
      showIcon
      data-testid="copy-issued"
      message={t("requests.copy.issued", {
        at: formatTime(copy.issuedAt),
        by: copy.issuedBy,
        format: copy.format.toUpperCase(),
        delivery: t(`requests.copy.deliveries.${copy.delivery}`),
      })}
      description={t("requests.copy.onceOnly")}
    />
  );
}

/** A request fulfilled before this dialog opened: when, by whom, its sealed note, and the copy issued. */
export function AlreadyFulfilled({ request }: { request: SubjectRequestView }) {
  const { t } = useTranslation();
  return (
    <>
      <Alert
        type="success"
        showIcon
        message={t("requests.alreadyFulfilled", {
          at: formatTime(request.fulfilledAt),
          by: request.fulfilledBy ?? "—",
        })}
        description={
          request.note ? (
            <SealedNote
              clientId={request.clientId}
              value={request.note}
              noteRef={noteRef(request.noteRef)}
              testId="request-note"
            />
          ) : undefined
        }
      />
      {request.type === "access_copy" && request.copy && (
        <div style={{ marginTop: 12 }}>
          <CopyIssuedNote copy={request.copy} />
        </div>
      )}
    </>
  );
}

/** Four eyes: whoever recorded a request does not fulfil it. */
export function RecorderNotice() {
  const { t } = useTranslation();
  return (
    <Alert
      type="warning"
      showIcon
      data-testid="four-eyes-recorder"
      message={t("requests.fourEyes.recorderTitle")}
      description={t("requests.fourEyes.recorder")}
    />
  );
}
