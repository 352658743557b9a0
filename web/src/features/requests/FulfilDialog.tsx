import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Checkbox,
  Descriptions,
  Form,
  Input,
  InputNumber,
  Modal,
  Select,
  Space,
  Tag,
  Typography,
} from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { fieldLabel, fieldsForPurpose, pick } from "../../api/catalog.ts";
import { api } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useCatalog } from "../../api/queries.ts";
import type { ClientView, CopyIssued, FulfilResult, SubjectRequestView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime } from "../../components/format.ts";
import { Loading } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { SealedNote } from "../clients/SealedText.tsx";
import { noteRef } from "../clients/sealed.ts";
import { consentMethods, deletionConfirmed, fulfilBody, mayFulfil, recordedBy, type FulfilForm } from "./requests.ts";

/** Every cached view a fulfilment can change. */
import { Outcome } from "./FulfilOutcome.tsx";
import { CopyIssue } from "./CopyIssue.tsx";

export function invalidateAfterRequest(queryClient: ReturnType<typeof useQueryClient>, clientId: string) {
  for (const key of [
    ["requests"],
    ["client", clientId],
    ["clients"],
    ["consent", clientId],
    ["access-history", clientId],
    ["documents", clientId],
    ["paper-files"],
  ]) {
    void queryClient.invalidateQueries({ queryKey: key });
  }
}

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

