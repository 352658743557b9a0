import { SearchOutlined } from "@ant-design/icons";
import { useMutation } from "@tanstack/react-query";
import { Alert, Button, Card, Input, Segmented, Space, Typography } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { client as http, dataOf } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { fieldErrors, problemMessage } from "../../api/problems.ts";
import { useBranchNames } from "../../api/queries.ts";
import type { Body } from "../../api/model.ts";
import { useSession } from "../../auth/useSession.ts";
import { useLang } from "../../i18n/index.ts";

/** "Already registered by 李** at 北京朝阳店" through the blind index, without revealing anything. */
export function LookupPanel() {
  const { t } = useTranslation();
  const lang = useLang();
  const session = useSession();
  const branchName = useBranchNames(session?.claims.tenantId);
  const [kind, setKind] = useState<"phone" | "idNumber">("phone");
  const [value, setValue] = useState("");
  const lookup = useMutation({
    mutationFn: (body: Body<"/clients/lookup", "post">) => dataOf(http.POST("/clients/lookup", { body })),
  });
  const submit = () => {
    if (value.trim()) lookup.mutate({ [kind]: value.trim() });
  };
  const error = lookup.error;
  const detail = isApiError(error) ? Object.values(fieldErrors(error.problem, lang))[0] : undefined;

  return (
    <Card size="small" style={{ marginBottom: 16 }} title={t("clients.lookup.title")} data-testid="lookup">
      <Typography.Paragraph type="secondary" style={{ marginTop: 0 }}>
        {t("clients.lookup.hint")}
      </Typography.Paragraph>
      <Space.Compact style={{ width: "100%", maxWidth: 560 }}>
        <Segmented
          value={kind}
          onChange={(v) => {
            setKind(v as "phone" | "idNumber");
            lookup.reset();
          }}
          options={[
            { value: "phone", label: t("clients.lookup.phone") },
            { value: "idNumber", label: t("clients.lookup.idNumber") },
          ]}
          style={{ marginRight: 8 }}
        />
        <Input
          value={value}
          onChange={(e) => setValue(e.target.value)}
          onPressEnter={submit}
          placeholder={kind === "phone" ? t("clients.lookup.placeholderPhone") : t("clients.lookup.placeholderId")}
          autoComplete="off"
          allowClear
          aria-label={kind === "phone" ? t("clients.lookup.phone") : t("clients.lookup.idNumber")}
        />
        <Button type="primary" icon={<SearchOutlined />} loading={lookup.isPending} onClick={submit}>
          {t("clients.lookup.search")}
        </Button>
      </Space.Compact>
      {lookup.data && (
        <Alert
          style={{ marginTop: 12 }}
          showIcon
          data-testid="lookup-result"
          type={lookup.data.registered ? "warning" : "success"}
          message={
            lookup.data.registered
              ? t("clients.lookup.registered", {
                  owner: lookup.data.owner ?? "—",
                  branch: branchName(lookup.data.branchId),
                })
              : t("clients.lookup.notRegistered")
          }
        />
      )}
      {isApiError(error) && (
        <Alert
          style={{ marginTop: 12 }}
          showIcon
          type="error"
          message={problemMessage(error.problem, lang)}
          description={detail}
          data-testid="lookup-error"
        />
      )}
    </Card>
  );
}
