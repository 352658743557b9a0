import { ExportOutlined, ImportOutlined, ScissorOutlined } from "@ant-design/icons";
import { Button, Space, Tag, Typography } from "antd";
import { useTranslation } from "react-i18next";
import { purposeLabel } from "../../api/catalog.ts";
import { useCapabilities, useCatalog } from "../../api/queries.ts";
import type { PaperFileView } from "../../api/model.ts";
import { formatTime, staffLabel } from "../../components/format.ts";
import { useLang } from "../../i18n/index.ts";
import { paperActions } from "./paper.ts";
import type { PaperAction } from "./PaperActionDialog.tsx";
import { PrintLabelButton } from "./PrintLabelButton.tsx";

/** Where the file stands: in its cabinet, held by someone for a purpose, or shredded before a witness. */
export function PaperStatus({ file: f }: { file: PaperFileView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const catalog = useCatalog().data;
  return f.status === "checked_out" && f.holder ? (
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
  );
}

/** The moves the file's state allows and the role may make: check out, check in, print its label, shred. */
export function PaperActions({ file: f, onAction }: { file: PaperFileView; onAction: (a: PaperAction) => void }) {
  const { t } = useTranslation();
  const caps = useCapabilities();
  return (
    <Space size={4} wrap>
      {paperActions(f).includes("checkout") && caps.has("POST /paper-files/{id}/checkout") && (
        <Button
          size="small"
          icon={<ExportOutlined />}
          onClick={() => onAction({ kind: "checkout", file: f })}
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
          onClick={() => onAction({ kind: "checkin", file: f })}
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
          onClick={() => onAction({ kind: "destroy", file: f })}
          data-testid={`destroy-${f.id}`}
        >
          {t("paper.destroy")}
        </Button>
      )}
    </Space>
  );
}
