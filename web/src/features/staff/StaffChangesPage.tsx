import { Card, Flex, Segmented } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import type { StaffChangeView } from "../../api/model.ts";
import { PageHeader } from "../../components/PageHeader.tsx";
import { changeStatuses } from "./changes.ts";
import { StaffChangesTable } from "./StaffChangesTable.tsx";

/** 待确认变更: staff changes that wait for a second person (four eyes), and what became of earlier ones. */
export default function StaffChangesPage() {
  const { t } = useTranslation();
  const [status, setStatus] = useState<StaffChangeView["status"]>("pending");
  return (
    <>
      <PageHeader title={t("staffChanges.title")} subtitle={t("staffChanges.subtitle")} />
      <Card styles={{ body: { padding: 0 } }}>
        <Flex style={{ padding: 12, borderBottom: "1px solid #f0f0f0" }}>
          <Segmented
            value={status}
            onChange={(v) => setStatus(v as StaffChangeView["status"])}
            options={changeStatuses.map((s) => ({ value: s, label: t(`staffChanges.statuses.${s}`) }))}
            data-testid="change-status"
          />
        </Flex>
        <StaffChangesTable status={status} />
      </Card>
    </>
  );
}
