import {
  EyeInvisibleOutlined,
  EyeOutlined,
  ExportOutlined,
  ImportOutlined,
  LockOutlined,
  PrinterOutlined,
  ScissorOutlined,
} from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  AutoComplete,
  Button,
  Form,
  Input,
  Modal,
  Radio,
  Select,
  Space,
  Table,
  Tag,
  Typography,
} from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { Link } from "react-router";
import { pick, purposeLabel } from "../../api/catalog.ts";
import { api, apiBlob } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import type { PaperFileView, StaffView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { EmptyState, ErrorState } from "../../components/States.tsx";
import { typedConfirmed } from "../../components/confirm.ts";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import {
  checkinBody,
  checkoutPurposes,
  destroyMethods,
  labelPath,
  labelUnavailable,
  paperActions,
  registerPaperBody,
  sortPaperFiles,
  witnessProblem,
} from "./paper.ts";
import { SealedRevealDialog } from "../clients/SealedText.tsx";
import { display } from "../clients/reveal.ts";
import { FREE_TEXT_MASK, type SealedTarget } from "../clients/sealed.ts";
import { useRevealed } from "../clients/useRevealed.ts";

export interface PaperFilter {
  clientId?: string;
  status?: PaperFileView["status"];
}

export function usePaperFiles(filter: PaperFilter) {
  return useQuery({
    queryKey: ["paper-files", filter],
    queryFn: () =>
      api<{ items: PaperFileView[] }>("GET", "/paper-files", {
        query: { clientId: filter.clientId, status: filter.status },
      }),
  });
}

/**
 * Colleagues to name as custodian or witness: from GET /staff where the role may list staff (managers,
 * HQ, compliance); an agent types the colleague's id.
 */
export function useStaffOptions() {
  const caps = useCapabilities();
  const session = useSession();
  const role = session?.claims.role;
  const enabled =
    caps.has("GET /staff") && (role === "branch_manager" || role === "compliance_officer" || role === "hq_admin");
  const staff = useQuery({
    queryKey: ["staff"],
    queryFn: () => api<{ items: StaffView[] }>("GET", "/staff"),
    enabled,
    staleTime: 60_000,
  });
  return (staff.data?.items ?? [])
    .filter((s) => s.status === "active")
    .map((s) => ({ value: s.id, label: `${s.displayName}（${s.id}）` }));
}

type Action = { kind: "checkout" | "checkin" | "destroy"; file: PaperFileView } | null;

/**
 * The paper-file register: where each file is, who holds it and why, and its shredding with a witness.
 * Descriptions and locations are sealed: the mask until revealed for a purpose (both at once, in the
 * trail), then in clear for 60 seconds. `purposes` are the client's consented ones when known.
 */
export function PaperFilesTable({
  filter,
  showClient = true,
  emptyText,
  purposes,
}: {
  filter: PaperFilter;
  showClient?: boolean;
  emptyText?: string;
  purposes?: string[];
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const caps = useCapabilities();
  const catalog = useCatalog().data;
  const files = usePaperFiles(filter);
  const [action, setAction] = useState<Action>(null);
  const { revealed, now, add, hide } = useRevealed();
  const [sealed, setSealed] = useState<SealedTarget | null>(null);
  const textOf = (f: PaperFileView, which: "description" | "location") =>
    String(display(revealed, `${f.id}.${which}`, f[which], now));
  const isOpen = (f: PaperFileView) =>
    textOf(f, "description") !== f.description || textOf(f, "location") !== f.location;
  const mayReveal = caps.has("POST /paper-files/{id}/reveal");

  const dialog = (
    <>
      <PaperActionDialog
        action={action}
        texts={
          action ? { description: textOf(action.file, "description"), location: textOf(action.file, "location") } : null
        }
        onClose={() => setAction(null)}
      />
      <SealedRevealDialog target={sealed} purposes={purposes} onClose={() => setSealed(null)} onRevealed={add} />
    </>
  );
  if (files.isError) return <ErrorState error={files.error} onRetry={() => void files.refetch()} />;
  if (!files.isPending && files.data.items.length === 0)
    return (
      <>
        <EmptyState description={emptyText ?? t("paper.empty")} />
        {dialog}
      </>
    );

  return (
    <>
      <Table<PaperFileView>
        rowKey="id"
        size={showClient ? "middle" : "small"}
        loading={files.isPending}
        dataSource={sortPaperFiles(files.data?.items ?? [])}
        pagination={(files.data?.items.length ?? 0) > 20 ? { pageSize: 20, showSizeChanger: false } : false}
        data-testid="paper-table"
        onRow={(f) => ({ "data-paper": f.id, "data-status": f.status }) as React.HTMLAttributes<HTMLElement>}
        columns={[
          {
            title: t("paper.description"),
            key: "description",
            render: (_, f) => (
              <>
                <Space
                  size={4}
                  data-testid={`paper-description-${f.id}`}
                  data-sealed={isOpen(f) ? "revealed" : "masked"}
                >
                  {f.description === FREE_TEXT_MASK && !isOpen(f) && <LockOutlined style={{ color: "#8c8c8c" }} />}
                  <Typography.Text strong>{textOf(f, "description")}</Typography.Text>
                  {isOpen(f) ? (
                    <Button
                      type="link"
                      size="small"
                      icon={<EyeInvisibleOutlined />}
                      onClick={() => {
                        hide(`${f.id}.description`);
                        hide(`${f.id}.location`);
                      }}
                      style={{ padding: 0, height: "auto" }}
                    />
                  ) : (
                    mayReveal &&
                    (f.description === FREE_TEXT_MASK || f.location === FREE_TEXT_MASK) && (
                      <Button
                        type="link"
                        size="small"
                        icon={<EyeOutlined />}
                        onClick={() => setSealed({ kind: "paper", fileId: f.id })}
                        style={{ padding: 0, height: "auto" }}
                        data-testid={`paper-reveal-${f.id}`}
                      >
                        {t("sealed.reveal")}
                      </Button>
                    )
                  )}
                </Space>
                <div>
                  <Typography.Text type="secondary" className="kh-mono" style={{ fontSize: 12 }}>
                    {f.id}
                  </Typography.Text>
                </div>
              </>
            ),
          },
          { title: t("paper.tier"), key: "tier", render: (_, f) => <TierTag tier={f.tier} /> },
          ...(showClient
            ? [
                {
                  title: t("paper.client"),
                  key: "client",
                  render: (_: unknown, f: PaperFileView) => (
                    <Link to={`/console/clients/${encodeURIComponent(f.clientId)}`} className="kh-mono">
                      {f.clientId}
                    </Link>
                  ),
                },
              ]
            : []),
          {
            title: t("paper.location"),
            key: "location",
            render: (_, f) => <span data-testid={`paper-location-${f.id}`}>{textOf(f, "location")}</span>,
          },
          {
            title: t("paper.custodian"),
            key: "custodian",
            render: (_, f) => staffLabel(f.custodianName, f.custodianUsername, f.custodianId),
          },
          {
            title: t("paper.status"),
            key: "status",
            render: (_, f) =>
              f.status === "checked_out" && f.holder ? (
                <Space direction="vertical" size={0}>
                  <Tag color="orange">{t("paper.statuses.checked_out")}</Tag>
                  <Typography.Text style={{ fontSize: 12 }} data-testid={`holder-${f.id}`}>
                    {t("paper.heldBy", {
                      who: staffLabel(f.holderName, f.holderUsername, f.holder.staffId),
                      purpose: purposeLabel(catalog, f.holder.purpose, lang),
                      since: formatTime(f.holder.since),
                    })}
                  </Typography.Text>
                </Space>
              ) : f.status === "destroyed" && f.destroyed ? (
                <Space direction="vertical" size={0}>
                  <Tag>{t("paper.statuses.destroyed")}</Tag>
                  <Typography.Text type="secondary" style={{ fontSize: 12 }} data-testid={`destroyed-${f.id}`}>
                    {t("paper.destroyedBy", {
                      method: t(`paper.methods.${f.destroyed.method}`, { defaultValue: f.destroyed.method }),
                      by: f.destroyed.by,
                      witness: f.destroyed.witnessId,
                      at: formatTime(f.destroyed.at),
                    })}
                  </Typography.Text>
                </Space>
              ) : (
                <Tag color="green">{t(`paper.statuses.${f.status}`)}</Tag>
              ),
          },
          {
            title: "",
            key: "actions",
            render: (_, f) => (
              <Space size={4} wrap>
                {paperActions(f).includes("checkout") && caps.has("POST /paper-files/{id}/checkout") && (
                  <Button
                    size="small"
                    icon={<ExportOutlined />}
                    onClick={() => setAction({ kind: "checkout", file: f })}
                    data-testid={`checkout-${f.id}`}
                  >
                    {t("paper.checkout")}
                  </Button>
                )}
                {paperActions(f).includes("checkin") && caps.has("POST /paper-files/{id}/checkin") && (
                  <Button
                    size="small"
                    type="primary"
                    icon={<ImportOutlined />}
                    onClick={() => setAction({ kind: "checkin", file: f })}
                    data-testid={`checkin-${f.id}`}
                  >
                    {t("paper.checkin")}
                  </Button>
                )}
                {f.status !== "destroyed" && <PrintLabelButton file={f} />}
                {paperActions(f).includes("destroy") && caps.has("POST /paper-files/{id}/destroy") && (
                  <Button
                    size="small"
                    danger
                    icon={<ScissorOutlined />}
                    onClick={() => setAction({ kind: "destroy", file: f })}
                    data-testid={`destroy-${f.id}`}
                  >
                    {t("paper.destroy")}
                  </Button>
                )}
              </Space>
            ),
          },
        ]}
      />
      {dialog}
    </>
  );
}

function PaperActionDialog({
  action,
  texts,
  onClose,
}: {
  action: Action;
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
  const [form] = Form.useForm<{ purpose?: string; location?: string; witnessId?: string; method?: string }>();
  const run = useMutation({
    mutationFn: ({ kind, file, body }: { kind: string; file: PaperFileView; body: unknown }) =>
      api<PaperFileView>("POST", `/paper-files/${encodeURIComponent(file.id)}/${kind}`, { body }),
    onSuccess: (f, { kind }) => {
      message.success(t(`paper.done.${kind}`, { name: named(f) }));
      void queryClient.invalidateQueries({ queryKey: ["paper-files"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      const errors = fieldErrors(e.problem, lang, undefined, { translatedOnly: true });
      form.setFields(
        Object.entries(errors)
          .filter(([p]) => ["purpose", "location", "witnessId", "method"].includes(p))
          .map(([p, m]) => ({ name: p as "purpose", errors: [m] })),
      );
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
    const body =
      action.kind === "checkout"
        ? { purpose: v.purpose }
        : action.kind === "checkin"
          ? checkinBody({ location: knownLocation ?? action.file.location }, v.location)
          : { witnessId: v.witnessId!.trim(), method: v.method };
    run.mutate({ kind: action.kind, file: action.file, body });
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
            {t("paper.where", { location: texts?.location ?? file!.location, custodian: file!.custodianId })} ·{" "}
            <TierTag tier={file!.tier} />
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

/** Registers a physical file: what it is, its tier label, the locked cabinet and the named custodian. */
export function RegisterPaperDialog({
  clientId,
  open,
  onClose,
}: {
  clientId?: string;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const session = useSession();
  const queryClient = useQueryClient();
  const staffOptions = useStaffOptions();
  const [form] = Form.useForm<{
    clientId: string;
    description: string;
    tier: number;
    location: string;
    custodianId: string;
  }>();
  const register = useMutation({
    mutationFn: (body: ReturnType<typeof registerPaperBody>) => api<PaperFileView>("POST", "/paper-files", { body }),
    // The answer masks the description; the words the user just typed name the file in the notice.
    onSuccess: (_f, body) => {
      message.success(t("paper.registered", { name: body.description }));
      void queryClient.invalidateQueries({ queryKey: ["paper-files"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      const errors = fieldErrors(e.problem, lang, undefined, { translatedOnly: true });
      form.setFields(
        Object.entries(errors)
          .filter(([p]) => ["clientId", "description", "tier", "location", "custodianId"].includes(p))
          .map(([p, m]) => ({ name: p as "clientId", errors: [m] })),
      );
    },
  });
  return (
    <Modal
      open={open}
      title={t("paper.register")}
      okText={t("paper.registerSubmit")}
      cancelText={t("app.cancel")}
      onOk={() => void form.validateFields().then((v) => register.mutate(registerPaperBody(v)))}
      onCancel={onClose}
      confirmLoading={register.isPending}
      destroyOnHidden
      afterOpenChange={(o) => o && register.reset()}
      data-testid="register-paper-dialog"
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{ clientId: clientId ?? "", tier: 2, custodianId: session?.claims.staffId ?? "" }}
      >
        <Form.Item
          name="clientId"
          label={t("paper.client")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
          hidden={Boolean(clientId)}
        >
          <Input autoComplete="off" placeholder="c_…" className="kh-mono" data-testid="paper-client" />
        </Form.Item>
        <Form.Item
          name="description"
          label={t("paper.description")}
          extra={t("paper.descriptionHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input maxLength={200} autoComplete="off" data-testid="paper-description" />
        </Form.Item>
        <Form.Item name="tier" label={t("paper.tierLabel")} extra={t("paper.tierHint")}>
          <Radio.Group
            optionType="button"
            data-testid="paper-tier"
            options={[1, 2, 3].map((tier) => ({ value: tier, label: <TierTag tier={tier} /> }))}
          />
        </Form.Item>
        <Form.Item
          name="location"
          label={t("paper.location")}
          extra={t("paper.locationHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input maxLength={100} autoComplete="off" data-testid="paper-location" />
        </Form.Item>
        <Form.Item
          name="custodianId"
          label={t("paper.custodian")}
          extra={t("paper.custodianHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <AutoComplete options={staffOptions} filterOption={(input, o) => String(o?.label ?? "").includes(input)}>
            <Input autoComplete="off" data-testid="paper-custodian" />
          </AutoComplete>
        </Form.Item>
      </Form>
      {isApiError(register.error) && (
        <Alert type="error" showIcon message={problemMessage(register.error.problem, lang)} data-testid="paper-error" />
      )}
    </Modal>
  );
}

/**
 * 打印封面标签: the file's cover label as a PDF, opened for printing. The label route may not exist
 * on an older API; then the button says so and nothing else happens.
 */
function PrintLabelButton({ file }: { file: PaperFileView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const caps = useCapabilities();
  const [busy, setBusy] = useState(false);
  const open = async () => {
    // Opened at once, while the click still counts as the user's, then pointed at the PDF.
    const win = window.open("", "_blank");
    setBusy(true);
    try {
      const { blob, contentType } = await apiBlob(labelPath(file.id, caps.has));
      if (!/pdf/i.test(contentType)) {
        // Something answered that is not the label (an HTML fallback page, say): treat it as absent.
        win?.close();
        message.info(t("paper.labelUnavailable"));
        return;
      }
      const url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
      if (win) win.location.href = url;
      else window.location.assign(url);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      win?.close();
      if (isApiError(e) && labelUnavailable(e.status)) message.info(t("paper.labelUnavailable"));
      else message.error(isApiError(e) ? problemMessage(e.problem, lang) : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      size="small"
      icon={<PrinterOutlined />}
      loading={busy}
      onClick={() => void open()}
      data-testid={`label-${file.id}`}
    >
      {t("paper.printLabel")}
    </Button>
  );
}
