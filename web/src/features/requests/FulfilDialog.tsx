import { App, Button, Form, Modal, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldLabel } from "../../api/catalog.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors } from "../../api/problems.ts";
import { useCatalog } from "../../api/queries.ts";
import type { CopyIssued, FulfilResult, SubjectRequestView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { staffLabel } from "../../components/format.ts";
import { useLang } from "../../i18n/index.ts";
import { deletionConfirmed, mayFulfil, recordedBy } from "./requests.ts";
import { Outcome } from "./FulfilOutcome.tsx";
import { CopyIssue } from "./CopyIssue.tsx";
import { FulfilForm, type FulfilFormValues } from "./FulfilForm.tsx";
import { AlreadyFulfilled, CopyIssuedNote, RecorderNotice } from "./RequestNotes.tsx";
import { RequestSummary } from "./RequestSummary.tsx";
import { useCorrectedClient, useFulfil } from "./fulfilCalls.ts";

/** Fulfils one request by its type: copy, correction, deletion (confirmed), withdrawal, access history. */
export function FulfilDialog({ request, onClose }: { request: SubjectRequestView | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const catalog = useCatalog().data;
  const [form] = Form.useForm<FulfilFormValues>();
  const verified = Form.useWatch("verified", form);
  const confirmWord = Form.useWatch("confirmWord", form);
  const field = Form.useWatch("field", form);
  const [done, setDone] = useState<FulfilResult | null>(null);
  // The copy issued in this dialog (the list learns of it on its next read).
  const [issued, setIssued] = useState<CopyIssued | null>(null);
  const me = useSession()?.claims.staffId;
  const type = request?.type;
  const client = useCorrectedClient(request);
  const fulfil = useFulfil(request, (r) => {
    setDone(r);
    message.success(t("requests.fulfilled"));
  });

  // biome-ignore lint/correctness/useExhaustiveDependencies: runs again only when the listed values change; the form and mutation handles it calls are stable
  useEffect(() => {
    if (request) {
      form.resetFields();
      fulfil.reset();
      setDone(null);
      setIssued(null);
    }
  }, [request?.id]);

  if (!request) return <Modal open={false} />;

  const deletionReady = type !== "deletion" || (verified === true && deletionConfirmed(confirmWord));
  const recorder = recordedBy(request, me);
  const readiness = mayFulfil(request, me, Boolean(issued));
  const problem = isApiError(fulfil.error) ? fulfil.error : null;
  const details = problem
    ? fieldErrors(problem.problem, lang, (f) => fieldLabel(catalog, f, lang), { translatedOnly: true })
    : {};

  const submit = async () => fulfil.mutate(await form.validateFields());

  return (
    <Modal
      open
      width={type === "access_history" && done ? 860 : 620}
      title={`${t("requests.fulfilTitle")} · ${t(`requests.types.${request.type}`)}`}
      onCancel={onClose}
      destroyOnHidden
      data-testid="fulfil-dialog"
      footer={
        done || request.status !== "open" || recorder
          ? [
              <Button key="close" type="primary" onClick={onClose} data-testid="fulfil-close">
                {t("app.close")}
              </Button>,
            ]
          : [
              <Button key="cancel" onClick={onClose}>
                {t("app.cancel")}
              </Button>,
              <Button
                key="ok"
                type="primary"
                danger={type === "deletion" || type === "withdrawal"}
                disabled={!deletionReady || !readiness.ok}
                loading={fulfil.isPending}
                onClick={() => void submit()}
                data-testid="fulfil-submit"
              >
                {t(`requests.submit.${request.type}`)}
              </Button>,
            ]
      }
    >
      {/* Once fulfilled, the request as it is now (no longer overdue). */}
      <RequestSummary request={request} current={done?.request ?? request} />
      {request.status === "open" && !recorder && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }} data-testid="four-eyes-note">
          {t("requests.fourEyes.note", {
            by: staffLabel(request.createdByName, request.createdByUsername, request.createdBy),
          })}
        </Typography.Paragraph>
      )}
      {/* Outside the form: a link shown once stays on screen after the request is closed. */}
      {type === "access_copy" && request.status === "open" && !recorder && (
        <div style={{ marginBottom: 16 }}>
          {request.copy ? <CopyIssuedNote copy={request.copy} /> : <CopyIssue request={request} onIssued={setIssued} />}
        </div>
      )}
      {done ? (
        <div data-testid="fulfil-outcome">
          <Outcome result={done} />
        </div>
      ) : request.status !== "open" ? (
        <AlreadyFulfilled request={request} />
      ) : recorder ? (
        <RecorderNotice />
      ) : (
        <FulfilForm
          form={form}
          type={request.type}
          client={client}
          catalog={catalog}
          field={field}
          copyFirst={readiness.ok === false && readiness.reason === "copy_first"}
          problem={problem}
          details={details}
        />
      )}
    </Modal>
  );
}
