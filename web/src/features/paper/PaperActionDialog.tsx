import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, AutoComplete, Form, Input, Modal, Radio, Select, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { formFieldErrors, problemMessage } from "../../api/problems.ts";
import { useCatalog } from "../../api/queries.ts";
import type { Body, PaperFileView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { typedConfirmed } from "../../components/confirm.ts";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { checkinBody, checkoutPurposes, destroyMethods, witnessProblem } from "./paper.ts";
import { useStaffOptions } from "./paperQueries.ts";
import { FREE_TEXT_MASK } from "../clients/sealed.ts";

export type PaperAction = { kind: "checkout" | "checkin" | "destroy"; file: PaperFileView } | null;

type Checkout = Body<"/paper-files/{id}/checkout", "post">;
type Destroy = Body<"/paper-files/{id}/destroy", "post">;
/** One action on a file with its body, each sent to its own route. */
type PaperRun =
  | { kind: "checkout"; file: PaperFileView; body: Checkout }
  | { kind: "checkin"; file: PaperFileView; body: Body<"/paper-files/{id}/checkin", "post"> }
  | { kind: "destroy"; file: PaperFileView; body: Destroy };

function runPaperAction(run: PaperRun) {
  const params = { path: { id: run.file.id } };
  switch (run.kind) {
    case "checkout":
      return dataOf(http.POST("/paper-files/{id}/checkout", { params, body: run.body }));
    case "checkin":
      return dataOf(http.POST("/paper-files/{id}/checkin", { params, body: run.body }));
    case "destroy":
      return dataOf(http.POST("/paper-files/{id}/destroy", { params, body: run.body }));
  }
}

/** Checks a file out or in, or shreds it before a witness; `texts` are its description and location as shown. */
export function PaperActionDialog({
  action,
  texts,
  onClose,
}: {
  action: PaperAction;
  texts: { description: string; location: string } | null;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const catalog = useCatalog().data;
  const staffOptions = useStaffOptions();
  const [form] = Form.useForm<{
    purpose?: Checkout["purpose"];
    location?: string;
    witnessId?: string;
    method?: Destroy["method"];
  }>();
  const run = useMutation({
    mutationFn: runPaperAction,
    onSuccess: (f, { kind }) => {
      message.success(t(`paper.done.${kind}`, { name: named(f) }));
      void queryClient.invalidateQueries({ queryKey: ["paper-files"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      form.setFields(formFieldErrors(e.problem, lang, ["purpose", "location", "witnessId", "method"] as const));
    },
  });
  const { consented, breakGlass } = checkoutPurposes(catalog);
  const file = action?.file;
  // The sealed description names the file only once revealed; the id does otherwise.
  const named = (f: PaperFileView) => (texts && texts.description !== FREE_TEXT_MASK ? texts.description : f.id);
  const knownLocation = texts && texts.location !== FREE_TEXT_MASK ? texts.location : undefined;
  const submit = async () => {
    if (!action) return;
    const v = await form.validateFields();
    const { kind, file } = action;
    // The form's rules make the purpose and the witness present; the method has its initial value.
    if (kind === "checkout") run.mutate({ kind, file, body: { purpose: v.purpose! } });
    else if (kind === "checkin")
      run.mutate({ kind, file, body: checkinBody({ location: knownLocation ?? file.location }, v.location) });
    else run.mutate({ kind, file, body: { witnessId: v.witnessId!.trim(), method: v.method! } });
  };
  return (
    <Modal
      open={action !== null}
      title={action ? `${t(`paper.${action.kind}`)} · ${named(file!)}` : ""}
      okText={action ? t(`paper.${action.kind}Submit`) : undefined}
      okButtonProps={{ danger: action?.kind === "destroy", ...({ "data-testid": "paper-submit" } as object) }}
      cancelText={t("app.cancel")}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={run.isPending}
      destroyOnHidden
      afterOpenChange={(o) => o && run.reset()}
      data-testid="paper-dialog"
    >
      {action && (
        <Form
          form={form}
          layout="vertical"
          preserve={false}
          initialValues={{ location: knownLocation ?? "", method: "shredding" }}
        >
          <Typography.Paragraph type="secondary">
            {t("paper.where", {
              location: texts?.location ?? file!.location,
              custodian: staffLabel(file!.custodianName, file!.custodianUsername, file!.custodianId),
            })}{" "}
            · <TierTag tier={file!.tier} />
          </Typography.Paragraph>
          {action.kind === "checkout" && (
            <Form.Item
              name="purpose"
              label={t("paper.purpose")}
              extra={t("paper.purposeHint")}
              rules={[{ required: true, message: t("register.required") }]}
            >
              <Select
                data-testid="paper-purpose"
                options={[
                  {
                    label: t("reveal.consentedGroup"),
                    options: consented.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
                  },
                  {
                    label: t("paper.breakGlassGroup"),
                    options: breakGlass.map((p) => ({ value: p.name, label: pick(p.label, lang) })),
                  },
                ]}
              />
            </Form.Item>
          )}
          {action.kind === "checkin" && (
            <>
              <Typography.Paragraph>
                {t("paper.checkinHint", {
                  who: staffLabel(file!.holderName, file!.holderUsername, file!.holder?.staffId),
                  since: formatTime(file!.holder?.since),
                })}
              </Typography.Paragraph>
              <Form.Item name="location" label={t("paper.returnTo")} extra={t("paper.returnToHint")}>
                <Input maxLength={100} autoComplete="off" data-testid="paper-location" />
              </Form.Item>
            </>
          )}
          {action.kind === "destroy" && (
            <>
              <Alert type="error" showIcon style={{ marginBottom: 16 }} message={t("paper.destroyWarning")} />
              <Form.Item
                name="witnessId"
                label={t("paper.witness")}
                extra={t("paper.witnessHint")}
                rules={[
                  {
                    validator: (_, v: string | undefined) => {
                      const p = witnessProblem(v, session?.claims.staffId);
                      return p
                        ? Promise.reject(new Error(t(p === "self" ? "paper.witnessSelf" : "register.required")))
                        : Promise.resolve();
                    },
                  },
                ]}
              >
                <AutoComplete
                  options={staffOptions.filter((o) => o.value !== session?.claims.staffId)}
                  filterOption={(input, o) => String(o?.label ?? "").includes(input)}
                  data-testid="paper-witness"
                >
                  <Input autoComplete="off" placeholder="manager.zhao" />
                </AutoComplete>
              </Form.Item>
              <Form.Item name="method" label={t("paper.method")}>
                <Radio.Group options={destroyMethods.map((m) => ({ value: m, label: t(`paper.methods.${m}`) }))} />
              </Form.Item>
              <Form.Item
                name="confirmId"
                label={t("confirm.paperDestroy", { id: file!.id })}
                rules={[
                  {
                    validator: (_, v: string | undefined) =>
                      typedConfirmed(v, file!.id)
                        ? Promise.resolve()
                        : Promise.reject(new Error(t("confirm.paperDestroyMismatch"))),
                  },
                ]}
              >
                <Input autoComplete="off" spellCheck={false} className="kh-mono" data-testid="paper-destroy-confirm" />
              </Form.Item>
            </>
          )}
        </Form>
      )}
      {isApiError(run.error) && (
        <Alert type="error" showIcon message={problemMessage(run.error.problem, lang)} data-testid="paper-error" />
      )}
    </Modal>
  );
}
