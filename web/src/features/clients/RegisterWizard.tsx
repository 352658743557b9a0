import { useMutation, useQueryClient } from "@tanstack/react-query";
import { Alert, App, Button, Card, Flex, Form, Steps } from "antd";
import dayjs from "dayjs";
import { useMemo, useState } from "react";
import { useTranslation } from "react-i18next";
import { useNavigate } from "react-router";
import { fieldLabel, fieldsForPurpose } from "../../api/catalog.ts";
import { client as http, dataOf } from "../../api/http.ts";
import { ApiError, isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useBranchNames, useCatalog } from "../../api/queries.ts";
import type { Catalog } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { useIsPhone } from "../../components/responsive.ts";
import { ErrorState, Loading } from "../../components/States.tsx";
import { useLang } from "../../i18n/index.ts";
import {
  buildRegisterBody,
  needsSensitiveConsent,
  registerSteps,
  stepForProblem,
  stepOfPath,
  type RegisterForm,
} from "./register.ts";
import { RegisterBasisStep } from "./RegisterBasisStep.tsx";
import { RegisterConsentStep } from "./RegisterConsentStep.tsx";
import { RegisterFieldsStep } from "./RegisterFieldsStep.tsx";
import { RegisterReview } from "./RegisterReview.tsx";
import { type FormValues, stepItems } from "./wizardValues.ts";

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
    mutationFn: (body: ReturnType<typeof buildRegisterBody>) => dataOf(http.POST("/clients", { body })),
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
    const consent = v.consent ?? {};
    // Each step's rules made the choices present before the review; the API checks them all again.
    const input: RegisterForm = {
      collectionPurpose: v.collectionPurpose!,
      source: v.source!,
      acquiredAt: (v.acquiredAt ?? dayjs()).format(),
      fields: v.fields ?? {},
      consent: {
        method: consent.method!,
        evidenceRef: consent.evidenceRef ?? "",
        purposes: consent.purposes ?? [],
        sensitiveConsent: Boolean(consent.sensitiveConsent),
      },
    };
    setProblem(null);
    register.mutate(buildRegisterBody(input, catalog));
  };

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
            <RegisterBasisStep
              catalog={catalog}
              phone={phone}
              branch={branchName(session?.claims.branchId)}
              label={label}
            />
          </div>

          <div hidden={step !== 1}>
            <RegisterFieldsStep catalog={catalog} purpose={purpose} groups={groups} />
          </div>

          <div hidden={step !== 2}>
            <RegisterConsentStep catalog={catalog} tier1Entered={tier1Entered} />
          </div>

          {step === 3 && (
            <RegisterReview catalog={catalog} review={review} reviewFields={reviewFields} phone={phone} label={label} />
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