/** Fulfils one request by its type: copy, correction, deletion (confirmed), withdrawal, access history. */
export function FulfilDialog({ request, onClose }: { request: SubjectRequestView | null; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const catalog = useCatalog().data;
  const [form] = Form.useForm<FulfilForm & { verified?: boolean; confirmWord?: string }>();
  const verified = Form.useWatch("verified", form);
  const confirmWord = Form.useWatch("confirmWord", form);
  const field = Form.useWatch("field", form);
  const [done, setDone] = useState<FulfilResult | null>(null);
  // The copy issued in this dialog (the list learns of it on its next read).
  const [issued, setIssued] = useState<CopyIssued | null>(null);
  const me = useSession()?.claims.staffId;
  const type = request?.type;
  // A correction needs the client's collection purpose (which fields it may hold); reading it is a view, audited.
  const client = useQuery({
    queryKey: ["client", request?.clientId],
    queryFn: () => api<ClientView>("GET", `/clients/${encodeURIComponent(request!.clientId)}`),
    enabled: type === "correction" && request?.status === "open",
    staleTime: Infinity,
  });

  const fulfil = useMutation({
    mutationFn: (body: Record<string, unknown>) =>
      api<FulfilResult>("POST", `/requests/${encodeURIComponent(request!.id)}/fulfil`, { body }),
    onSuccess: (r) => {
      setDone(r);
      message.success(t("requests.fulfilled"));
      invalidateAfterRequest(queryClient, r.request.clientId);
    },
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
  // Once fulfilled, describe the request as it is now (no longer overdue).
  const shownRequest = done?.request ?? request;

  const correctable =
    catalog && client.data
      ? fieldsForPurpose(catalog, client.data.registration.collectionPurpose || "purchase").flatMap((g) => g.fields)
      : [];
  const chosen = correctable.find((f) => f.name === field);
  const deletionReady = type !== "deletion" || (verified === true && deletionConfirmed(confirmWord));
  const recorder = recordedBy(request, me);
  const readiness = mayFulfil(request, me, Boolean(issued));
  const problem = isApiError(fulfil.error) ? fulfil.error : null;
  const details = problem
    ? fieldErrors(problem.problem, lang, (f) => fieldLabel(catalog, f, lang), { translatedOnly: true })
    : {};

  const submit = async () => {
    const v = await form.validateFields();
    fulfil.mutate(fulfilBody(request.type, v));
  };

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
      <Descriptions size="small" column={2} style={{ marginBottom: 16 }}>
        <Descriptions.Item label={t("requests.client")}>
          <span className="kh-mono">{request.clientId}</span>
        </Descriptions.Item>
        <Descriptions.Item label={t("requests.channel")}>
          {t(`requests.channels.${request.channel}`, { defaultValue: request.channel })}
        </Descriptions.Item>
        <Descriptions.Item label={t("requests.receivedAt")}>{formatTime(request.receivedAt)}</Descriptions.Item>
        <Descriptions.Item label={t("requests.dueAt")}>
          {formatTime(shownRequest.dueAt)} {shownRequest.overdue && <Tag color="red">{t("requests.overdue")}</Tag>}
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

      {request.status === "open" && !recorder && (
        <Typography.Paragraph type="secondary" style={{ fontSize: 12 }} data-testid="four-eyes-note">
          {t("requests.fourEyes.note", { by: request.createdBy })}
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
      ) : recorder ? (
        <Alert
          type="warning"
          showIcon
          data-testid="four-eyes-recorder"
          message={t("requests.fourEyes.recorderTitle")}
          description={t("requests.fourEyes.recorder")}
        />
      ) : (
        <Form form={form} layout="vertical" initialValues={{ method: "written" }}>
          {type === "access_history" && (
            <Typography.Paragraph>{t("requests.explain.access_history")}</Typography.Paragraph>
          )}
          {type === "correction" &&
            (client.isPending ? (
              <Loading rows={2} />
            ) : client.isError ? (
              <Alert
                type="error"
                showIcon
                message={problemMessage(
                  isApiError(client.error) ? client.error.problem : { code: "unexpected_response" },
                  lang,
                )}
              />
            ) : (
              <>
                <Typography.Paragraph>{t("requests.explain.correction")}</Typography.Paragraph>
                <Form.Item
                  name="field"
                  label={t("requests.field")}
                  rules={[{ required: true, message: t("register.required") }]}
                  validateStatus={details.field ? "error" : undefined}
                  help={details.field}
                >
                  <Select
                    data-testid="correction-field"
                    options={correctable.map((f) => ({
                      value: f.name,
                      label: (
                        <Space size={4}>
                          <TierTag tier={f.tier} />
                          {pick(f.label, lang)}
                          {client.data?.fields[f.name] !== undefined && (
                            <Typography.Text type="secondary" className="kh-mono">
                              {String(client.data.fields[f.name]!.value)}
                            </Typography.Text>
                          )}
                        </Space>
                      ),
                    }))}
                  />
                </Form.Item>
                <Form.Item
                  name="value"
                  label={t("requests.value")}
                  rules={[{ required: true, message: t("register.required") }]}
                  validateStatus={details.value ? "error" : undefined}
                  help={details.value}
                  extra={chosen?.tier === 1 ? t("requests.tier1Correction") : undefined}
                >
                  {chosen?.kind === "amount" ? (
                    <InputNumber min={0} style={{ width: "100%" }} data-testid="correction-value" />
                  ) : (
                    <Input maxLength={chosen?.maxLength ?? 200} autoComplete="off" data-testid="correction-value" />
                  )}
                </Form.Item>
              </>
            ))}
          {type === "deletion" && (
            <>
              <Alert
                type="error"
                showIcon
                style={{ marginBottom: 16 }}
                message={t("requests.deletionWarningTitle")}
                description={t("requests.deletionWarning")}
                data-testid="deletion-warning"
              />
              <Form.Item name="verified" valuePropName="checked" style={{ marginBottom: 8 }}>
                <Checkbox data-testid="deletion-verified">{t("requests.deletionVerified")}</Checkbox>
              </Form.Item>
              <Form.Item name="confirmWord" label={t("requests.deletionType")} extra={t("requests.deletionTypeHint")}>
                <Input autoComplete="off" data-testid="deletion-confirm" />
              </Form.Item>
            </>
          )}
          {type === "withdrawal" && (
            <>
              <Alert
                type="warning"
                showIcon
                style={{ marginBottom: 16 }}
                message={t("consent.withdrawWarningTitle")}
                description={t("consent.withdrawWarning")}
              />
              <Form.Item name="method" label={t("consent.method")} rules={[{ required: true }]}>
                <Select options={consentMethods.map((m) => ({ value: m, label: t(`common.consentMethods.${m}`) }))} />
              </Form.Item>
            </>
          )}
          {readiness.ok === false && readiness.reason === "copy_first" && (
            <Typography.Paragraph type="secondary" data-testid="copy-first">
              {t("requests.copy.first")}
            </Typography.Paragraph>
          )}
          <Form.Item name="note" label={t("requests.note")}>
            <Input.TextArea rows={2} maxLength={1000} showCount data-testid="fulfil-note" />
          </Form.Item>
          {problem && (
            <Alert
              type="error"
              showIcon
              data-testid="fulfil-error"
              message={problemMessage(problem.problem, lang)}
              description={
                Object.entries(details)
                  .filter(([k]) => k !== "field" && k !== "value")
                  .map(([, m]) => m)
                  .join("；") || undefined
              }
            />
          )}
        </Form>
      )}
    </Modal>
  );
}
