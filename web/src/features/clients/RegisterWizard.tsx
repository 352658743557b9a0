import { LockOutlined } from "@ant-design/icons";
import { useMutation, useQueryClient } from "@tanstack/react-query";
import {
  Alert,
  App,
  Button,
  Card,
  Checkbox,
  DatePicker,
  Descriptions,
  Flex,
  Form,
  Input,
  InputNumber,
  Radio,
  Select,
  Space,
  Steps,
  Typography,
} from "antd";
import dayjs, { type Dayjs } from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { fieldLabel, fieldsForPurpose, pick, purposeLabel, refusedFields } from "../../api/catalog.ts";
import { api } from "../../api/http.ts";
import { ApiError, isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useBranchNames, useCatalog } from "../../api/queries.ts";
import type { Catalog, ClientView } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useIsPhone } from "../../components/responsive.ts";
import { ErrorState, Loading } from "../../components/States.tsx";
import { TierTag } from "../../components/TierTag.tsx";
import { useLang } from "../../i18n/index.ts";
import { checkField } from "./validate.ts";
import {
  buildRegisterBody,
  needsSensitiveConsent,
  registerSteps,
  stepForProblem,
  stepOfPath,
  type RegisterForm,
} from "./register.ts";

interface FormValues {
  collectionPurpose?: string;
  source?: string;
  acquiredAt?: Dayjs;
  fields?: Record<string, string | number | null>;
  consent?: {
    method?: string;
    evidenceRef?: string;
    purposes?: string[];
    sensitiveConsent?: boolean;
    notified?: boolean;
  };
}

/** Which form items each step validates before moving on. */
const stepItems: Record<number, (string | string[])[]> = {
  0: ["collectionPurpose", "source", "acquiredAt"],
  2: [
    ["consent", "notified"],
    ["consent", "method"],
    ["consent", "evidenceRef"],
    ["consent", "purposes"],
    ["consent", "sensitiveConsent"],
  ],
};

export default function RegisterWizard() {
  const catalog = useCatalog();
  if (catalog.isPending) return <Loading rows={8} />;
  if (catalog.isError) return <ErrorState error={catalog.error} onRetry={() => void catalog.refetch()} />;
  return <Wizard catalog={catalog.data} />;
}

