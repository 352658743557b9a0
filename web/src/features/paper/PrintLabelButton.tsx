import { PrinterOutlined } from "@ant-design/icons";
import { App, Button } from "antd";
import { useState } from "react";
import { useTranslation } from "react-i18next";
import { apiBlob } from "../../api/http.ts";
import { isApiError } from "../../api/problem.ts";
import { problemMessage } from "../../api/problems.ts";
import { useCapabilities } from "../../api/queries.ts";
import type { PaperFileView } from "../../api/model.ts";
import { useLang } from "../../i18n/index.ts";
import { labelPath, labelUnavailable } from "./paper.ts";

/**
 * 打印封面标签: the file's cover label as a PDF, opened for printing. The label route may not exist
 * on an older API; then the button says so and nothing else happens.
 */
export function PrintLabelButton({ file }: { file: PaperFileView }) {
  const { t } = useTranslation();
  const lang = useLang();
  const { message } = App.useApp();
  const caps = useCapabilities();
  const [busy, setBusy] = useState(false);
  const open = async () => {
    // Opened at once, while the click still counts as the user's, then pointed at the PDF.
    const win = window.open("", "_blank");
    setBusy(true);
    try {
      const { blob, contentType } = await apiBlob(labelPath(file.id, caps.has));
      if (!/pdf/i.test(contentType)) {
        // Something answered that is not the label (an HTML fallback page, say): treat it as absent.
        win?.close();
        message.info(t("paper.labelUnavailable"));
        return;
      }
      const url = URL.createObjectURL(new Blob([blob], { type: "application/pdf" }));
      if (win) win.location.href = url;
      else window.location.assign(url);
      setTimeout(() => URL.revokeObjectURL(url), 60_000);
    } catch (e) {
      win?.close();
      if (isApiError(e) && labelUnavailable(e.status)) message.info(t("paper.labelUnavailable"));
      else message.error(isApiError(e) ? problemMessage(e.problem, lang) : String(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <Button
      size="small"
      icon={<PrinterOutlined />}
      loading={busy}
      onClick={() => void open()}
      data-testid={`label-${file.id}`}
    >
      {t("paper.printLabel")}
    </Button>
  );
}
