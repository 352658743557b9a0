import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, DatePicker, Form, Input, Modal, Radio, Select, Space, Typography } from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { formFieldErrors, problemMessage } from "../../api/problems.ts";
import type { Body, RequestChannel, RequestType } from "../../api/model.ts";
import { formatTime } from "../../components/format.ts";
import { useLang } from "../../i18n/index.ts";
import { newRequestBody, requestChannels, requestTypes } from "./requests.ts";

interface Values {
  type: RequestType;
  channel: RequestChannel;
  evidenceRef: string;
  receivedAt?: Dayjs | null;
  details?: string;
}

/** Records a client's request (查阅复制, 更正, 删除, 撤回同意, 访问记录) with its evidence; the due date follows the tenant's settings. */
export function NewRequestDialog({
  clientId,
  open,
  onClose,
}: {
  clientId: string;
  open: boolean;
  onClose: () => void;
}) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<Values>();
  const create = useMutation({
    mutationFn: (body: Body<"/clients/{id}/requests", "post">) =>
      dataOf(http.POST("/clients/{id}/requests", { params: { path: { id: clientId } }, body })),
    onSuccess: (r) => {
      message.success(t("requests.created", { due: formatTime(r.dueAt) }));
      void queryClient.invalidateQueries({ queryKey: ["requests"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      form.setFields(
        formFieldErrors(e.problem, lang, ["type", "channel", "evidenceRef", "receivedAt", "details"] as const),
      );
    },
  });
  const submit = async () => {
    const v = await form.validateFields();
    create.mutate(newRequestBody({ ...v, receivedAt: v.receivedAt ? v.receivedAt.toDate() : null }));
  };
  return (
    <Modal
      open={open}
      title={t("requests.new")}
      okText={t("requests.record")}
      cancelText={t("app.cancel")}
      onOk={() => void submit()}
      onCancel={onClose}
      confirmLoading={create.isPending}
      destroyOnHidden
      width={640}
      afterOpenChange={(o) => o && create.reset()}
      data-testid="new-request-dialog"
    >
      <Typography.Paragraph type="secondary">{t("requests.newHint")}</Typography.Paragraph>
      <Form form={form} layout="vertical" preserve={false} initialValues={{ channel: "in_person" }}>
        <Form.Item name="type" label={t("requests.type")} rules={[{ required: true, message: t("register.required") }]}>
          <Radio.Group data-testid="request-type">
            <Space direction="vertical" size={4}>
              {requestTypes.map((type) => (
                <Radio key={type} value={type}>
                  <span data-type={type}>
                    <Typography.Text strong>{t(`requests.types.${type}`)}</Typography.Text>
                    <Typography.Text type="secondary" style={{ marginLeft: 8, fontSize: 12 }}>
                      {t(`requests.typeHints.${type}`)}
                    </Typography.Text>
                  </span>
                </Radio>
              ))}
            </Space>
          </Radio.Group>
        </Form.Item>
        <Space size={12} style={{ display: "flex" }} align="start">
          <Form.Item name="channel" label={t("requests.channel")} rules={[{ required: true }]} style={{ width: 180 }}>
            <Select options={requestChannels.map((c) => ({ value: c, label: t(`requests.channels.${c}`) }))} />
          </Form.Item>
          <Form.Item
            name="receivedAt"
            label={t("requests.receivedAt")}
            extra={t("requests.receivedAtHint")}
            style={{ width: 260 }}
          >
            <DatePicker
              showTime={{ format: "HH:mm" }}
              format="YYYY-MM-DD HH:mm"
              disabledDate={(d) => d.isAfter(dayjs(), "day")}
              style={{ width: "100%" }}
            />
          </Form.Item>
        </Space>
        <Form.Item
          name="evidenceRef"
          label={t("requests.evidence")}
          extra={t("requests.evidenceHint")}
          rules={[{ required: true, whitespace: true, message: t("register.required") }]}
        >
          <Input maxLength={200} autoComplete="off" data-testid="request-evidence" />
        </Form.Item>
        <Form.Item name="details" label={t("requests.details")}>
          <Input.TextArea rows={2} maxLength={2000} showCount />
        </Form.Item>
      </Form>
      {isApiError(create.error) && (
        <Alert
          type="error"
          showIcon
          message={problemMessage(create.error.problem, lang)}
          data-testid="new-request-error"
        />
      )}
    </Modal>
  );
}
