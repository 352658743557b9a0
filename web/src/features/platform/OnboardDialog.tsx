import { MinusCircleOutlined, PlusOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, DatePicker, Flex, Form, Input, Modal, Select, Typography } from "antd";
import dayjs from "dayjs";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useLang } from "../../i18n/index.ts";

import type { Body } from "../../api/model.ts";
import { plans } from "./platform.ts";

/** Onboards a brand: its name, plan and first administrator. */
export function OnboardDialog({ open, onClose }: { open: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const queryClient = useQueryClient();
  const [form] = Form.useForm();
  const onboard = useMutation({
    mutationFn: (body: Body<"/platform/tenants", "post">) => dataOf(http.POST("/platform/tenants", { body })),
    onSuccess: (r) => {
      message.success(t("platform.onboarded", { name: r.name }));
      void queryClient.invalidateQueries({ queryKey: ["platform-tenants"] });
      onClose();
    },
    onError: (e) => {
      if (!isApiError(e)) return;
      const errors = fieldErrors(e.problem, lang);
      form.setFields(
        Object.entries(errors)
          .filter(([p]) => !p.startsWith("query"))
          .map(([p, m]) => ({ name: p.split(".").map((x) => (/^\d+$/.test(x) ? Number(x) : x)), errors: [m] })),
      );
    },
  });
  const submit = async () => {
    const v = await form.validateFields();
    onboard.mutate({
      tenantId: v.tenantId.trim(),
      name: v.name.trim(),
      plan: v.plan,
      hqAdmin: {
        username: v.hqAdmin.username.trim(),
        displayName: v.hqAdmin.displayName.trim(),
        ...(v.hqAdmin.email ? { email: v.hqAdmin.email.trim() } : {}),
        // Nobody records their own agreement: the operator records the first HQ admin's from the onboarding papers.
        agreement: {
          version: v.agreement.version.trim(),
          signedAt: (v.agreement.signedAt as dayjs.Dayjs).format(),
          evidenceRef: v.agreement.evidenceRef.trim(),
        },
      },
      branches: (v.branches ?? []).map((b: { branchId: string; name: string }) => ({
        branchId: b.branchId.trim(),
        name: b.name.trim(),
      })),
    });
  };
  return (
    <Modal
      open={open}
      title={t("platform.onboard")}
      onCancel={onClose}
      onOk={() => void submit()}
      confirmLoading={onboard.isPending}
      width={640}
      destroyOnHidden
      afterOpenChange={(o) => o && onboard.reset()}
    >
      <Form
        form={form}
        layout="vertical"
        preserve={false}
        initialValues={{
          plan: "pro",
          branches: [{ branchId: "", name: "" }],
          agreement: { version: "2024-01", signedAt: dayjs() },
        }}
      >
        <Flex gap={12}>
          <Form.Item
            name="tenantId"
            label={t("platform.tenantId")}
            extra={t("platform.tenantIdHint")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name="name"
            label={t("platform.name")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name="plan" label={t("platform.plan")} style={{ width: 130 }}>
            <Select options={plans.map((p) => ({ value: p, label: t(`platform.plans.${p}`) }))} />
          </Form.Item>
        </Flex>
        <Typography.Text strong>{t("platform.hqAdmin")}</Typography.Text>
        <Flex gap={12} style={{ marginTop: 8 }}>
          <Form.Item
            name={["hqAdmin", "username"]}
            label={t("platform.username")}
            extra={t("platform.usernameHint")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item
            name={["hqAdmin", "displayName"]}
            label={t("platform.displayName")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" />
          </Form.Item>
          <Form.Item name={["hqAdmin", "email"]} label={t("platform.email")} style={{ flex: 1 }}>
            <Input autoComplete="off" />
          </Form.Item>
        </Flex>
        <Typography.Text strong>{t("platform.hqAgreement")}</Typography.Text>
        <Flex gap={12} style={{ marginTop: 8 }}>
          <Form.Item
            name={["agreement", "version"]}
            label={t("staff.version")}
            rules={[{ required: true, whitespace: true }]}
            style={{ width: 130 }}
          >
            <Input autoComplete="off" placeholder="2024-01" />
          </Form.Item>
          <Form.Item
            name={["agreement", "signedAt"]}
            label={t("staff.signedAt")}
            rules={[{ required: true }]}
            style={{ flex: 1 }}
          >
            <DatePicker showTime={{ format: "HH:mm" }} format="YYYY-MM-DD HH:mm" style={{ width: "100%" }} />
          </Form.Item>
          <Form.Item
            name={["agreement", "evidenceRef"]}
            label={t("staff.evidence")}
            rules={[{ required: true, whitespace: true }]}
            style={{ flex: 1 }}
          >
            <Input autoComplete="off" placeholder="paper:agreement/hq-0001" />
          </Form.Item>
        </Flex>
        <Typography.Text strong>{t("platform.branches")}</Typography.Text>
        <Form.List name="branches">
          {(fields, { add, remove }) => (
            <>
              {fields.map((f) => (
                <Flex key={f.key} gap={12} align="baseline" style={{ marginTop: 8 }}>
                  <Form.Item
                    name={[f.name, "branchId"]}
                    rules={[{ required: true, whitespace: true }]}
                    style={{ flex: 1, marginBottom: 8 }}
                  >
                    <Input placeholder={t("platform.branchId")} autoComplete="off" />
                  </Form.Item>
                  <Form.Item
                    name={[f.name, "name"]}
                    rules={[{ required: true, whitespace: true }]}
                    style={{ flex: 1, marginBottom: 8 }}
                  >
                    <Input placeholder={t("platform.branchName")} autoComplete="off" />
                  </Form.Item>
                  {fields.length > 1 && <MinusCircleOutlined onClick={() => remove(f.name)} />}
                </Flex>
              ))}
              <Button
                type="dashed"
                onClick={() => add({ branchId: "", name: "" })}
                icon={<PlusOutlined />}
                style={{ marginTop: 4 }}
              >
                {t("platform.addBranch")}
              </Button>
            </>
          )}
        </Form.List>
      </Form>
      {isApiError(onboard.error) && (
        <Alert style={{ marginTop: 12 }} type="error" showIcon message={problemMessage(onboard.error.problem, lang)} />
      )}
    </Modal>
  );
}
