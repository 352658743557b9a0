import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, AutoComplete, Form, Input, Modal, Radio } from "antd";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { formFieldErrors, problemMessage } from "../../api/problems.ts";
import { useSession } from "../../auth/useSession.ts";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { registerPaperBody } from "./paper.ts";
import { useStaffOptions } from "./paperQueries.ts";

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
    tier: Parameters<typeof registerPaperBody>[0]["tier"];
    location: string;
    custodianId: string;
  }>();
  const register = useMutation({
    mutationFn: (body: ReturnType<typeof registerPaperBody>) => dataOf(http.POST("/paper-files", { body })),
    // The answer masks the description; the words the user just typed name the file in the notice.
    onSuccess: (_f, body) => {
      message.success(t("paper.registered", { name: body.description }));
      void queryClient.invalidateQueries({ queryKey: ["paper-files"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      form.setFields(
        formFieldErrors(e.problem, lang, ["clientId", "description", "tier", "location", "custodianId"] as const),
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
            options={([1, 2, 3] as const).map((tier) => ({ value: tier, label: <TierTag tier={tier} /> }))}
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