function Wizard({ catalog }: { catalog: Catalog }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const session = useSession();
  const branchName = useBranchNames(session?.claims.tenantId);
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [form] = Form.useForm<FormValues>();
  const [step, setStep] = useState(0);
  const phone = useIsPhone();
  const [problem, setProblem] = useState<ApiError | null>(null);
  const purpose = Form.useWatch("collectionPurpose", form);
  const fieldValues = Form.useWatch("fields", form) ?? {};
  const tier1Entered = purpose ? needsSensitiveConsent(fieldValues, catalog, purpose) : false;
  const groups = useMemo(() => (purpose ? fieldsForPurpose(catalog, purpose) : []), [catalog, purpose]);
  const label = (f: string) => fieldLabel(catalog, f, lang);

  const register = useMutation({
    mutationFn: (body: ReturnType<typeof buildRegisterBody>) => api<ClientView>("POST", "/clients", { body }),
    onSuccess: (client) => {
      void queryClient.invalidateQueries({ queryKey: ["clients"] });
      message.success(t("register.success"));
      navigate(`/console/clients/${client.id}`, { replace: true });
    },
    onError: (error) => {
      if (!isApiError(error)) return;
      setProblem(error);
      const errors = fieldErrors(error.problem, lang, label);
      const paths = Object.keys(errors);
      form.setFields(
        paths.filter((p) => stepOfPath(p) < 3).map((p) => ({ name: p.split(".") as never, errors: [errors[p]!] })),
      );
      if (error.code === "sensitive_consent_required")
        form.setFields([{ name: ["consent", "sensitiveConsent"], errors: [t("register.sensitiveConsentRequired")] }]);
      setStep(stepForProblem(error.code, paths));
    },
  });

  const next = async () => {
    try {
      if (step === 1) {
        const entered = Object.values(form.getFieldValue("fields") ?? {}).some(
          (v) => v !== undefined && v !== null && String(v).trim() !== "",
        );
        if (!entered) {
          message.warning(t("register.noFields"));
          return;
        }
      }
      // The details step checks ID numbers, mobiles and card numbers here, not only at the final submit.
      const items = step === 1 ? groups.flatMap((g) => g.fields.map((f) => ["fields", f.name])) : stepItems[step];
      if (items) await form.validateFields(items);
      setStep((s) => s + 1);
    } catch {
      // the form shows what is missing
    }
  };

  const submit = () => {
    const v = form.getFieldsValue(true) as FormValues;
    const input: RegisterForm = {
      collectionPurpose: v.collectionPurpose ?? "",
      source: v.source ?? "",
      acquiredAt: (v.acquiredAt ?? dayjs()).format(),
      fields: v.fields ?? {},
      consent: {
        method: v.consent?.method ?? "",
        evidenceRef: v.consent?.evidenceRef ?? "",
        purposes: v.consent?.purposes ?? [],
        sensitiveConsent: Boolean(v.consent?.sensitiveConsent),
      },
    };
    setProblem(null);
    register.mutate(buildRegisterBody(input, catalog));
  };

  const refused = purpose ? refusedFields(catalog, purpose) : [];
  const review = form.getFieldsValue(true) as FormValues;
  const reviewFields = Object.entries(review.fields ?? {}).filter(
    ([name, value]) =>
      value !== undefined &&
      value !== null &&
      String(value).trim() !== "" &&
      groups.some((g) => g.fields.some((f) => f.name === name)),
  );

  return (
    <>
      <PageHeader title={t("register.title")} />
      <Card styles={{ body: { padding: phone ? 16 : 24 } }}>
        {/* On a phone the four steps stay one short row, naming only the current one, instead of a tall column. */}
        <Steps
          current={step}
          size={phone ? "small" : "default"}
          responsive={!phone}
          style={{ marginBottom: phone ? 16 : 24 }}
          items={registerSteps.map((s, i) => ({ title: !phone || i === step ? t(`register.steps.${s}`) : "" }))}
        />
        {problem && (
          <Alert
            type="error"
            showIcon
            closable
            onClose={() => setProblem(null)}
            style={{ marginBottom: 16 }}
            data-testid="register-problem"
            message={problemMessage(problem.problem, lang, { branchName })}
            description={
              Object.keys(fieldErrors(problem.problem, lang)).length ? (
                <ul style={{ margin: 0, paddingInlineStart: 18 }}>
                  {Object.entries(fieldErrors(problem.problem, lang, label)).map(([path, msg]) => (
                    <li key={path}>
                      {path.startsWith("fields.") ? label(path.slice(7)) : path}：{msg}
                    </li>
                  ))}
                </ul>
              ) : undefined
            }
          />
        )}
        <Form
          form={form}
          layout="vertical"
          initialValues={{
            acquiredAt: dayjs(),
            source: "walk_in",
            consent: { method: "written", purposes: [], sensitiveConsent: false },
          }}
          style={{ maxWidth: 880 }}
        >
          <div hidden={step !== 0}>
            <Form.Item
              name="collectionPurpose"
              label={t("register.purpose")}
              extra={t("register.purposeHint")}
              rules={[{ required: true, message: t("register.required") }]}
            >
              <Radio.Group style={{ width: "100%" }}>
                <Flex gap={12} wrap>
                  {catalog.collectionPurposes.map((p) => (
                    <Radio.Button
                      key={p.name}
                      value={p.name}
                      style={{
                        height: "auto",
                        padding: "8px 16px",
                        lineHeight: 1.6,
                        minWidth: 190,
                        flex: phone ? "1 1 100%" : undefined,
                      }}
                    >
                      <div style={{ fontWeight: 600 }} data-purpose={p.name}>
                        {pick(p.label, lang)}
                      </div>
                      <div style={{ fontSize: 12, color: "#6b7280" }}>
                        {p.refuses.length
                          ? t("register.refusedHint", { fields: p.refuses.map(label).join("、") })
                          : t("register.fieldCount", { count: p.allows.length })}
                      </div>
                    </Radio.Button>
                  ))}
                </Flex>
              </Radio.Group>
            </Form.Item>
            <Flex gap={16} wrap>
              <Form.Item
                name="source"
                label={t("register.source")}
                rules={[{ required: true, message: t("register.required") }]}
                style={{ minWidth: 200, maxWidth: "100%" }}
              >
                <Select
                  options={catalog.sources.map((s) => ({
                    value: s,
                    label: t(`common.sources.${s}`, { defaultValue: s }),
                  }))}
                />
              </Form.Item>
              <Form.Item
                name="acquiredAt"
                label={t("register.acquiredAt")}
                rules={[{ required: true, message: t("register.required") }]}
              >
                <DatePicker
                  showTime={{ format: "HH:mm" }}
                  format="YYYY-MM-DD HH:mm"
                  disabledDate={(d) => d.isAfter(dayjs(), "day")}
                  allowClear={false}
                />
              </Form.Item>
              <Form.Item label={t("register.branch")}>
                <Input value={branchName(session?.claims.branchId)} disabled style={{ width: 180 }} />
              </Form.Item>
            </Flex>
          </div>

          <div hidden={step !== 1}>
            {purpose && (
              <Typography.Paragraph type="secondary">
                {t("register.fieldsHint", { purpose: purposeLabel(catalog, purpose, lang) })}
                {refused.length > 0 &&
                  ` ${t("register.refusedHint", { fields: refused.map((f) => pick(f.label, lang)).join("、") })}`}
              </Typography.Paragraph>
            )}
            {groups.map((g) => (
              <Card
                key={g.tier}
                size="small"
                style={{ marginBottom: 12 }}
                title={<TierTag tier={g.tier} />}
                extra={
                  g.tier === 1 ? (
                    <Typography.Text type="danger" style={{ fontSize: 12 }}>
                      <LockOutlined /> {t("register.tier1Hint")}
                    </Typography.Text>
                  ) : null
                }
                data-tier-group={g.tier}
              >
                <Flex gap={16} wrap>
                  {g.fields.map((f) => (
                    <Form.Item
                      key={f.name}
                      name={["fields", f.name]}
                      label={pick(f.label, lang)}
                      validateTrigger="onBlur"
                      rules={[
                        {
                          validator: (_, v) => {
                            const p = checkField(f.name, v);
                            return p ? Promise.reject(new Error(t(`validate.${p}`))) : Promise.resolve();
                          },
                        },
                      ]}
                      style={{
                        width: f.maxLength && f.maxLength > 200 ? "100%" : 260,
                        maxWidth: "100%",
                        marginBottom: 16,
                      }}
                    >
                      {f.kind === "amount" ? (
                        <InputNumber
                          min={0}
                          style={{ width: "100%" }}
                          controls={false}
                          aria-label={pick(f.label, lang)}
                          data-field={f.name}
                        />
                      ) : f.maxLength && f.maxLength > 200 ? (
                        <Input.TextArea
                          maxLength={f.maxLength}
                          rows={2}
                          showCount
                          aria-label={pick(f.label, lang)}
                          data-field={f.name}
                        />
                      ) : (
                        <Input
                          maxLength={f.maxLength ?? undefined}
                          autoComplete="off"
                          aria-label={pick(f.label, lang)}
                          data-field={f.name}
                        />
                      )}
                    </Form.Item>
                  ))}
                </Flex>
              </Card>
            ))}
          </div>

          <div hidden={step !== 2}>
            <Form.Item
              name={["consent", "notified"]}
              valuePropName="checked"
              rules={[
                { validator: (_, v) => (v ? Promise.resolve() : Promise.reject(new Error(t("register.required")))) },
              ]}
            >
              <Checkbox>{t("register.notifyText")}</Checkbox>
            </Form.Item>
            <Flex gap={16} wrap>
              <Form.Item
                name={["consent", "method"]}
                label={t("register.consentMethod")}
                rules={[{ required: true, message: t("register.required") }]}
              >
                <Radio.Group
                  options={catalog.consentMethods.map((m) => ({
                    value: m,
                    label: t(`common.consentMethods.${m}`, { defaultValue: m }),
                  }))}
                />
              </Form.Item>
              <Form.Item
                name={["consent", "evidenceRef"]}
                label={t("register.evidence")}
                extra={t("register.evidenceHint")}
                rules={[{ required: true, whitespace: true, message: t("register.required") }]}
                style={{ width: 360, maxWidth: "100%" }}
              >
                <Input placeholder="paper:consent/0001" autoComplete="off" data-field="evidenceRef" />
              </Form.Item>
            </Flex>
            <Form.Item
              name={["consent", "purposes"]}
              label={t("register.purposes")}
              rules={[{ type: "array", min: 1, message: t("register.required") }]}
            >
              <Checkbox.Group
                options={catalog.consentPurposes.map((p) => ({ value: p.name, label: pick(p.label, lang) }))}
              />
            </Form.Item>
            <Card
              size="small"
              style={{ borderColor: tier1Entered ? "#ff4d4f" : undefined, background: "#fffafa" }}
              data-testid="sensitive-consent"
            >
              <Typography.Paragraph style={{ marginTop: 0 }}>
                <TierTag tier={1} /> {t("register.sensitiveConsentHint")}
              </Typography.Paragraph>
              <Form.Item
                name={["consent", "sensitiveConsent"]}
                valuePropName="checked"
                style={{ marginBottom: 0 }}
                dependencies={[["fields"]]}
                rules={[
                  {
                    validator: (_, v) =>
                      !tier1Entered || v
                        ? Promise.resolve()
                        : Promise.reject(new Error(t("register.sensitiveConsentRequired"))),
                  },
                ]}
              >
                <Checkbox>{t("register.sensitiveConsent")}</Checkbox>
              </Form.Item>
            </Card>
          </div>

          {step === 3 && (
            <>
              <Typography.Title level={5}>{t("register.review")}</Typography.Title>
              <Descriptions
                bordered
                size="small"
                column={1}
                layout={phone ? "vertical" : "horizontal"}
                data-testid="review"
              >
                <Descriptions.Item label={t("register.purpose")}>
                  {purposeLabel(catalog, review.collectionPurpose, lang)}
                </Descriptions.Item>
                <Descriptions.Item label={t("register.source")}>
                  {t(`common.sources.${review.source}`, { defaultValue: review.source ?? "" })}
                </Descriptions.Item>
                <Descriptions.Item label={t("register.acquiredAt")}>
                  {review.acquiredAt?.format("YYYY-MM-DD HH:mm")}
                </Descriptions.Item>
                {reviewFields.map(([name, value]) => (
                  <Descriptions.Item
                    key={name}
                    label={
                      <Space size={4}>
                        <TierTag tier={catalog.fields.find((f) => f.name === name)?.tier ?? 3} />
                        {label(name)}
                      </Space>
                    }
                  >
                    {String(value)}
                  </Descriptions.Item>
                ))}
                <Descriptions.Item label={t("register.consentMethod")}>
                  {t(`common.consentMethods.${review.consent?.method}`, { defaultValue: review.consent?.method ?? "" })}
                </Descriptions.Item>
                <Descriptions.Item label={t("register.evidence")}>{review.consent?.evidenceRef}</Descriptions.Item>
                <Descriptions.Item label={t("register.purposes")}>
                  {(review.consent?.purposes ?? []).map((p) => purposeLabel(catalog, p, lang)).join("、")}
                </Descriptions.Item>
                <Descriptions.Item label={t("detail.sensitiveConsent")}>
                  {review.consent?.sensitiveConsent ? t("app.yes") : t("app.no")}
                </Descriptions.Item>
              </Descriptions>
            </>
          )}
        </Form>
        <Flex gap={8} style={{ marginTop: 24 }}>
          {step > 0 && <Button onClick={() => setStep((s) => s - 1)}>{t("register.prev")}</Button>}
          {step < 3 && (
            <Button type="primary" onClick={() => void next()} data-testid="wizard-next">
              {t("register.next")}
            </Button>
          )}
          {step === 3 && (
            <Button type="primary" loading={register.isPending} onClick={submit} data-testid="wizard-submit">
              {t("register.submit")}
            </Button>
          )}
        </Flex>
      </Card>
    </>
  );
}
