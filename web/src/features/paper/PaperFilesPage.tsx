import { PlusOutlined } from "@ant-design/icons";
import { Button, Card, Flex, Input, Segmented } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { useCapabilities } from "../../api/queries.ts";
import type { PaperFileView } from "../../api/model.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { PaperFilesTable } from "./PaperFilesTable.tsx";
import { RegisterPaperDialog } from "./RegisterPaperDialog.tsx";

/** 纸质档案: the register of physical files, with check-out, check-in and witnessed shredding. */
export default function PaperFilesPage() {
  const { t } = useTranslation();
  const caps = useCapabilities();
  const [status, setStatus] = useState<PaperFileView["status"] | "all">("all");
  const [clientId, setClientId] = useState("");
  const [registering, setRegistering] = useState(false);
  return (
    <>
      <PageHeader
        title={t("paper.title")}
        subtitle={t("paper.subtitle")}
        extra={
          caps.has("POST /paper-files") && (
            <Button
              type="primary"
              icon={<PlusOutlined />}
              onClick={() => setRegistering(true)}
              data-testid="register-paper"
            >
              {t("paper.register")}
            </Button>
          )
        }
      />
      <Card styles={{ body: { padding: 0 } }}>
        <Flex gap={16} align="center" wrap style={{ padding: 12, borderBottom: "1px solid #f0f0f0" }}>
          <Segmented
            value={status}
            onChange={(v) => setStatus(v as typeof status)}
            options={[
              { value: "all", label: t("paper.all") },
              { value: "in_cabinet", label: t("paper.statuses.in_cabinet") },
              { value: "checked_out", label: t("paper.statuses.checked_out") },
              { value: "destroyed", label: t("paper.statuses.destroyed") },
            ]}
            data-testid="paper-status-filter"
          />
          <Input.Search
            allowClear
            placeholder={t("paper.clientFilter")}
            style={{ width: 280 }}
            className="kh-mono"
            onSearch={(v) => setClientId(v.trim())}
          />
        </Flex>
        <PaperFilesTable filter={{ ...(status !== "all" ? { status } : {}), ...(clientId ? { clientId } : {}) }} />
      </Card>
      <RegisterPaperDialog open={registering} onClose={() => setRegistering(false)} />
    </>
  );
}
