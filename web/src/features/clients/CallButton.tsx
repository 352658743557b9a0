import { PhoneOutlined } from "@ant-design/icons";
import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { Alert, Button, Flex, Form, Modal, Progress, Select, Space, Typography } from "antd";
import { useEffect, useState } from "react";
import { useTranslation } from "react-i18next";
import { pick } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import type { CallCreated, ClientView, ConsentPurpose } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { useLang } from "../../i18n/index.ts";
import { callPurposes, countdown, mayCall, secondsUntil, telHref } from "./calls.ts";

/** The live virtual number of a client, kept in the query cache so list and detail show the same one. */
const callKey = (clientId: string) => ["call", clientId] as const;
type LiveCall = CallCreated & { startedAt: string };

/**
 * 拨打: binds the caller's registered mobile and the client's to a virtual number (隐私号) for a
 * consented purpose. The console only ever holds the virtual number: it shows it as a `tel:` link
 * with a countdown to its expiry, and can release it early.
 */
export function CallButton({ client, size }: { client: ClientView; size?: "small" | "middle" }) {
  const { t } = useTranslation();
  const session = useSession();
  const caps = useCapabilities();
  const [open, setOpen] = useState(false);
  const active = useQuery<LiveCall | null>({
    queryKey: callKey(client.id),
    queryFn: () => null,
    enabled: false,
    staleTime: Infinity,
    gcTime: Infinity,
  });
  const live = active.data && secondsUntil(active.data.expiresAt, Date.now()) > 0 ? active.data : null;
  if (!mayCall(client, session?.claims.role, caps.has("POST /clients/{id}/calls"))) return null;
  return (
    // biome-ignore lint/a11y: the span only keeps a click on the button from also opening the row; the button is the control
    <span onClick={(e) => e.stopPropagation()}>
      <Button
        size={size}
        icon={<PhoneOutlined />}
        type={live ? "primary" : "default"}
        onClick={() => setOpen(true)}
        data-testid={`call-${client.id}`}
      >
        {live ? t("calls.live") : t("calls.button")}
      </Button>
      {open && <CallDialog client={client} onClose={() => setOpen(false)} />}
    </span>
  );
}

function CallDialog({ client, onClose }: { client: ClientView; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  const queryClient = useQueryClient();
  const [form] = Form.useForm<{ purpose?: ConsentPurpose }>();
  const purposes = callPurposes(catalog, client.consent.purposes);
  const current = queryClient.getQueryData<LiveCall | null>(callKey(client.id)) ?? null;
  const [call, setCall] = useState<LiveCall | null>(current);
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, []);
  const left = call ? secondsUntil(call.expiresAt, now) : 0;
  const total = call ? Math.max(1, Math.ceil((Date.parse(call.expiresAt) - Date.parse(call.startedAt)) / 1000)) : 1;

  const remember = (c: LiveCall | null) => {
    setCall(c);
    queryClient.setQueryData(callKey(client.id), c);
    void queryClient.invalidateQueries({ queryKey: ["access-history", client.id] });
  };
  const start = useMutation({
    mutationFn: (purpose: ConsentPurpose) =>
      dataOf(http.POST("/clients/{id}/calls", { params: { path: { id: client.id } }, body: { purpose } })),
    onSuccess: (c) => remember({ ...c, startedAt: new Date().toISOString() }),
  });
  const release = useMutation({
    mutationFn: (callId: string) => dataOf(http.DELETE("/calls/{id}", { params: { path: { id: callId } } })),
    onSuccess: () => remember(null),
  });
  const error = start.error ?? release.error;

  return (
    <Modal
      open
      title={t("calls.title")}
      onCancel={onClose}
      destroyOnHidden
      data-testid="call-dialog"
      footer={
        call && left > 0 ? (
          <Space>
            <Button
              danger
              loading={release.isPending}
              onClick={() => release.mutate(call.callId)}
              data-testid="call-release"
            >
              {t("calls.release")}
            </Button>
            <Button type="primary" onClick={onClose} data-testid="call-close">
              {t("calls.close")}
            </Button>
          </Space>
        ) : (
          <Space>
            <Button onClick={onClose} data-testid="call-cancel">
              {t("app.cancel")}
            </Button>
            <Button
              type="primary"
              icon={<PhoneOutlined />}
              loading={start.isPending}
              disabled={!purposes.length}
              onClick={() => void form.validateFields().then((v) => start.mutate(v.purpose!))}
              data-testid="call-start"
            >
              {t("calls.start")}
            </Button>
          </Space>
        )
      }
    >
      {call && left > 0 ? (
        <Flex vertical align="center" gap={8} style={{ padding: "8px 0" }} data-testid="call-live">
          <Typography.Text type="secondary">{t("calls.dialHint")}</Typography.Text>
          <a
            href={telHref(call.virtualNumber)}
            className="kh-mono"
            style={{ fontSize: 30, fontWeight: 600, letterSpacing: 1 }}
            data-testid="call-number"
          >
            {call.virtualNumber}
          </a>
          <Progress
            percent={(left * 100) / total}
            showInfo={false}
            strokeColor={left < 120 ? "#fa8c16" : "#1677ff"}
            style={{ width: 260, margin: 0 }}
          />
          <Typography.Text type={left < 120 ? "warning" : "secondary"} data-testid="call-countdown">
            {t("calls.expiresIn", { time: countdown(left) })}
          </Typography.Text>
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0, textAlign: "center" }}>
            {t("calls.notice")}
          </Typography.Paragraph>
        </Flex>
      ) : (
        <Form
          form={form}
          layout="vertical"
          initialValues={{ purpose: purposes.length === 1 ? purposes[0]!.name : undefined }}
        >
          {call && <Alert type="info" showIcon style={{ marginBottom: 12 }} message={t("calls.expired")} />}
          <Form.Item
            name="purpose"
            label={t("calls.purpose")}
            extra={t("calls.purposeHint")}
            rules={[{ required: true, message: t("register.required") }]}
          >
            <Select
              data-testid="call-purpose"
              placeholder={t("calls.purpose")}
              options={purposes.map((p) => ({ value: p.name, label: pick(p.label, lang) }))}
            />
          </Form.Item>
          {!purposes.length && <Alert type="warning" showIcon message={t("calls.noPurpose")} />}
          <Typography.Paragraph type="secondary" style={{ fontSize: 12, marginBottom: 0 }}>
            {t("calls.notice")}
          </Typography.Paragraph>
        </Form>
      )}
      {isApiError(error) && (
        <Alert
          style={{ marginTop: 12 }}
          type="error"
          showIcon
          data-testid="call-error"
          message={problemMessage(error.problem, lang)}
        />
      )}
    </Modal>
  );
}
