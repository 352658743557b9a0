import { ExclamationCircleFilled } from "@ant-design/icons";
import { Alert, Input, Modal, Typography } from "antd";
import { useEffect, useState, type ReactNode } from "react";
import { useTranslation } from "react-i18next";
import { typedConfirmed } from "./confirm.ts";

/**
 * The confirmation before an action that cannot be undone: it names the consequence, and for the
 * gravest asks for a word typed out (`typed`) before the button can be pressed.
 */
export function ConfirmDialog({
  open,
  title,
  consequence,
  typed,
  okText,
  loading,
  onConfirm,
  onCancel,
}: {
  open: boolean;
  title: ReactNode;
  consequence: ReactNode;
  typed?: string;
  okText: string;
  loading?: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useTranslation();
  const [input, setInput] = useState("");
  useEffect(() => {
    if (!open) setInput("");
  }, [open]);
  const ready = !typed || typedConfirmed(input, typed);
  return (
    <Modal
      open={open}
      title={
        <span>
          <ExclamationCircleFilled style={{ color: "#dc2626", marginRight: 8 }} />
          {title}
        </span>
      }
      okText={okText}
      okButtonProps={{ danger: true, disabled: !ready, ...({ "data-testid": "confirm-ok" } as object) }}
      cancelText={t("app.cancel")}
      onOk={onConfirm}
      onCancel={onCancel}
      confirmLoading={loading}
      destroyOnHidden
      data-testid="confirm-dialog"
    >
      <Alert
        type="error"
        showIcon
        style={{ marginBottom: 12 }}
        message={consequence}
        data-testid="confirm-consequence"
      />
      <Typography.Paragraph type="secondary" style={{ marginBottom: typed ? 8 : 0 }}>
        {t("confirm.irreversible")}
      </Typography.Paragraph>
      {typed && (
        <>
          <Typography.Paragraph style={{ marginBottom: 8 }}>
            {t("confirm.typeToConfirm")}{" "}
            <Typography.Text code className="kh-mono">
              {typed}
            </Typography.Text>
          </Typography.Paragraph>
          <Input
            value={input}
            onChange={(e) => setInput(e.target.value)}
            autoComplete="off"
            spellCheck={false}
            aria-label={t("confirm.typeToConfirm")}
            data-testid="confirm-typed"
          />
        </>
      )}
    </Modal>
  );
}
